"""The commissioner's page forms, on the shared GOV.UK form plumbing (joinedup.web.forms): each
question with its words, a plain message for every rule, and the shape the API's schemas take
(the same schemas, so a page refuses what the API refuses, in words for a person)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from joinedup.web.forms import Field, Form

LOCALITIES = ["Central", "North", "South", "West"]


def _between(label: str, low: str, high: str) -> dict[str, str]:
    return {"range": f"{label} must be between {low} and {high}"}


def _whole(label: str, low: str, high: str) -> dict[str, str]:
    return {**_between(label, low, high), "number": f"{label} must be a whole number"}


AREA = Field(
    "locality",
    "Area",
    kind="choices",
    key="localities",
    messages={"choice": "Select areas from the list", "invalid": "Select areas from the list"},
)
GENERATE_FORM = Form(
    "generate",
    AREA,
    Field(
        "recipients",
        "Care recipients to generate",
        kind="number",
        required="Enter how many care recipients to generate",
        messages=_whole("Care recipients to generate", "1", "5,000"),
    ),
    Field(
        "seed",
        "Seed",
        kind="number",
        required="Enter a seed, like 1",
        messages=_whole("Seed", "0", "2,147,483,647"),
    ),
)
# An extract covers the whole area (its rows say where each person lives).
UPLOAD_FORM = Form("upload", Field("file", "CSV file"), prefix="upload-")
DESIGN_FORM = Form(
    "design-form",
    Field(
        "target",
        "Target size",
        kind="number",
        required="Enter the target size of a neighbourhood",
        messages=_between("Target size", "5", "5,000"),
    ),
    Field("measure", "Measured in", kind="choice", messages={"choice": "Select what the target size is measured in"}),
    Field("within_localities", "Keep each neighbourhood inside one council locality", kind="flag"),
)
MOVE_FORM = Form(
    "move-form",
    Field("lsoa", "LSOA", kind="choice", required="Select the LSOA to move", messages={"too_long": "Select an LSOA"}),
    Field(
        "to",
        "To neighbourhood",
        kind="number",
        required="Enter the number of the neighbourhood to move it to",
        messages=_whole("To neighbourhood", "1", "1,000"),
    ),
)
RUN_FORM = Form(
    "run-form",
    Field(
        "providers",
        "Framework providers",
        kind="number",
        required="Enter how many framework providers",
        messages=_whole("Framework providers", "1", "200"),
    ),
    Field(
        "days",
        "Days in the measured week",
        kind="number",
        required="Enter how many days of the week to measure",
        messages=_whole("Days in the measured week", "1", "7"),
    ),
    Field(
        "seconds_per_100_visits",
        "Search seconds per 100 visits",
        kind="number",
        required="Enter the search seconds per 100 visits",
        messages=_between("Search seconds per 100 visits", "0.05", "10"),
    ),
)


def number(text: str | None) -> int | float | None:
    """A number a form read (digits, perhaps a decimal point) as the schemas take it: a whole
    number as an int, so a schema asking for one refuses 2.5 in its own words."""
    if text is None:
        return None
    return int(text) if text.isdigit() else float(text)


def numbers(data: Mapping[str, Any], *names: str) -> dict[str, Any]:
    return {**data, **{name: number(data.get(name)) for name in names}}
