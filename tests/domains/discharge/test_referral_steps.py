"""Referrals through the service: any sequence of steps by either party moves the referral exactly
as the state machine says, each step taken writes one audit row and announces it to both
organisations, and each refused step is a 409 that writes nothing. Plus referring itself (all
or nothing) and who may take which step."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from joinedup.core.audit import AuditEvent
from joinedup.core.clock import utcnow
from joinedup.core.errors import ProblemError
from joinedup.domains.discharge import service
from joinedup.domains.discharge.engine import referral_steps as sm
from joinedup.domains.discharge.models import DischargeReferral
from joinedup.domains.discharge.schemas import AssessmentIn, DeclineIn, OfferIn, PatientIn, PatientUpdate, ReferralState
from tests.domains.discharge.conftest import (
    Discharge,
    act,
    assessment_body,
    beds,
    patient_body,
    since,
    today,
    written,
)

S = ReferralState
numbers = itertools.count(100)


def _patient(dx: Discharge, **overrides: Any) -> str:
    pid = act(
        dx,
        "dan_discharge",
        service.create_patient,
        data=PatientIn.model_validate(patient_body(next(numbers), **overrides)),
    ).id
    act(
        dx, "dan_discharge", service.add_assessment, patient_id=pid, data=AssessmentIn.model_validate(assessment_body())
    )
    return str(pid)


def _refer(dx: Discharge, pid: str, *keys: str) -> list[str]:
    return [
        r.id
        for r in act(dx, "dan_discharge", service.refer, patient_id=pid, service_ids=[dx.services[k] for k in keys])
    ]


def _state(dx: Discharge, rid: str) -> S:
    with dx.session() as s:
        row = s.get(DischargeReferral, rid)
        assert row is not None
        return S(row.state)


def _expire(dx: Discharge, rid: str) -> None:
    with dx.session() as s:
        row = s.get(DischargeReferral, rid)
        assert row is not None
        if row.offer_expires_at is not None:
            row.offer_expires_at = utcnow() - timedelta(minutes=1)
        s.commit()
    service.expire_due_offers(dx.factory)


# Each step as the service takes it: (who, how) and the state machine's action it stands for.
def _take(dx: Discharge, action: sm.Action, rid: str) -> None:
    pam, dan = "pam_provider", "dan_discharge"
    if action is sm.Action.OPEN:
        act(dx, pam, service.open_referral, referral_id=rid)
    elif action is sm.Action.ASK:
        act(dx, pam, service.ask, referral_id=rid, text="Any pressure care at night?")
    elif action is sm.Action.ANSWER:
        act(dx, dan, service.answer, referral_id=rid, text="Two-hourly turns")
    elif action is sm.Action.OFFER:
        act(dx, pam, service.offer, settings=dx.settings, referral_id=rid, data=OfferIn(start_date=today()))
    elif action is sm.Action.DECLINE:
        act(dx, pam, service.decline, referral_id=rid, data=DeclineIn(reason="staffing"))
    elif action is sm.Action.ACCEPT:
        act(dx, dan, service.accept, referral_id=rid)
    elif action is sm.Action.WITHDRAW:
        act(dx, dan, service.withdraw, referral_id=rid)
    else:
        _expire(dx, rid)


def _expected(state: S, action: sm.Action) -> S | None:
    """The state after the service takes `action`: the machine's answer, except that opening an
    opened referral changes nothing and an offer needs the referral opened first. None: refused."""
    if action is sm.Action.OPEN and state is not S.SENT:
        return state
    if action is sm.Action.EXPIRE and state is not S.OFFERED:
        return state
    if action is sm.Action.OFFER and state is S.SENT:
        return None
    try:
        return sm.step(state, action)
    except sm.IllegalTransition:
        return None


STEPS = [
    a for a in sm.Action if a not in (sm.Action.COMPLETE, sm.Action.REOPEN)
]  # the discharge (and its undoing) takes these


@pytest.fixture
def roomy(dx: Discharge) -> Discharge:
    """Oak House with room for every offer the generated sequences make."""
    dx.report("care_home_a", "alice_admin", "oak", status="accepting", beds=beds(200, physical=300))
    return dx


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(STEPS), min_size=1, max_size=7))
def test_any_sequence_of_steps_follows_the_state_machine(roomy: Discharge, steps: list[sm.Action]) -> None:
    dx = roomy
    rid = _refer(dx, _patient(dx), "oak")[0]
    parties = {dx.world.org_id("trust"), dx.world.org_id("care_home_a")}
    state = S.SENT
    for action in steps:
        before = written(dx)
        want = _expected(state, action)
        if want is None:
            with pytest.raises(ProblemError) as exc:
                _take(dx, action, rid)
            assert exc.value.status == 409, (state, action)
            assert written(dx) == before, f"a refused {action} wrote something"
            assert _state(dx, rid) is state
            continue
        _take(dx, action, rid)
        assert _state(dx, rid) is want, (state, action)
        new = since(before, written(dx))
        if want is state and action in (sm.Action.OPEN, sm.Action.EXPIRE):
            assert new.audit == [] and new.events == []  # nothing to do, nothing recorded
        else:
            assert new.audit == [(f"discharge_referral.{action.value}", rid)]
            assert sorted(org for _, org in new.events) == sorted(parties)
            assert {topic for topic, _ in new.events} == {f"discharge.referral_{want.value}"}
        state = want


def test_a_refused_step_says_why_naming_the_state(dx: Discharge) -> None:
    rid = _refer(dx, _patient(dx), "oak")[0]
    act(dx, "pam_provider", service.open_referral, referral_id=rid)
    act(dx, "pam_provider", service.decline, referral_id=rid, data=DeclineIn(reason="no_vacancy", note="Full"))
    with pytest.raises(ProblemError) as exc:
        act(dx, "dan_discharge", service.withdraw, referral_id=rid)
    assert exc.value.status == 409
    assert exc.value.errors[0].field == "state" and exc.value.errors[0].code == "not_withdrawable"
    assert "Declined" in (exc.value.detail or "")
    with dx.session() as s:
        row = s.get(DischargeReferral, rid)
        assert row is not None
        assert (row.decline_reason, row.decline_note, row.closed_reason) == ("no_vacancy", "Full", "declined")


def test_questions_and_answers_are_kept_in_order(dx: Discharge) -> None:
    rid = _refer(dx, _patient(dx), "oak")[0]
    act(dx, "pam_provider", service.open_referral, referral_id=rid)
    act(dx, "pam_provider", service.ask, referral_id=rid, text="Stairs at home?")
    act(dx, "dan_discharge", service.answer, referral_id=rid, text="None")
    with dx.session() as s:
        row = s.get(DischargeReferral, rid)
        assert row is not None
        messages = [(m["by"], m["kind"], m["text"]) for m in row.messages]
    assert messages == [("provider", "question", "Stairs at home?"), ("hospital", "answer", "None")]


def test_referring_sends_one_referral_per_service_announced_to_both_parties(dx: Discharge) -> None:
    pid = _patient(dx)
    before = written(dx)
    oak, elm = _refer(dx, pid, "oak", "elm")
    new = since(before, written(dx))
    assert new.audit == [("discharge_referral.refer", oak), ("discharge_referral.refer", elm)]
    trust = dx.world.org_id("trust")
    assert sorted(new.events) == sorted(
        [
            ("discharge.referral_sent", trust),
            ("discharge.referral_sent", dx.world.org_id("care_home_a")),
            ("discharge.referral_sent", trust),
            ("discharge.referral_sent", dx.world.org_id("care_home_b")),
        ]
    )
    with dx.session() as s:
        row = s.get(DischargeReferral, oak)
        assert row is not None
        assert (row.round, row.state, row.provider_organisation_id) == (1, "sent", dx.world.org_id("care_home_a"))
        # The summary a provider sees first: nothing that names the patient.
        assert row.summary["care_type"] == "nursing" and row.summary["units"] == 1.0
        assert row.summary["area"] == "M41" and row.summary["days_since_ready"] == 4
        assert "name" not in row.summary and "nhs_number" not in row.summary


@pytest.mark.parametrize(
    ("keys", "field", "code"),
    [
        (("oak", "oak"), "body.service_ids", "duplicate"),
        (("oak", "hc"), "body.service_ids.1", "pathway_mismatch"),
        (("far",), "body.service_ids.0", "not_visible"),
    ],
)
def test_referring_is_all_or_nothing(dx: Discharge, keys: tuple[str, ...], field: str, code: str) -> None:
    pid = _patient(dx)
    before = written(dx)
    with pytest.raises(ProblemError) as exc:
        _refer(dx, pid, *keys)
    assert exc.value.status == 422 and (exc.value.errors[0].field, exc.value.errors[0].code) == (field, code)
    assert written(dx) == before
    with dx.session() as s:
        assert s.scalars(select(DischargeReferral)).all() == []


def test_a_live_referral_is_not_sent_twice_but_a_closed_one_may_be_sent_again(dx: Discharge) -> None:
    pid = _patient(dx)
    first = _refer(dx, pid, "oak")[0]
    with pytest.raises(ProblemError) as exc:
        _refer(dx, pid, "oak")
    assert exc.value.errors[0].code == "duplicate"
    act(dx, "dan_discharge", service.withdraw, referral_id=first)
    again = _refer(dx, pid, "oak")[0]
    with dx.session() as s:
        row = s.get(DischargeReferral, again)
        assert row is not None and row.round == 2 and row.state == "sent"


def test_referring_needs_a_ready_date_an_assessment_and_no_accepted_offer(dx: Discharge) -> None:
    not_ready = _patient(dx, discharge_ready_on=None)
    with pytest.raises(ProblemError) as exc:
        _refer(dx, not_ready, "oak")
    assert exc.value.status == 409 and exc.value.errors[0].field == "discharge_ready_on"
    unassessed = act(
        dx, "dan_discharge", service.create_patient, data=PatientIn.model_validate(patient_body(next(numbers)))
    ).id
    with pytest.raises(ProblemError) as exc:
        _refer(dx, unassessed, "oak")
    assert exc.value.status == 409 and "assessment" in (exc.value.detail or "")
    placed = _patient(dx)
    rid = _refer(dx, placed, "elm")[0]
    act(dx, "bob_provider", service.open_referral, referral_id=rid)
    act(dx, "bob_provider", service.offer, settings=dx.settings, referral_id=rid, data=OfferIn(start_date=today()))
    act(dx, "dan_discharge", service.accept, referral_id=rid)
    with pytest.raises(ProblemError) as exc:
        _refer(dx, placed, "oak")
    assert exc.value.status == 409 and "accepted" in (exc.value.detail or "")
    # The ready date is recorded later: now it can be referred.
    act(
        dx,
        "dan_discharge",
        service.update_patient,
        patient_id=not_ready,
        data=PatientUpdate(discharge_ready_on=today()),
    )
    assert _state(dx, _refer(dx, not_ready, "oak")[0]) is S.SENT


def test_each_party_takes_only_its_own_steps(dx: Discharge) -> None:
    rid = _refer(dx, _patient(dx), "oak")[0]
    before = written(dx)
    refusals: list[tuple[str, Any, dict[str, Any]]] = [
        ("bob_provider", service.open_referral, {}),  # another provider's referral
        ("bob_provider", service.decline, {"data": DeclineIn(reason="staffing")}),
        ("dan_discharge", service.open_referral, {}),  # the hospital does not open its own referral
        ("dan_discharge", service.ask, {"text": "?"}),
        ("pam_provider", service.accept, {}),  # the provider does not accept its own offer
        ("pam_provider", service.withdraw, {}),
        ("pam_provider", service.answer, {"text": "!"}),
        ("cleo_clinician", service.withdraw, {}),  # another trust
    ]
    for persona, fn, kwargs in refusals:
        with pytest.raises(ProblemError) as exc:
            act(dx, persona, fn, referral_id=rid, **kwargs)
        assert exc.value.status in (404, 422), (persona, fn.__name__)
    assert written(dx) == before and _state(dx, rid) is S.SENT
    with pytest.raises(ProblemError) as exc:
        act(dx, "bob_provider", service.get_referral, referral_id=rid)
    assert exc.value.status == 404


def test_a_provider_sees_the_patient_only_once_it_opens_the_referral_and_each_view_is_audited(dx: Discharge) -> None:
    rid = _refer(dx, _patient(dx), "oak")[0]
    s, pam = dx.scoped("pam_provider")
    with s:
        row, as_provider = service.get_referral(s, actor=pam, referral_id=rid)
        out = service.referral_out(s, row, for_provider=as_provider, actor=pam)
    assert as_provider and out.assessment is None and out.patient_name is None and out.nhs_number is None
    assert out.service_name == "Oak House" and out.state is S.SENT
    act(dx, "pam_provider", service.open_referral, referral_id=rid)
    before = written(dx)
    s, pam = dx.scoped("pam_provider")
    with s:
        row, _ = service.get_referral(s, actor=pam, referral_id=rid)
        out = service.referral_out(s, row, for_provider=True, actor=pam)
        s.commit()
    assert out.assessment is not None and out.patient_name is not None and out.nhs_number is not None
    new = since(before, written(dx))
    assert [a for a, _ in new.audit] == ["discharge_assessment.read"] and new.events == []
    with dx.session() as s:
        view = s.scalars(select(AuditEvent).where(AuditEvent.action == "discharge_assessment.read")).one()
    assert view.actor_id == dx.world.users["pam_provider"].id and view.personal_data
