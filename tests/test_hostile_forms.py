"""Hostile input to every page form: empty, oversized (1 MB), the wrong type, a script, and the
wrong encoding (bytes that are not UTF-8, NUL, UTF-16, a whole body in UTF-16, multipart or JSON
where a form is expected). No answer is a server error; nothing stored is garbage (the database
is unchanged by a refusal, and what is stored is clean text, a script kept as the words typed);
a refused form comes back with an error summary; a script never reaches a page unescaped.

Every form is a `FormCase` in FORMS: to put another page's form or upload through the suite, add
a case whose `setup` returns the `Target` (its URL and a valid answer); `persona` posts it, and
`encode` sends it (`urlencoded`, or `multipart(files=...)` for an upload, whose named fields go as
files carrying the hostile bytes). Each
form takes a few seconds (a world of its own, and 1 MB values), so the suite is in the slow lane,
which scripts/test.sh runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote_from_bytes, quote_plus, unquote_to_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import select

from joinedup.core.clock import utcnow
from joinedup.domains.discharge import service
from joinedup.domains.discharge.models import DischargeAssessment, DischargeDelay, DischargePatient, DischargeReferral
from joinedup.domains.discharge.schemas import AssessmentIn, DelayIn, OfferIn, PatientIn
from joinedup.web.forms import shown
from tests.domains.discharge.conftest import Discharge, act, assessment_body, dx, nhs, patient_body, today

__all__ = ["dx"]  # the discharge fixture, used by every case here

SCRIPT = "<script>alert(1)</script>"
numbers = itertools.count(5000)
# Characters no stored text may hold (line breaks and tabs are allowed in free text).
GARBAGE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ufeff]")
REFUSED = {403, 404, 413, 415, 422}


@dataclass(frozen=True)
class Target:
    """Where a form posts, and a fresh valid answer (field -> value; a date as its three parts)."""

    url: str
    answer: Callable[[], dict[str, str | list[str]]]


Encoded = tuple[bytes, str]  # a body and its content type
Encoder = Callable[[dict[str, str | list[str]], str, dict[str, bytes] | None], Encoded]


def urlencoded(answer: dict[str, str | list[str]], token: str, hostile: dict[str, bytes] | None = None) -> Encoded:
    """A browser's form body; a hostile field carries its value exactly as given (encoded or not)."""
    pairs: list[bytes] = [b"csrf_token=" + quote_plus(token).encode()]
    for name, value in answer.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            sent = hostile[name] if hostile and name in hostile else quote_plus(v).encode()
            pairs.append(quote_plus(name).encode() + b"=" + sent)
    return b"&".join(pairs), "application/x-www-form-urlencoded"


def multipart(*, files: tuple[str, ...] = ()) -> Encoder:
    """An upload's body: the `files` fields as file parts, the others as text parts; a hostile
    value goes as the bytes it stands for."""

    def encode(answer: dict[str, str | list[str]], token: str, hostile: dict[str, bytes] | None = None) -> Encoded:
        boundary = "hostile-boundary"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'.encode()]
        for name, value in answer.items():
            for v in value if isinstance(value, list) else [value]:
                data = unquote_to_bytes(hostile[name]) if hostile and name in hostile else v.encode()
                file = f'; filename="{name}.csv"' if name in files else ""
                head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"{file}\r\n\r\n'.encode()
                parts.append(head + data + b"\r\n")
        return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"

    return encode


@dataclass
class Stage:
    """The discharge world a form is posted into: patients and referrals made through the door."""

    dx: Discharge

    def patient(self, *, assessed: bool = True, ready: bool = True) -> str:
        n = next(numbers)
        body = patient_body(n) if ready else patient_body(n, discharge_ready_on=None)
        pid = str(act(self.dx, "dan_discharge", service.create_patient, data=PatientIn.model_validate(body)).id)
        if assessed:
            data = AssessmentIn.model_validate(assessment_body())
            act(self.dx, "dan_discharge", service.add_assessment, patient_id=pid, data=data)
        return pid

    def referral(self, *, opened: bool = True, question: bool = False) -> str:
        pid = self.patient()
        rid = str(
            act(self.dx, "dan_discharge", service.refer, patient_id=pid, service_ids=[self.dx.services["oak"]])[0].id
        )
        if opened or question:
            act(self.dx, "pam_provider", service.open_referral, referral_id=rid)
        if question:
            act(self.dx, "pam_provider", service.ask, referral_id=rid, text="Any pressure care at night?")
        return rid


@dataclass(frozen=True)
class FormCase:
    name: str
    persona: str
    setup: Callable[[Stage], Target]
    csrf_page: str = "/discharge"
    encode: Encoder = urlencoded


def _date(prefix: str, offset_days: int = 0) -> dict[str, str]:
    d = today() + timedelta(days=offset_days)
    return {f"{prefix}-day": str(d.day), f"{prefix}-month": str(d.month), f"{prefix}-year": str(d.year)}


def _new_patient(stage: Stage) -> Target:
    def answer() -> dict[str, str | list[str]]:
        return {
            "nhs_number": nhs(next(numbers)),
            "name": "Test Patient",
            "hospital_number": "H-1",
            "ward": "Ward 7",
            **_date("admitted_on", -12),
            **_date("discharge_ready_on", -4),
            "pathway": "P3_new_placement",
            "home_postcode": "M41 5BU",
            "family_postcode": "m415bu",
        }

    return Target("/discharge/patients/new", answer)


def _details(stage: Stage) -> Target:
    pid = stage.patient(assessed=False)
    return Target(
        f"/discharge/patients/{pid}/details",
        lambda: {"had_ready_date": "yes", "ward": "Ward 9", "pathway": "P3b", **_date("discharge_ready_on", -2)},
    )


def _assessment(stage: Stage) -> Target:
    pid = stage.patient(assessed=False)
    return Target(
        f"/discharge/patients/{pid}/assessment",
        lambda: {
            "mobility": "walking_aid",
            "personal_care": "some",
            "continence": "continent",
            "nutrition": "independent",
            "medication_support": "prompt",
            "cognition": "no_impairment",
            "behaviour": "none",
            "skin_integrity": "intact",
            "equipment": ["hoist", "commode"],
            "carers_needed": "1",
            "end_of_life": "yes",
            "care_type": "nursing",
            "hours_per_week": "",
            **_date("start_date"),
            "funding": "council",
            "areas": "M41, M33",
            "max_distance_km": "20",
            "notes": "Near her daughter",
            "risks": "Falls at night",
        },
    )


def _refer(stage: Stage) -> Target:
    pid = stage.patient()
    return Target(f"/discharge/patients/{pid}/refer", lambda: {"service_id": [stage.dx.services["elm"]]})


def _delay(stage: Stage) -> Target:
    pid = stage.patient(assessed=False)
    return Target(
        f"/discharge/patients/{pid}/delays", lambda: {"reason_code": "C11", "primary": "yes", **_date("started_on", -1)}
    )


def _discharge(stage: Stage) -> Target:
    pid = stage.patient(assessed=False)
    return Target(f"/discharge/patients/{pid}/discharge", lambda: {"discharged_at": utcnow().isoformat()})


def _undo(stage: Stage) -> Target:
    pid = stage.patient(assessed=False)
    act(stage.dx, "dan_discharge", service.discharge, patient_id=pid)
    return Target(f"/discharge/patients/{pid}/undo-discharge", lambda: {"reason": "not_left"})


def _answer(stage: Stage) -> Target:
    rid = stage.referral(question=True)
    return Target(f"/discharge/referrals/{rid}/answer", lambda: {"text": "Two-hourly turns"})


def _offer(stage: Stage) -> Target:
    rid = stage.referral()
    return Target(
        f"/discharge/incoming/{rid}/offer",
        lambda: {**_date("start_date"), "hold_hours": "24", "accepted_without_reassessment": "yes"},
    )


def _decline(stage: Stage) -> Target:
    rid = stage.referral()
    return Target(f"/discharge/incoming/{rid}/decline", lambda: {"reason": "staffing", "note": "No night staff"})


def _question(stage: Stage) -> Target:
    rid = stage.referral()
    return Target(f"/discharge/incoming/{rid}/question", lambda: {"text": "Is a hoist needed?"})


def _accept(stage: Stage) -> Target:
    rid = stage.referral()
    act(
        stage.dx,
        "pam_provider",
        service.offer,
        settings=stage.dx.settings,
        referral_id=rid,
        data=OfferIn(start_date=today()),
    )
    return Target(f"/discharge/referrals/{rid}/accept", dict)


def _withdraw(stage: Stage) -> Target:
    rid = stage.referral(opened=False)
    return Target(f"/discharge/referrals/{rid}/withdraw", lambda: {"confirm": "yes"})


def _end_delay(stage: Stage) -> Target:
    pid = stage.patient(assessed=False)
    delay = act(stage.dx, "dan_discharge", service.add_delay, patient_id=pid, data=DelayIn(reason_code="C11"))
    return Target(f"/discharge/patients/{pid}/delays/{delay.id}/end", dict)


def _open(stage: Stage) -> Target:
    return Target(f"/discharge/incoming/{stage.referral(opened=False)}/open", dict)


FORMS = [
    FormCase("add a patient", "dan_discharge", _new_patient),
    FormCase("patient details", "dan_discharge", _details),
    FormCase("shared assessment", "dan_discharge", _assessment),
    FormCase("refer", "dan_discharge", _refer),
    FormCase("delay reason", "dan_discharge", _delay),
    FormCase("record discharge", "dan_discharge", _discharge),
    FormCase("undo discharge", "dan_discharge", _undo),
    FormCase("answer a question", "dan_discharge", _answer),
    FormCase("accept an offer", "dan_discharge", _accept),
    FormCase("withdraw a referral", "dan_discharge", _withdraw),
    FormCase("end a delay", "dan_discharge", _end_delay),
    FormCase("open a referral", "pam_provider", _open, "/discharge/incoming"),
    FormCase("offer a place", "pam_provider", _offer, "/discharge/incoming"),
    FormCase("decline", "pam_provider", _decline, "/discharge/incoming"),
    FormCase("ask a question", "pam_provider", _question, "/discharge/incoming"),
]

# A field's value as sent, already form-encoded: what a hostile client can put in one field.
FIELD_VALUES: dict[str, bytes] = {
    "empty": b"",
    "wrong type": b"NaN",
    "script": quote_plus(SCRIPT).encode(),
    "not UTF-8 (encoded)": b"%FF%FE%FD",
    "not UTF-8 (raw bytes)": b"\xff\xfe\xfd",
    "NUL": b"A%00B",
    "UTF-16": quote_from_bytes("Ward 7".encode("utf-16")).encode(),
    "control characters": b"%1B%5B31m%08%7F",
}
OVERSIZED = b"x" * 1_000_000


@dataclass
class Poster:
    client: Any
    token: str
    target: Target
    dx: Discharge
    encode: Encoder
    seen: list[str] = field(default_factory=list)

    def post(self, encoded: Encoded, what: str = "") -> Any:
        body, content_type = encoded
        before = _stored(self.dx)
        response = self.client.post(self.target.url, content=body, headers={"content-type": content_type})
        _check(response, what)
        after = _stored(self.dx)
        accepted = response.status_code == 200 and bool(response.history)
        if not accepted:
            assert response.status_code in REFUSED, (what, response.status_code)
            assert after == before, f"{what}: refused, yet the database changed"
        _clean(after, what)
        self.seen.append(f"{what}: {response.status_code}")
        return response


def _check(response: Any, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code, response.text[:300])
    assert SCRIPT not in response.text, f"{what}: a script reached the page unescaped"
    if response.status_code == 422:
        assert 'data-testid="problem"' in response.text and "There is a problem" in response.text, what


def _stored(dx: Discharge) -> dict[str, list[tuple[Any, ...]]]:
    """Every discharge row a form can change, without the columns that only count locks."""
    with dx.session() as s:
        return {
            "patients": sorted(
                (
                    p.id,
                    p.nhs_number,
                    p.name,
                    p.hospital_number,
                    p.ward,
                    p.admitted_on,
                    p.discharge_ready_on,
                    p.pathway,
                    p.home_postcode,
                    p.family_postcode,
                    p.status,
                    str(p.discharged_at),
                    p.discharged_to_service_id,
                )
                for p in s.scalars(select(DischargePatient))
            ),
            "assessments": sorted(
                (a.id, a.version, json.dumps(a.content, sort_keys=True)) for a in s.scalars(select(DischargeAssessment))
            ),
            "referrals": sorted(
                (
                    r.id,
                    r.state,
                    json.dumps(r.messages, sort_keys=True),
                    r.decline_reason,
                    r.decline_note,
                    str(r.offered_start_date),
                    str(r.offer_expires_at),
                    r.closed_reason,
                )
                for r in s.scalars(select(DischargeReferral))
            ),
            "delays": sorted(
                (d.id, d.reason_code, d.primary, d.started_on, d.ended_on) for d in s.scalars(select(DischargeDelay))
            ),
        }


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
        if value[:1] in "[{":
            with contextlib.suppress(ValueError):
                yield from _texts(json.loads(value))
    elif isinstance(value, dict):
        for v in value.values():
            yield from _texts(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _texts(v)


def _clean(stored: dict[str, list[tuple[Any, ...]]], what: str) -> None:
    """No stored text holds unreadable characters or markup turned into entities, nor passes 1000."""
    for text in _texts(list(stored.values())):
        assert not GARBAGE.search(text), f"{what}: garbage stored: {text[:80]!r}"
        assert "&lt;" not in text and len(text) <= 5000, f"{what}: {text[:80]!r}"
    for row in stored["patients"]:
        name, ward = row[2], row[4]
        assert len(name) <= 120 and len(ward) <= 60


def _poster(case: FormCase, dx: Discharge, client_as: Any) -> Poster:
    client = client_as(case.persona)
    target = case.setup(Stage(dx))
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(case.csrf_page).text)
    assert match
    return Poster(client, match.group(1), target, dx, case.encode)


def _fields(answer: dict[str, str | list[str]]) -> list[str]:
    return list(answer)


@pytest.mark.slow
@pytest.mark.parametrize("case", FORMS, ids=[c.name for c in FORMS])
def test_every_form_refuses_hostile_input_or_keeps_it_as_text(case: FormCase, dx: Discharge, client_as: Any) -> None:
    poster = _poster(case, dx, client_as)
    # Each kind of hostile value in every field at once.
    for kind, value in FIELD_VALUES.items():
        answer = poster.target.answer()
        poster.post(poster.encode(answer, poster.token, dict.fromkeys(_fields(answer), value)), what=kind)
    # 1 MB in one field at a time (all at once would pass the whole form's limit).
    for name in _fields(poster.target.answer()):
        answer = poster.target.answer()
        poster.post(poster.encode(answer, poster.token, {name: OVERSIZED}), what=f"1 MB in {name}")
    # The whole body in the wrong encoding or shape.
    answer = poster.target.answer()
    body, content_type = poster.encode(answer, poster.token, None)
    poster.post((body.decode("latin-1").encode("utf-16"), f"{content_type}; charset=utf-16"), "UTF-16 body")
    if case.encode is urlencoded:
        poster.post(multipart()(answer, poster.token, None), "multipart body")
    poster.post((json.dumps({"csrf_token": poster.token, **answer}).encode(), "application/json"), "JSON body")
    poster.post((b"x=" + b"y" * (5 * 1024 * 1024), "application/x-www-form-urlencoded"), "5 MB body")


@pytest.mark.slow
@pytest.mark.parametrize("case", FORMS, ids=[c.name for c in FORMS])
def test_every_field_of_every_form_refuses_hostile_input_or_keeps_it_as_text(
    case: FormCase, dx: Discharge, client_as: Any
) -> None:
    poster = _poster(case, dx, client_as)
    for name in _fields(poster.target.answer()):
        for kind, value in FIELD_VALUES.items():
            answer = poster.target.answer()
            poster.post(poster.encode(answer, poster.token, {name: value}), what=f"{kind} in {name}")


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    typed=st.dictionaries(
        st.sampled_from(["nhs_number", "name", "ward", "admitted_on-day", "admitted_on-month", "home_postcode"]),
        st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40),
        min_size=1,
    )
)
def test_whatever_is_typed_into_a_new_patient_no_server_error_and_no_garbage(
    dx: Discharge, client_as: Any, typed: dict[str, str]
) -> None:
    poster = _poster(FORMS[0], dx, client_as)
    answer = {**poster.target.answer(), **typed}
    response = poster.post(poster.encode(answer, poster.token, None), what=f"typed {typed!r}")
    if response.status_code == 422:
        for value in typed.values():  # what was typed comes back escaped, less what no one can see
            assert str(escape(shown(value).strip())) in response.text
    accepted = response.status_code == 200 and response.history
    if accepted and "name" in typed and typed["name"].strip():
        with dx.session() as s:
            names = set(s.scalars(select(DischargePatient.name)))
        assert typed["name"].strip() in names  # stored as the words typed
