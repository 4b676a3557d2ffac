"""A broken cross-field rule names the field it is about, in problems and on pages alike."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError, model_validator

from joinedup.core.errors import (
    ProblemError,
    error_loc,
    error_message,
    field_errors,
    form_errors,
    rule_error,
    validation_error,
)
from joinedup.geo import resolve_postcode


class Beds(BaseModel):
    staffed: int
    vacant: int

    @model_validator(mode="after")
    def _consistent(self) -> Beds:
        if self.vacant > self.staffed:
            raise rule_error("vacant", "vacant beds cannot exceed staffed beds")
        return self


class Home(BaseModel):
    beds: Beds


def _refused() -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        Home.model_validate({"beds": {"staffed": 1, "vacant": 2}})
    return caught.value


def test_a_rule_error_ends_its_path_with_the_field_it_names() -> None:
    (err,) = _refused().errors()
    assert error_loc(err) == ("beds", "vacant")
    assert error_message(err) == "vacant beds cannot exceed staffed beds"
    assert [e.field for e in field_errors(_refused().errors(), "body")] == ["body.beds.vacant"]


def test_pages_and_problems_agree() -> None:
    assert form_errors(_refused()) == {"beds-vacant": "vacant beds cannot exceed staffed beds"}
    problem = validation_error(_refused(), "body")
    assert problem.status == 422 and [e.field for e in problem.errors] == ["body.beds.vacant"]


def test_a_postcode_is_resolved_or_refused_by_name() -> None:
    point = resolve_postcode("m41 5bu")
    assert point.postcode == "M41 5BU"
    with pytest.raises(ProblemError) as malformed:
        resolve_postcode("not a postcode", field="query.postcode")
    assert (malformed.value.errors[0].field, malformed.value.errors[0].code) == ("query.postcode", "postcode")
    with pytest.raises(ProblemError) as unknown:
        resolve_postcode("ZZ99 9ZZ")
    assert unknown.value.errors[0].code == "unknown_postcode"
