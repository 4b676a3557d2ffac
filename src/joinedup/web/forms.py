"""Page forms the GOV.UK way, written once for every page.

A page describes its form as `Field`s; `Form.read` turns what was posted into values a schema
can validate (text trimmed, postcodes in any case and spacing, dates from the NHS.UK
day-month-year input, numbers checked as numbers) and a `FormState` that keeps what was typed.
`Form.validate` and `Form.refuse` turn a schema's or a service's refusal into one plain-English
message per field, written for each rule (never the validation library's words), which the
macros in `_forms.jinja` show as an error summary linked to the fields and a message at each
field. A page that refuses a form renders itself again with status 422.

A handler reads the body with `joinedup.web.posted.read_form` (size, encoding, CSRF); the
messages a page shows after a redirect are a `joinedup.web.flash.Flash`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from joinedup.core.errors import ProblemError, error_loc

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
Kind = Literal["text", "postcode", "date", "number", "choice", "choices", "flag"]
Posted = Mapping[str, str | list[str]]

# What is typed is shown back at most this long (a field's own limit is far lower).
ECHO_LIMIT = 2000
DATE_PARTS = ("day", "month", "year")
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")
# Characters no one types: controls (line breaks only where a field allows them), and the
# replacement character a wrongly encoded byte becomes.
_UNREADABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ufeff]")
_UNREADABLE_LINE = re.compile(r"[\x00-\x1f\x7f\ufffd\ufeff]")
# A schema's error type -> the rule a page words a message for.
RULES = {
    "missing": "required",
    "string_too_short": "required",
    "string_too_long": "too_long",
    "too_long": "too_many",
    "too_short": "required",
    "string_pattern_mismatch": "format",
    "string_type": "format",
    "value_error": "format",
    "assertion_error": "format",
    "enum": "choice",
    "literal_error": "choice",
    "list_type": "choice",
    "int_parsing": "number",
    "int_type": "number",
    "float_parsing": "number",
    "float_type": "number",
    "finite_number": "number",
    "int_from_float": "whole_number",
    "greater_than": "range",
    "greater_than_equal": "range",
    "less_than": "range",
    "less_than_equal": "range",
    "bool_parsing": "choice",
    "date_parsing": "date",
    "date_from_datetime_parsing": "date",
    "date_type": "date",
    "rule": "rule",
    "conflict": "rule",
}


def sentence(text: str) -> str:
    """A message as a page shows it: a capital first letter, no full stop at the end."""
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Field:
    """One question on a form.

    `label` is the words beside the field ("Admission date"); `noun` is how a message names it
    ("the admission date"). `required` is the message when it is left empty (None: optional).
    `messages` words the other rules: "format", "too_long", "choice", "number", "range",
    "whole_number", "too_many", "date" ... (see RULES); a rule without a message of its own
    gets a plain one built from the label. A date posts `<name>-day`, `-month` and `-year`.
    """

    name: str
    label: str
    kind: Kind = "text"
    required: str | None = None
    messages: Mapping[str, str] = field(default_factory=dict)
    noun: str = ""
    multiline: bool = False
    # The name the schema or service uses for it, where that differs (errors name it so).
    key: str = ""
    # A hidden field (the page a view saves, say): its error is about the whole form.
    hidden: bool = False

    @property
    def named(self) -> str:
        return self.noun or "the " + (
            self.label if self.label[1:2].isupper() else self.label[:1].lower() + self.label[1:]
        )

    def message(self, rule: str, ctx: Mapping[str, Any] | None = None) -> str:
        if rule in self.messages:
            return self.messages[rule]
        ctx = ctx or {}
        label = self.label
        if rule == "required":
            return self.required or (
                f"Select {self.named}" if self.kind in ("choice", "choices") else f"Enter {self.named}"
            )
        if rule == "too_long":
            return f"{label} must be {ctx.get('max_length', 'fewer')} characters or fewer"
        if rule == "too_many":
            return f"Choose no more than {ctx.get('max_length', 'a few')} for {self.named}"
        if rule == "choice":
            return f"Select {self.named}"
        if rule == "number":
            return f"{label} must be a number"
        if rule == "whole_number":
            return f"{label} must be a whole number"
        if rule == "range":
            return _range_message(label, ctx)
        if rule in ("date", "real_date"):
            return f"{label} must be a real date"
        if rule == "unreadable":
            return f"{label} includes characters that cannot be saved; type it again without them"
        return f"Enter {self.named} in the correct format"


def _range_message(label: str, ctx: Mapping[str, Any]) -> str:
    def num(value: Any) -> str:
        return f"{value:g}" if isinstance(value, float) else str(value)

    if "ge" in ctx:
        return f"{label} must be {num(ctx['ge'])} or more"
    if "gt" in ctx:
        return f"{label} must be more than {num(ctx['gt'])}"
    if "le" in ctx:
        return f"{label} must be {num(ctx['le'])} or less"
    if "lt" in ctx:
        return f"{label} must be less than {num(ctx['lt'])}"
    return f"{label} is out of range"


@dataclass
class FormState:
    """A form as posted: what was typed (to show back), and its errors in the form's order.

    An empty state (nothing posted) lets every field show its default."""

    form: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    anchors: dict[str, str] = field(default_factory=dict)
    wrong_parts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    # The form's fields in page order: the summary lists errors in the order the page asks.
    order: list[str] = field(default_factory=list)

    @property
    def posted(self) -> bool:
        return bool(self.form)

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.general)

    def error(self, name: str) -> str | None:
        return self.errors.get(name)

    def value(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, "") if self.posted else default

    def add(self, name: str, message: str, anchor: str | None = None) -> None:
        """The first error for a field is the one shown."""
        if name not in self.errors:
            self.errors[name] = message
            self.anchors[name] = anchor or name

    def about_the_page(self) -> FormState:
        """This form's errors told about the page, for a page that no longer shows the form
        because the record it acts on has moved on (an offer already sent, a delay ended)."""
        return FormState(general=[*self.general, *(self.errors[name] for name in self.errors)])

    def summary(self) -> list[dict[str, str]]:
        """The error summary's list: a link to each field in error; an error about the whole
        form first, linked to the form (its element id is the form's name)."""
        items = [{"text": g, "href": f"#{self.form or 'maincontent'}"} for g in self.general]
        place = {name: i for i, name in enumerate(self.order)}
        ordered = sorted(self.errors, key=lambda name: place.get(name, len(place)))
        return items + [{"text": self.errors[name], "href": f"#{self.anchors[name]}"} for name in ordered]


class FormStates(dict[str, FormState]):
    """The forms of a page by name; one not posted is an empty state (its fields show defaults)."""

    def __missing__(self, key: str) -> FormState:
        return FormState()

    @classmethod
    def of(cls, *states: FormState | None) -> FormStates:
        return cls({s.form: s for s in states if s is not None and s.form})


# What a page shows back of what was typed leaves out what no one can see: controls and line
# separators (a line break, too, in a one-line field).
_UNSEEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029\ufeff]")
_UNSEEN_LINE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029\ufeff]")


def shown(typed: str, *, multiline: bool = False) -> str:
    """What was typed, as a page shows it back: at most ECHO_LIMIT characters, nothing unseen."""
    if multiline:
        return _UNSEEN.sub("", typed[:ECHO_LIMIT])
    return _UNSEEN_LINE.sub("", typed[:ECHO_LIMIT].replace("\t", " "))


def one(value: str | list[str] | None) -> str:
    """A single answer: the first, if a field was posted more than once."""
    if isinstance(value, list):
        return value[0] if value else ""
    return value or ""


def many(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


class Form:
    """The fields of one form, in the order the page shows them."""

    def __init__(self, name: str, *fields: Field, prefix: str = "") -> None:
        self.name = name
        self.fields = {f.name: f for f in fields}
        self.keys = {f.key: f for f in fields if f.key}
        self.prefix = prefix

    def anchor(self, f: Field, part: str | None = None) -> str:
        return f"{self.prefix}{f.name}-{part or 'day'}" if f.kind == "date" else f"{self.prefix}{f.name}"

    def read(self, posted: Posted) -> tuple[dict[str, Any], FormState]:
        """Values for a schema (None where left empty), and the state to show back."""
        state = FormState(form=self.name, order=list(self.fields))
        data: dict[str, Any] = {}
        for f in self.fields.values():
            if f.kind == "date":
                data[f.name] = self._date(f, posted, state)
            elif f.kind == "choices":
                chosen = [v for v in many(posted.get(f.name)) if not _UNREADABLE.search(v)]
                state.values[f.name] = [shown(v) for v in chosen]
                if not chosen and f.required:
                    state.add(f.name, f.message("required"), self.anchor(f))
                data[f.name] = chosen
            elif f.kind == "flag":
                state.values[f.name] = shown(one(posted.get(f.name)))
                data[f.name] = state.values[f.name] == "yes"
            else:
                data[f.name] = self._text(f, one(posted.get(f.name)), state)
        self._hidden_to_form(state)
        return data, state

    def _hidden_to_form(self, state: FormState) -> None:
        """A hidden field's error, told about the whole form (no one can correct the field)."""
        for f in self.fields.values():
            if f.hidden and f.name in state.errors:
                state.general.append(state.errors.pop(f.name))
                state.anchors.pop(f.name, None)

    def _text(self, f: Field, typed: str, state: FormState) -> str | None:
        state.values[f.name] = shown(typed, multiline=f.multiline)
        # A tab pasted into a one-line field is a space; a postcode's spaces are its own business.
        text = typed.strip() if f.multiline else typed.replace("\t", " ").strip()
        if f.kind == "postcode":
            text = "".join(text.split()).upper()
        if (_UNREADABLE if f.multiline else _UNREADABLE_LINE).search(text):
            state.add(f.name, f.message("unreadable"), self.anchor(f))
            return None
        if not text:
            if f.required:
                state.add(f.name, f.message("required"), self.anchor(f))
            return None
        if f.kind == "number" and not _NUMBER.match(text.replace(",", "")):
            state.add(f.name, f.message("number"), self.anchor(f))
            return None
        return text.replace(",", "") if f.kind == "number" else text

    def _date(self, f: Field, posted: Posted, state: FormState) -> date | None:
        typed = {p: one(posted.get(f"{f.name}-{p}"))[:ECHO_LIMIT] for p in DATE_PARTS}
        state.values[f.name] = {p: shown(v) for p, v in typed.items()}
        parts = {p: v.strip() for p, v in typed.items()}
        missing = tuple(p for p in DATE_PARTS if not parts[p])
        if len(missing) == 3:
            if f.required:
                state.add(f.name, f.message("required"), self.anchor(f))
            return None
        if missing:
            state.add(f.name, f.messages.get("incomplete") or f"{f.label} must include a {' and '.join(missing)}")
            state.anchors[f.name] = self.anchor(f, missing[0])
            state.wrong_parts[f.name] = missing
            return None
        day, month, year = parts["day"], MONTHS.get(parts["month"].lower(), parts["month"]), parts["year"]
        wrong = tuple(
            p
            for p, v in (("day", day), ("month", month), ("year", year))
            if not str(v).isascii() or not str(v).isdigit()
        )
        if not wrong and len(year) != 4:
            state.add(f.name, f.messages.get("year") or f"{f.label} must include a year with 4 numbers")
            state.anchors[f.name] = self.anchor(f, "year")
            state.wrong_parts[f.name] = ("year",)
            return None
        if not wrong:
            try:
                return date(int(year), int(month), int(day))
            except ValueError:
                wrong = ("month",) if not 1 <= int(month) <= 12 else ("day",)
        state.add(f.name, f.message("real_date"))
        state.anchors[f.name] = self.anchor(f, wrong[0])
        state.wrong_parts[f.name] = wrong
        return None

    def submit(
        self,
        session: Session,
        posted: Posted,
        model: type[M],
        call: Callable[[M], T],
        *,
        shape: Callable[[dict[str, Any]], Mapping[str, Any]] | None = None,
    ) -> tuple[FormState, T | None]:
        """Read the posted form, validate it as `model` (after `shape` arranges the values as the
        model has them), and call the service with it: (the state to show back, the result, or
        None where the form or the service refused)."""
        data, state = self.read(posted)
        valid = self.validate(model, shape(data) if shape else data, state)
        if valid is None:
            return state, None
        return state, attempt(session, state, self, lambda: call(valid))

    def validate(self, model: type[M], body: Mapping[str, Any], state: FormState, *, context: Any = None) -> M | None:
        """The schema's reading of `body`, or None with each refused field's message in `state`.
        A field already in error keeps its first message."""
        try:
            result = model.model_validate(body, context=context)
        except ValidationError as exc:
            for err in exc.errors():
                self.explain(err, state)
            return None
        return None if state.failed else result

    def explain(self, err: Mapping[str, Any], state: FormState) -> None:
        f = self.field_at(error_loc(err))
        rule = RULES.get(str(err.get("type")), "invalid")
        if f is None:
            text = str(err.get("msg", "")).split(": ", 1)[-1] if rule == "rule" else ""
            state.general.append(
                sentence(text) if text else "Some answers could not be saved: check them and try again"
            )
            return
        kind = str(err.get("type"))
        if kind in f.messages:
            message = f.messages[kind]
        elif rule == "rule" and "rule" not in f.messages:
            message = sentence(str(err.get("msg", "")).split(": ", 1)[-1])
        else:
            message = f.message(rule, err.get("ctx"))
        state.add(f.name, message, self.anchor(f))
        self._hidden_to_form(state)

    def field_at(self, loc: Sequence[Any]) -> Field | None:
        """The field an error's location names: its last part that is one of this form's fields."""
        for part in reversed(loc):
            if isinstance(part, str) and (part in self.fields or part in self.keys):
                return self.fields.get(part) or self.keys[part]
        return None

    def refuse(self, state: FormState, exc: ProblemError) -> None:
        """A service's refusal (409, 422, 413) as messages at the fields it names."""
        named = False
        for e in exc.errors:
            f = self.field_at(e.field.split("."))
            if f is not None:
                state.add(f.name, f.messages.get(e.code) or sentence(e.message), self.anchor(f))
                named = True
        if not named:
            state.general.append(sentence(exc.detail or exc.title))
        self._hidden_to_form(state)


def attempt(session: Session, state: FormState, form: Form, fn: Callable[[], T]) -> T | None:
    """Run a form's service call. A refusal a person can act on (409, 413, 422, or a schema's)
    rolls back whatever the call had begun and becomes messages in `state`; anything else (not
    found, forbidden, a failure) goes on to the error page."""
    try:
        return fn()
    except ProblemError as exc:
        if exc.status not in (409, 413, 422):
            raise
        session.rollback()
        form.refuse(state, exc)
    except ValidationError as exc:
        session.rollback()
        for err in exc.errors():
            form.explain(err, state)
    return None
