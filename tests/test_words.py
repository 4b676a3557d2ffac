"""The words pages use for codes, numbers and counts (src/joinedup/web/words.py)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from joinedup.core.permissions import Permission
from joinedup.domains.capacity.schemas import BedType, CareType, Funding, OverallStatus, Skill
from joinedup.domains.organisations.schemas import OrganisationType
from joinedup.web import words


def test_codes_read_as_words_with_their_acronyms() -> None:
    assert words.label(OrganisationType.GP_PRACTICE) == "GP practice"
    assert words.label("nhs_continuing_healthcare") == "NHS continuing healthcare"
    assert words.label(BedType.DEMENTIA_NURSING) == "Dementia nursing"
    assert words.label(OrganisationType.ICB) == "Integrated care board"
    assert words.label(None) == words.label("") == "Not recorded"
    assert words.label("x_y", {"x_y": "Mine"}) == "Mine"
    assert words.lower_label(CareType.DEMENTIA_NURSING) == "dementia nursing"
    assert words.lower_label(Funding.NHS_CONTINUING_HEALTHCARE) == "NHS continuing healthcare"


def test_every_code_of_the_standard_and_the_directory_has_a_label_without_an_underscore() -> None:
    for enum in (OrganisationType, BedType, CareType, Funding, Skill, OverallStatus):
        for member in enum:
            text = words.label(member)
            assert text and "_" not in text and text[0].isupper(), (member, text)


@given(st.from_regex(r"[a-z]{1,8}(_[a-z0-9]{1,8}){0,4}", fullmatch=True))
def test_any_code_becomes_words(code: str) -> None:
    text = words.label(code)
    assert "_" not in text and text.strip() == text and text


def test_numbers_are_written_as_people_write_them() -> None:
    assert words.number(123.0) == "123"
    assert words.number(1234.56) == "1,234.6"
    assert words.number(1234.5, 2, False) == "1234.5"
    assert words.number(-0.04) == "0"
    assert words.number(7) == "7"
    assert words.number(None) == "Not recorded"
    assert words.number(float("nan")) == "Not recorded"


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_no_number_ends_in_point_zero(value: float) -> None:
    assert not re.search(r"\.0+$", words.number(value))
    assert not re.search(r"\.0+$", words.number(value, 2, False))


def test_counts_agree_with_their_number() -> None:
    assert words.count(1, "bed") == "1 bed"
    assert words.count(1.0, "bed") == "1 bed"
    assert words.count(2, "bed") == "2 beds"
    assert words.count(0, "place") == "0 places"
    assert words.count(1.5, "hour") == "1.5 hours"
    assert words.count(1, "hour a week") == "1 hour a week"
    assert words.count(3, "hour a week") == "3 hours a week"
    assert words.count(2, "person") == "2 people"
    assert words.count(120, "care recipient") == "120 care recipients"
    assert words.count(2, "spare hour") + " a week" == "2 spare hours a week"
    assert words.count(2, "visit per person") == "2 visits per person"
    assert words.count(2, "delay") == "2 delays" and words.count(2, "category") == "2 categories"
    assert words.count(None, "bed") == "Not recorded"


def test_audit_actions_read_as_what_happened() -> None:
    assert words.audit_action("discharge_patient.create") == "Patient added"
    assert words.audit_action("auth.sign_in") == "Account signed in"
    assert words.audit_action("api_key.revoke") == "API key revoked"
    assert "_" not in words.audit_action("some_new_thing.did_a_thing")


def test_refusals_name_what_the_role_cannot_do_not_the_permission_id() -> None:
    assert set(words.PERMISSION_TEXT) == {p.value for p in Permission}
    text = words.without_permission_ids("Your role may not neighbourhoods:design.")
    assert text == "Your role does not let you design neighbourhoods."
    assert words.without_permission_ids("This credential is read-only.") == "This credential is read-only."
