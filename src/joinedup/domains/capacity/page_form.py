"""The update page's form, on the shared GOV.UK form plumbing (joinedup.web.forms).

The page shows one set of questions per row a service holds (a bed type, a homecare time band, a
reablement pathway), named `beds-0-physical` and so on, with the row's identity in hidden fields.
`capacity_form` builds the questions for the rows that were posted, each message in plain words
naming the row ("Staffed nursing beds must be a whole number"), and reads the standard's rules
("staffed beds cannot exceed physical beds") as sentences about the row. A hidden field that was
tampered with is told at the row's first question.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from joinedup.core.errors import ProblemError
from joinedup.web.forms import Field, Form, FormState, Posted, one
from joinedup.web.words import label, lower_label

NAME = "capacity"
BED_FIELDS = ("physical", "staffed", "occupied", "vacant", "reserved", "accepting_admissions")
ROW_UNREADABLE = "This row could not be read: reload the page and enter it again"


def _bed_fields(i: int, bed_type: str) -> Iterator[Field]:
    kind = lower_label(bed_type)
    names = {
        "physical": f"Physical {kind} beds",
        "staffed": f"Staffed {kind} beds",
        "occupied": f"Occupied {kind} beds",
        "vacant": f"Vacant {kind} beds",
        "reserved": f"Reserved {kind} beds",
        "accepting_admissions": f"{label(bed_type)} beds accepting admissions",
    }
    rules = {
        "staffed": f"Staffed {kind} beds cannot be more than physical {kind} beds",
        "vacant": f"Occupied and vacant {kind} beds together cannot be more than staffed {kind} beds",
        "reserved": f"Reserved {kind} beds cannot be more than vacant {kind} beds",
        "accepting_admissions": (
            f"{label(bed_type)} beds accepting admissions and reserved {kind} beds together cannot be more than "
            f"vacant {kind} beds"
        ),
    }
    for name in BED_FIELDS:
        words = names[name]
        yield Field(
            f"beds-{i}-{name}",
            words,
            kind="number",
            required=f"Enter the number of {words[:1].lower() + words[1:]}",
            messages={"rule": rules[name]} if name in rules else {},
        )


def _homecare_fields(i: int, band: str) -> Iterator[Field]:
    when = label(band)
    yield Field(
        f"homecare-{i}-spare_hours_per_week",
        f"{when} spare hours a week",
        kind="number",
        required=f"Enter the spare hours a week for {lower_label(band)} homecare, or 0",
    )
    yield Field(
        f"homecare-{i}-earliest_start",
        f"{when} earliest start",
        required=f"Enter the earliest start for {lower_label(band)} homecare",
        messages={"format": f"Enter the earliest start for {lower_label(band)} homecare as a date"},
    )


def _reablement_fields(i: int, pathway: str) -> Iterator[Field]:
    yield Field(
        f"reablement-{i}-places",
        f"Free places on pathway {pathway}",
        kind="number",
        messages={"rule": f"Enter the free places or the spare hours a week on pathway {pathway}"},
    )
    yield Field(f"reablement-{i}-hours_per_week", f"Spare hours a week on pathway {pathway}", kind="number")


# A row's section, the hidden field naming it, its questions, and its other hidden fields.
ROWS = (
    ("beds", "bed_type", _bed_fields, ()),
    ("homecare", "time_band", _homecare_fields, ("postcode_districts", "lsoa_codes", "skills")),
    ("reablement", "pathway", _reablement_fields, ()),
)


class CapacityForm(Form):
    """The questions of the rows posted; an error's location names its field by path."""

    def __init__(self, fields: Sequence[Field], hidden: Mapping[str, str]) -> None:
        super().__init__(NAME, *fields)
        self.hidden = dict(hidden)  # a hidden field -> its row's first question

    def read(self, posted: Posted) -> tuple[dict[str, Any], FormState]:
        data, state = super().read(posted)
        self._at_rows(state)
        return data, state

    def explain(self, err: Mapping[str, Any], state: FormState) -> None:
        super().explain(err, state)
        self._at_rows(state)

    def refuse(self, state: FormState, exc: ProblemError) -> None:
        super().refuse(state, exc)
        self._at_rows(state)

    def _at_rows(self, state: FormState) -> None:
        """A hidden field's error, told at its row's first question."""
        for hidden, first in self.hidden.items():
            if state.errors.pop(hidden, None) is not None:
                state.anchors.pop(hidden, None)
                state.add(first, ROW_UNREADABLE)

    def field_at(self, loc: Sequence[Any]) -> Field | None:
        """("beds", 0, "physical") or "update.beds.0.physical".split(".") -> beds-0-physical."""
        parts = [str(p) for p in loc]
        for start in range(len(parts)):
            for end in range(len(parts), start, -1):
                name = "-".join(parts[start:end])
                if name in self.fields:
                    return self.fields[name]
        return None


def rows(posted: Posted, section: str, key: str) -> Iterator[tuple[int, str]]:
    """The numbered rows a form posted for a section (`beds-0-bed_type`, ...): (index, its key)."""
    i = 0
    while f"{section}-{i}-{key}" in posted:
        yield i, one(posted.get(f"{section}-{i}-{key}"))
        i += 1


def capacity_form(posted: Posted) -> CapacityForm:
    """The form for the rows `posted` holds, in the page's order."""
    fields = [
        Field(
            "status",
            "Admissions",
            kind="choice",
            required="Select whether you are accepting admissions",
            messages={
                "rule": "Admissions are not accepted, yet some beds or places are accepting admissions: "
                "change the admissions, or set those to 0"
            },
        )
    ]
    hidden: dict[str, str] = {}
    for section, key, questions, others in ROWS:
        for i, value in rows(posted, section, key):
            asked = list(questions(i, value))
            fields.extend(asked)
            for name in (key, *others):
                hidden[f"{section}-{i}-{name}"] = asked[0].name
                fields.append(Field(f"{section}-{i}-{name}", asked[0].label))
    fields.append(
        Field(
            "note",
            "Note",
            messages={"too_long": "Note must be 500 characters or fewer", "rule": "Select the admissions with a note"},
        )
    )
    return CapacityForm(fields, hidden)


def _listed(text: str | None) -> list[str]:
    return [part for part in (p.strip() for p in (text or "").split(",")) if part]


def values_of(data: Mapping[str, Any], posted: Posted) -> dict[str, Any]:
    """The update a provider typed, as the standard's sections. Blank numbers stay blank (None)
    so the standard's own rules name what is missing."""
    sections: dict[str, Any] = {"status": data.get("status"), "note": data.get("note")}

    def get(section: str, i: int, name: str) -> Any:
        return data.get(f"{section}-{i}-{name}")

    beds = [
        {"bed_type": get("beds", i, "bed_type"), **{name: get("beds", i, name) for name in BED_FIELDS}}
        for i, _ in rows(posted, "beds", "bed_type")
    ]
    homecare = [
        {
            "time_band": get("homecare", i, "time_band"),
            "postcode_districts": _listed(get("homecare", i, "postcode_districts")),
            "lsoa_codes": _listed(get("homecare", i, "lsoa_codes")),
            "skills": _listed(get("homecare", i, "skills")),
            "spare_hours_per_week": get("homecare", i, "spare_hours_per_week"),
            "earliest_start": get("homecare", i, "earliest_start"),
        }
        for i, _ in rows(posted, "homecare", "time_band")
    ]
    reablement = [
        {
            "pathway": get("reablement", i, "pathway"),
            "places": get("reablement", i, "places"),
            "hours_per_week": get("reablement", i, "hours_per_week"),
        }
        for i, _ in rows(posted, "reablement", "pathway")
    ]
    for name, found in (("beds", beds), ("homecare", homecare), ("reablement", reablement)):
        if found:
            sections[name] = found
    return sections
