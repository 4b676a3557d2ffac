"""The shared form plumbing: answers read as people type them (dates as day, month and year,
postcodes in any case and spacing), one plain-English message per rule and never the validation
library's words, what was typed kept, and messages after a redirect only from a fixed set."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, StringConstraints
from pydantic import Field as Constraint

from joinedup.core.errors import conflict, invalid, rule_error
from joinedup.domains.capacity.schemas import Postcode
from joinedup.web.flash import Flash
from joinedup.web.forms import Field, Form, FormState, shown

LIBRARY_WORDS = ("should", "pattern", "Value error", "Input", "type=", "[", "_")


class Thing(BaseModel):
    name: Annotated[str, StringConstraints(max_length=10)]
    postcode: Postcode | None = None
    when: date
    hours: float | None = Constraint(default=None, gt=0, le=168)
    kind: int = Constraint(default=1, ge=1, le=2)


FORM = Form(
    "thing",
    Field("name", "Name", required="Enter a name"),
    Field("postcode", "Postcode", kind="postcode", messages={"format": "Enter a full UK postcode, like M41 5BU"}),
    Field("when", "Start date", kind="date", required="Enter the start date"),
    Field("hours", "Hours a week", kind="number"),
    Field("kind", "Kind", kind="choice"),
)


def _read(**posted: str) -> tuple[Thing | None, FormState]:
    data, state = FORM.read({"name": "A", "when-day": "1", "when-month": "2", "when-year": "2026", **posted})
    return FORM.validate(Thing, {k: v for k, v in data.items() if v is not None}, state), state


@pytest.mark.parametrize(
    ("day", "month", "year", "parsed", "message", "anchor"),
    [
        ("1", "2", "2026", date(2026, 2, 1), None, None),
        (" 01 ", "feb", "2026", date(2026, 2, 1), None, None),
        ("29", "2", "2028", date(2028, 2, 29), None, None),
        ("31", "2", "2026", None, "Start date must be a real date", "when-day"),
        ("1", "13", "2026", None, "Start date must be a real date", "when-month"),
        ("1", "2", "26", None, "Start date must include a year with 4 numbers", "when-year"),
        ("", "2", "2026", None, "Start date must include a day", "when-day"),
        ("1", "", "", None, "Start date must include a month and year", "when-month"),
        ("", "", "", None, "Enter the start date", "when-day"),
        ("x", "2", "2026", None, "Start date must be a real date", "when-day"),
        ("\uff11", "2", "2026", None, "Start date must be a real date", "when-day"),  # a full-width 1
    ],
)
def test_a_date_is_read_from_day_month_and_year(
    day: str, month: str, year: str, parsed: date | None, message: str | None, anchor: str | None
) -> None:
    thing, state = _read(**{"when-day": day, "when-month": month, "when-year": year})
    assert (thing.when if thing else None) == parsed
    assert state.error("when") == message
    if anchor:
        assert state.summary() == [{"text": message, "href": f"#{anchor}"}]
    assert state.value("when") == {"day": day, "month": month, "year": year}  # as typed


@pytest.mark.parametrize("typed", ["m41 5bu", "M415BU", "  M41   5BU ", "M 4 1 5 B U", "m41\t5bu"])
def test_a_postcode_in_any_case_and_spacing_is_one_postcode(typed: str) -> None:
    thing, state = _read(postcode=typed)
    assert thing is not None and thing.postcode == "M41 5BU", state.errors
    assert state.value("postcode") == typed.replace("\t", " ")  # shown back as typed


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        ({"name": ""}, "name", "Enter a name"),
        ({"name": "x" * 11}, "name", "Name must be 10 characters or fewer"),
        ({"name": "a\x00b"}, "name", "Name includes characters that cannot be saved; type it again without them"),
        ({"name": "caf\ufffd"}, "name", "Name includes characters that cannot be saved; type it again without them"),
        ({"postcode": "M41"}, "postcode", "Enter a full UK postcode, like M41 5BU"),
        ({"hours": "ten"}, "hours", "Hours a week must be a number"),
        ({"hours": "1e3"}, "hours", "Hours a week must be a number"),
        ({"hours": "nan"}, "hours", "Hours a week must be a number"),
        ({"hours": "169"}, "hours", "Hours a week must be 168 or less"),
        ({"hours": "0"}, "hours", "Hours a week must be more than 0"),
        ({"kind": "3"}, "kind", "Kind must be 2 or less"),
    ],
)
def test_each_rule_has_its_own_plain_message_at_its_field(posted: dict[str, str], field: str, message: str) -> None:
    thing, state = _read(**posted)
    assert thing is None
    assert state.errors == {field: message}
    assert state.summary() == [{"text": message, "href": f"#{field}"}]


def test_a_rule_across_fields_and_a_service_refusal_name_their_field() -> None:
    class Pair(BaseModel):
        name: str

        def model_post_init(self, _: Any) -> None:
            raise rule_error("when", "the start date must be today or in the future")

    _data, state = FORM.read({"name": "A", "when-day": "1", "when-month": "2", "when-year": "2026"})
    assert FORM.validate(Pair, {"name": "A"}, state) is None
    assert state.errors == {"when": "The start date must be today or in the future"}
    state = FormState(form="thing")
    FORM.refuse(state, invalid("body.hours", "the hours are too many for this service", "rule"))
    FORM.refuse(state, conflict("This patient's stay is already on the list."))
    assert state.errors == {"hours": "The hours are too many for this service"}
    assert state.general == ["This patient's stay is already on the list"]
    assert state.summary()[0] == {"text": "This patient's stay is already on the list", "href": "#thing"}


@settings(max_examples=150, deadline=None)
@given(
    posted=st.dictionaries(
        st.sampled_from(["name", "postcode", "when-day", "when-month", "when-year", "hours", "kind"]),
        st.text(max_size=30) | st.sampled_from(["", "31", "2", "13", "0", "-1", "1e309", "M41 5BU"]),
    )
)
def test_whatever_is_typed_the_messages_are_the_forms_own(posted: dict[str, str]) -> None:
    _, state = FORM.read(posted)
    FORM.validate(Thing, {k: v for k, v in FORM.read(posted)[0].items() if v is not None}, state)
    messages = [*state.errors.values(), *state.general]
    for message in messages:
        assert message[:1].isupper() and not message.endswith(".")
        assert not any(word in message for word in LIBRARY_WORDS), message
    for name, typed in posted.items():
        field = name.split("-")[0]
        kept = state.value(field)
        assert (kept.get(name.split("-")[1]) if isinstance(kept, dict) else kept) == shown(typed)


def test_a_flash_is_chosen_by_key_never_by_words() -> None:
    flash = Flash({"saved": "Details saved"})
    assert flash.text("saved") == "Details saved"
    assert flash.text("Your account is locked") is None and flash.text(None) is None
    assert flash.redirect("/x", "saved").headers["location"] == "/x?done=saved"
    with pytest.raises(KeyError):
        flash.redirect("/x", "Your account is locked")


def test_the_summary_lists_errors_in_the_order_the_page_asks() -> None:
    thing, state = _read(name="", postcode="M41", hours="x", **{"when-day": "31", "when-month": "2"})
    assert thing is None
    assert [item["href"] for item in state.summary()] == ["#name", "#postcode", "#when-day", "#hours"]


def test_a_hidden_fields_error_is_about_the_whole_form() -> None:
    """No one can correct a hidden field (the page a view saves): its error links to the form."""
    form = Form("view", Field("name", "Name", required="Enter a name"), Field("path", "Page", hidden=True))
    _, state = form.read({"name": "Beds", "path": "/visibility\x00"})
    assert state.errors == {} and state.general == [
        "Page includes characters that cannot be saved; type it again without them"
    ]
    assert state.summary() == [{"text": state.general[0], "href": "#view"}]


def test_a_form_the_page_no_longer_shows_is_told_about_the_page() -> None:
    """A form about a record that moved on (an offer already sent) is not on the page that says
    so: its errors link to the page's main content, not to fields that are not there."""
    _, state = FORM.read({"name": "", "when-day": "1", "when-month": "2", "when-year": "2026"})
    gone = state.about_the_page()
    assert gone.summary() == [{"text": "Enter a name", "href": "#maincontent"}] and not gone.errors
