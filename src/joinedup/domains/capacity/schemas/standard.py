"""The capacity data standard, version 1: what a provider system sends and what it reads back.

These models are the standard. `GET /api/v1/capacity/standard/v1.schema.json` publishes the JSON
Schema generated from them; `docs/capacity-standard.md` is the guide. Every count is reported
explicitly (never only derived), and every rule a count must obey names the field it checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
    model_validator,
)
from typing_extensions import TypedDict

from joinedup.core.errors import rule_error
from joinedup.domains.capacity.schemas.rules import BED_RULES, CLOSED_STATUSES, OPEN_COUNTS, Day, Moment, open_count
from joinedup.geo.postcodes import normalise_postcode

STANDARD_VERSION = "1.0"
MAX_BATCH = 1000


class ServiceKind(StrEnum):
    CARE_HOME = "care_home"
    HOMECARE = "homecare"
    REABLEMENT = "reablement"


class BedType(StrEnum):
    RESIDENTIAL = "residential"
    NURSING = "nursing"
    DEMENTIA_RESIDENTIAL = "dementia_residential"
    DEMENTIA_NURSING = "dementia_nursing"
    RESPITE = "respite"  # respite / short stay
    DISCHARGE_TO_ASSESS = "discharge_to_assess"
    BARIATRIC = "bariatric"


class TimeBand(StrEnum):
    MORNING = "morning"
    LUNCH = "lunch"
    TEA = "tea"
    EVENING = "evening"
    NIGHT = "night"


class Skill(StrEnum):
    DOUBLE_UP = "double_up"
    DEMENTIA = "dementia"
    END_OF_LIFE = "end_of_life"
    DELEGATED_HEALTHCARE_TASKS = "delegated_healthcare_tasks"


class Funding(StrEnum):
    COUNCIL = "council"
    NHS_CONTINUING_HEALTHCARE = "nhs_continuing_healthcare"
    SELF_FUNDER = "self_funder"


class OverallStatus(StrEnum):
    ACCEPTING = "accepting"
    NOT_ACCEPTING = "not_accepting"
    WAITLIST = "waitlist"
    ASSESSMENT_REQUIRED = "assessment_required"


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


# Care types a consumer searches by: a bed type, homecare, or reablement on a discharge pathway.
class CareType(StrEnum):
    RESIDENTIAL = "residential"
    NURSING = "nursing"
    DEMENTIA_RESIDENTIAL = "dementia_residential"
    DEMENTIA_NURSING = "dementia_nursing"
    RESPITE = "respite"
    DISCHARGE_TO_ASSESS = "discharge_to_assess"
    BARIATRIC = "bariatric"
    HOMECARE = "homecare"
    REABLEMENT_PATHWAY_1 = "reablement_pathway_1"
    REABLEMENT_PATHWAY_2 = "reablement_pathway_2"


SECTIONS = ("status", "beds", "homecare", "reablement", "admission_rules")

Identifier = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$"),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$")]
# A name: one line with no control characters, and at least one character that is not a space
# (every space the JSON Schema's regular expressions and Python's strip agree on, written out).
_SPACES = r" \t\n\v\f\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_CONTROLS = r"\x00-\x1f\x7f-\x9f"
Name = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=200,
        pattern=f"^[^{_CONTROLS}]*[^{_SPACES}{_CONTROLS}][^{_CONTROLS}]*$",
    ),
]
# Any case and spacing ("m415bu", "M41  5BU"); stored as "M41 5BU". The document states the shape.
POSTCODE_SHAPE = "^ *[A-Za-z]{1,2}[0-9][A-Za-z0-9]? *[0-9][A-Za-z]{2} *$"
Postcode = Annotated[
    str,
    StringConstraints(max_length=10),
    AfterValidator(normalise_postcode),
    WithJsonSchema({"type": "string", "maxLength": 10, "pattern": POSTCODE_SHAPE, "examples": ["M41 5BU"]}),
]
PostcodeDistrict = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
]
LsoaCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[EW]01[0-9]{6}$")]
Count = Annotated[int, Field(ge=0, le=10_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _consistent_beds(bed: BedCount) -> BedCount:
    for rule in BED_RULES:
        if not rule.holds(bed):
            raise rule_error(rule.field, rule.message)
    return bed


# A TypedDict of plain JSON values, not a model: beds are the bulk of what providers send, and
# a validated dict is a third cheaper to check than a model and needs no serialising to store.
class BedCount(TypedDict):
    """Beds of one type. `vacant` beds are staffed and empty; of them, some are `reserved` for a
    named person and some are `accepting_admissions`."""

    __pydantic_config__ = ConfigDict(extra="forbid", use_enum_values=True)  # type: ignore[misc]
    bed_type: BedType
    physical: Annotated[
        Count, Field(description="Beds that physically exist (the Capacity Tracker's maximum capacity)")
    ]
    staffed: Annotated[Count, Field(description="Beds the home has the staff to use")]
    occupied: Annotated[Count, Field(description="Beds in use")]
    reserved: Annotated[Count, Field(description="Vacant beds held for someone already agreed")]
    vacant: Annotated[Count, Field(description="Staffed beds not in use (reserved ones included)")]
    accepting_admissions: Annotated[Count, Field(description="Vacant beds open to new admissions now")]


CheckedBedCount = Annotated[BedCount, AfterValidator(_consistent_beds)]


class HomecareSlot(Strict):
    """Spare homecare hours a week in one set of areas and one time band."""

    postcode_districts: list[PostcodeDistrict] = Field(default_factory=list, max_length=100)
    lsoa_codes: list[LsoaCode] = Field(default_factory=list, max_length=500)
    time_band: TimeBand
    spare_hours_per_week: float = Field(ge=0, le=10_000)
    skills: list[Skill] = Field(default_factory=list, max_length=len(Skill))
    earliest_start: Day

    @model_validator(mode="after")
    def _has_area(self) -> HomecareSlot:
        if not self.postcode_districts and not self.lsoa_codes:
            raise rule_error("postcode_districts", "name at least one postcode district or LSOA code")
        return self


class ReablementPlaces(Strict):
    """Reablement / intermediate care capacity on one discharge pathway (1: at home, 2: bedded)."""

    pathway: Literal[1, 2]
    places: Count | None = Field(default=None, description="Free places (people who can be started)")
    hours_per_week: float | None = Field(default=None, ge=0, le=10_000, description="Spare hours a week")

    @model_validator(mode="after")
    def _has_value(self) -> ReablementPlaces:
        if self.places is None and self.hours_per_week is None:
            raise rule_error("places", "report places or hours_per_week")
        return self


class AdmissionRules(Strict):
    days: list[Weekday] = Field(min_length=1, max_length=7, description="Days admissions are accepted")
    from_time: time = Field(description="Earliest admission time, UK local time")
    to_time: time = Field(description="Latest admission time, UK local time")
    funding: list[Funding] = Field(min_length=1, max_length=len(Funding), description="Funding accepted")

    @model_validator(mode="after")
    def _ordered(self) -> AdmissionRules:
        if self.to_time <= self.from_time:
            raise rule_error("to_time", "to_time must be after from_time")
        return self


class StatusValue(Strict):
    status: OverallStatus
    note: Text | None = Field(default=None, description='Free text, e.g. "no vacancies until January"')


class CapacityUpdate(Strict):
    """One report of a service's capacity, true at `as_of`, from `source_system`.

    Sections left out (null) are not reported by this update and keep their last value.
    """

    update_id: Identifier = Field(description="The sender's id for this update; resending it is harmless")
    provider_service_id: Identifier = Field(description="The provider's own id for the service")
    as_of: Moment = Field(description="When these values were true (with a UTC offset)")
    source_system: Name = Field(description="The software that sent it, e.g. 'CareRoster 4.2'")
    status: OverallStatus | None = None
    note: Text | None = None
    beds: list[CheckedBedCount] | None = Field(default=None, max_length=len(BedType))
    homecare: list[HomecareSlot] | None = Field(default=None, max_length=200)
    reablement: list[ReablementPlaces] | None = Field(default=None, max_length=2)
    admission_rules: AdmissionRules | None = None

    @model_validator(mode="after")
    def _sections(self) -> CapacityUpdate:
        if self.beds is not None and len({b["bed_type"] for b in self.beds}) != len(self.beds):
            raise rule_error("beds", "each bed_type may appear once")
        if self.reablement is not None and len({r.pathway for r in self.reablement}) != len(self.reablement):
            raise rule_error("reablement", "each pathway may appear once")
        if self.note is not None and self.status is None:
            raise rule_error("note", "a note is sent with a status")
        if self.status is not None and self.status.value in CLOSED_STATUSES:
            for count in OPEN_COUNTS:
                items = getattr(self, count.section)
                opened = open_count(items, count.field) if items else 0
                if opened:
                    raise rule_error(
                        "status",
                        f"status is {self.status.value} but this update reports {opened} {count.words} "
                        f"({count.section}.{count.field}); send the status that is true, or no {count.words}",
                    )
        if (  # spelt out: this runs for every update received
            self.status is None
            and self.beds is None
            and self.homecare is None
            and self.reablement is None
            and self.admission_rules is None
        ):
            raise rule_error("status", "report at least one of status, beds, homecare, reablement, admission_rules")
        return self

    def section_values(self) -> dict[str, Any]:
        """Reported sections as plain JSON values."""
        return sections_of([self])[0]


_MODEL_SECTIONS = ("homecare", "reablement", "admission_rules")
_UPDATES = TypeAdapter(list[CapacityUpdate])


def sections_of(updates: list[CapacityUpdate]) -> list[dict[str, Any]]:
    """Each update's reported sections as plain JSON values. Status and beds are plain values
    already; the sections that are models are dumped in one serialiser pass for the updates
    that carry any (this runs for every update received, so per-object calls would dominate a
    batch of 1,000)."""
    rich = [u for u in updates if u.homecare is not None or u.reablement is not None or u.admission_rules is not None]
    dumped = iter(_UPDATES.dump_python(rich, mode="json", include={"__all__": set(_MODEL_SECTIONS)}) if rich else ())
    out = []
    for update in updates:
        sections: dict[str, Any] = {}
        if update.status is not None:
            sections["status"] = {"status": update.status.value, "note": update.note}
        if update.beds is not None:
            sections["beds"] = [dict(bed) for bed in update.beds]  # copies: stored state never shares the request's
        if update.homecare is not None or update.reablement is not None or update.admission_rules is not None:
            for name, value in next(dumped).items():
                if value is not None:
                    sections[name] = value
        out.append(sections)
    return out


class CapacityBatch(Strict):
    updates: list[CapacityUpdate] = Field(min_length=1, max_length=MAX_BATCH)


@dataclass(frozen=True)
class RejectedUpdate:
    """An update of a received batch that failed validation, held aside so that with
    `per_item=true` the rest of the batch can still be stored and this one reported."""

    update_id: str | None
    errors: list[Any]  # pydantic error dicts, locations relative to the update


def _hold_invalid(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError as exc:
        update_id = value.get("update_id") if isinstance(value, dict) else None
        return RejectedUpdate(update_id=update_id if isinstance(update_id, str) else None, errors=exc.errors())


# A batch as the API receives it; its JSON Schema is exactly CapacityBatch's (so no docstring).
class ReceivedBatch(Strict):
    model_config = ConfigDict(title="CapacityBatch")
    # The wrap validator turns an invalid update into a RejectedUpdate instead of failing the
    # whole request; the schema (and so the OpenAPI document) still says CapacityUpdate.
    updates: list[Annotated[CapacityUpdate, WrapValidator(_hold_invalid)]] = Field(min_length=1, max_length=MAX_BATCH)

    def received(self) -> list[CapacityUpdate | RejectedUpdate]:
        return list(self.updates)


def received_batch(body: bytes) -> list[CapacityUpdate | RejectedUpdate]:
    """The updates of a batch as received (JSON bytes), invalid ones held as RejectedUpdate.

    A batch is checked as a plain CapacityBatch first: almost every batch is valid, and the
    wrap validator that holds invalid updates aside is a Python call per update (a fifth of
    the validation time). Only a batch that fails is validated again, update by update.

    Strictly, as the JSON Schema says: a count is a JSON number (never `true` or `"3"`), a flag a
    JSON boolean; the CSV and the pages, whose values are text, are validated laxly."""
    try:
        return list(CapacityBatch.model_validate_json(body, strict=True).updates)
    except ValidationError:
        return ReceivedBatch.model_validate_json(body, strict=True).received()


# The rule between the coordinates, stated in the JSON Schema too: one is sent only with the other.
_COORDINATES_TOGETHER: dict[str, Any] = {
    "allOf": [
        {
            "if": {"properties": {first: {"type": "number"}}, "required": [first]},
            "then": {"properties": {second: {"type": "number"}}, "required": [second]},
        }
        for first, second in (("latitude", "longitude"), ("longitude", "latitude"))
    ]
}


class ServiceIn(Strict):
    """A service, upserted by the provider's own id."""

    model_config = ConfigDict(json_schema_extra=_COORDINATES_TOGETHER)

    name: Name
    kind: ServiceKind
    postcode: Postcode | None = None
    latitude: float | None = Field(default=None, ge=49.0, le=61.0, description="WGS84; UK only")
    longitude: float | None = Field(default=None, ge=-9.0, le=2.5, description="WGS84; UK only")
    cqc_location_id: Annotated[str, StringConstraints(pattern=r"^1-[0-9]{6,12}$")] | None = None
    active: bool = True

    @model_validator(mode="after")
    def _both_coordinates(self) -> ServiceIn:
        if (self.latitude is None) != (self.longitude is None):
            raise rule_error("longitude", "send latitude and longitude together")
        return self
