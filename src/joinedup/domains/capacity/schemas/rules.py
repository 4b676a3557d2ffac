"""The rules of the capacity data standard that relate one value to another, kept as data: each
names the field it refuses and says where in docs/capacity-standard.md it comes from. The
models of `standard` apply them, so the API, the CSV upload, the pages and the FHIR facade refuse
the same things in the same words; the guide lists them for people.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator
from pydantic_core import PydanticCustomError

from joinedup.core.contract import FORMATS, MESSAGES, in_range


@dataclass(frozen=True)
class BedRule:
    """How two or more counts of one bed type relate; `field` is the count refused."""

    field: str
    holds: Callable[[Mapping[str, Any]], bool]
    message: str


# docs/capacity-standard.md, "Rules" (beds): vacant beds are staffed and empty; of them, some are
# reserved for a named person and some are accepting admissions.
BED_RULES: tuple[BedRule, ...] = (
    BedRule("staffed", lambda b: b["staffed"] <= b["physical"], "staffed beds cannot exceed physical beds"),
    BedRule(
        "vacant", lambda b: b["occupied"] + b["vacant"] <= b["staffed"], "occupied + vacant cannot exceed staffed beds"
    ),
    BedRule(
        "reserved", lambda b: b["reserved"] <= b["vacant"], "reserved beds are vacant beds, so cannot exceed vacant"
    ),
    BedRule(
        "accepting_admissions",
        lambda b: b["accepting_admissions"] + b["reserved"] <= b["vacant"],
        "accepting_admissions + reserved cannot exceed vacant",
    ),
)


@dataclass(frozen=True)
class OpenCount:
    """A count that says someone can be admitted or started now."""

    section: str
    field: str
    words: str  # how the message names it, after the number


# docs/capacity-standard.md, "Rules" (status and counts agree): an update whose status closes
# admissions does not also report, in the same update, a count that says someone can be admitted.
# (Spare homecare or reablement hours are not admissions: a branch may keep hours for the people
# it already visits, so they are not refused.)
CLOSED_STATUSES = frozenset({"not_accepting"})
OPEN_COUNTS: tuple[OpenCount, ...] = (
    OpenCount("beds", "accepting_admissions", "bed(s) accepting admissions"),
    OpenCount("reablement", "places", "free reablement place(s)"),
)

# docs/capacity-standard.md, "Rules" (as_of): a report is true at a moment at most a year ago (an
# older one describes no one's capacity now, and is usually a mistyped year) and not after now
# (give or take the clock skew a server allows, its setting `capacity_clock_skew_seconds`).
OLDEST_AS_OF = timedelta(days=366)


def open_count(items: list[Any], field: str) -> int:
    """The sum of `field` over a section's items (dicts or models); unreported counts are 0."""
    total = 0
    for item in items:
        value = item.get(field) if isinstance(item, Mapping) else getattr(item, field, None)
        total += value or 0
    return total


# docs/capacity-standard.md, "Dates and times": ISO 8601 text, as the JSON Schema says.
def _iso(kind: str) -> BeforeValidator:
    """Only ISO 8601 text (or a value our own code made), never a number or a number's text:
    pydantic would read `0.5` or `"1700000000"` as seconds since 1970. Text is parsed here, so
    a strictly validated batch (JSON) and a laxly validated form or CSV row read it alike."""
    parse = datetime.fromisoformat if kind == "date-time" else date.fromisoformat

    def check(value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            try:
                if FORMATS[kind].fullmatch(text) and (kind != "date-time" or in_range(text)):
                    return parse(text)
            except ValueError:
                pass
        elif not isinstance(value, int | float):
            return value  # a date or datetime made by our own code
        raise PydanticCustomError(f"{kind.replace('-', '')}_format", MESSAGES[kind])

    return BeforeValidator(check)


Moment = Annotated[AwareDatetime, _iso("date-time")]
Day = Annotated[date, _iso("date")]
