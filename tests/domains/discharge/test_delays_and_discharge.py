"""Delay reasons (one primary at a time, history kept), the discharge itself, and the counting
rules for bed days lost."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from joinedup.core.audit import AuditEvent
from joinedup.core.clock import utcnow
from joinedup.core.errors import ProblemError
from joinedup.domains.discharge import service
from joinedup.domains.discharge.delay_reasons import NOT_RECORDED
from joinedup.domains.discharge.engine import bed_days
from joinedup.domains.discharge.models import DischargeDelay, DischargePatient, DischargeReferral
from joinedup.domains.discharge.schemas import AssessmentIn, DelayIn, OfferIn, PatientIn
from tests.domains.discharge.conftest import (
    Discharge,
    act,
    assessment_body,
    patient_body,
    since,
    today,
    written,
)

numbers = itertools.count(300)


def _patient(dx: Discharge, **overrides: Any) -> str:
    body = PatientIn.model_validate(patient_body(next(numbers), **overrides))
    return str(act(dx, "dan_discharge", service.create_patient, data=body).id)


def _delays(dx: Discharge, pid: str) -> list[tuple[str, bool, date, date | None]]:
    with dx.session() as s:
        return [(d.reason_code, d.primary, d.started_on, d.ended_on) for d in service.delays_of(s, pid)]


def _delay(dx: Discharge, pid: str, code: str, *, primary: bool = False, started: date | None = None) -> DischargeDelay:
    data = DelayIn(reason_code=code, primary=primary, started_on=started)
    return act(dx, "dan_discharge", service.add_delay, patient_id=pid, data=data)


def test_the_first_reason_is_primary_and_is_recorded_without_personal_data(dx: Discharge) -> None:
    pid = _patient(dx)  # ready four days ago
    before = written(dx)
    delay = _delay(dx, pid, "T02")
    assert _delays(dx, pid) == [("T02", True, today(), None)]
    new = since(before, written(dx))
    assert new.audit == [("discharge_delay.create", delay.id)]
    assert new.events == [("discharge.delay_added", dx.world.org_id("trust"))]
    with dx.session() as s:
        audit = s.scalars(select(AuditEvent).where(AuditEvent.record_id == delay.id)).one()
    assert audit.detail == {"reason_code": "T02", "primary": True} and not audit.personal_data


def test_a_new_primary_turns_the_old_one_into_a_secondary_reason_from_that_day(dx: Discharge) -> None:
    pid = _patient(dx)
    ready = today() - timedelta(days=4)
    _delay(dx, pid, "T02", started=ready)
    _delay(dx, pid, "W03", started=ready)  # a second reason is secondary
    _delay(dx, pid, "C11", primary=True, started=ready + timedelta(days=2))
    assert sorted(_delays(dx, pid)) == sorted(
        [
            ("T02", True, ready, ready + timedelta(days=2)),  # primary until the new one started
            ("T02", False, ready + timedelta(days=2), None),  # then goes on as a secondary reason
            ("W03", False, ready, None),
            ("C11", True, ready + timedelta(days=2), None),
        ]
    )
    with dx.session() as s:
        assert bed_days.current_primary(service.delays_of(s, pid)) == "C11"


@pytest.mark.parametrize(
    ("code", "started", "status", "field"),
    [
        ("Z99", None, 422, "body.reason_code"),  # not one of the 37
        ("H01", -5, 422, "body.started_on"),  # before the discharge ready date
        ("H01", 1, 422, "body.started_on"),  # in the future
        ("T02", None, 409, "body.reason_code"),  # already open
    ],
)
def test_a_delay_that_breaks_a_rule_is_refused_and_nothing_is_written(
    dx: Discharge, code: str, started: int | None, status: int, field: str
) -> None:
    pid = _patient(dx)
    _delay(dx, pid, "T02")
    before = written(dx)
    with pytest.raises(ProblemError) as exc:
        _delay(dx, pid, code, started=None if started is None else today() + timedelta(days=started))
    assert exc.value.status == status and exc.value.errors[0].field == field
    assert written(dx) == before and len(_delays(dx, pid)) == 1


def test_a_delay_needs_a_ready_date(dx: Discharge) -> None:
    pid = _patient(dx, discharge_ready_on=None)
    with pytest.raises(ProblemError) as exc:
        _delay(dx, pid, "T02")
    assert exc.value.status == 409 and _delays(dx, pid) == []


def test_ending_a_delay_once(dx: Discharge) -> None:
    pid = _patient(dx)
    delay = _delay(dx, pid, "T02", started=today() - timedelta(days=2))
    before = written(dx)
    act(dx, "dan_discharge", service.end_delay, patient_id=pid, delay_id=delay.id)
    assert _delays(dx, pid) == [("T02", True, today() - timedelta(days=2), today())]
    new = since(before, written(dx))
    assert new.audit == [("discharge_delay.end", delay.id)] and [t for t, _ in new.events] == ["discharge.delay_ended"]
    with pytest.raises(ProblemError) as exc:
        act(dx, "dan_discharge", service.end_delay, patient_id=pid, delay_id=delay.id)
    assert exc.value.status == 409
    other = _patient(dx)
    with pytest.raises(ProblemError) as exc:  # a delay is ended through its own patient only
        act(dx, "dan_discharge", service.end_delay, patient_id=other, delay_id=delay.id)
    assert exc.value.status == 404


def test_discharge_places_the_patient_closes_referrals_and_ends_delays(dx: Discharge) -> None:
    pid = _patient(dx)
    act(
        dx, "dan_discharge", service.add_assessment, patient_id=pid, data=AssessmentIn.model_validate(assessment_body())
    )
    _delay(dx, pid, "C11")
    oak, elm = (
        r.id
        for r in act(
            dx, "dan_discharge", service.refer, patient_id=pid, service_ids=[dx.services["oak"], dx.services["elm"]]
        )
    )
    act(dx, "pam_provider", service.open_referral, referral_id=oak)
    act(dx, "pam_provider", service.offer, settings=dx.settings, referral_id=oak, data=OfferIn(start_date=today()))
    act(dx, "dan_discharge", service.accept, referral_id=oak)
    before = written(dx)
    at = utcnow() - timedelta(hours=1)
    act(dx, "dan_discharge", service.discharge, patient_id=pid, at=at)
    with dx.session() as s:
        patient = s.get(DischargePatient, pid)
        referrals = {r.id: (r.state, r.closed_reason) for r in s.scalars(select(DischargeReferral))}
    assert patient is not None and patient.status == "discharged"
    assert patient.discharged_at is not None and patient.discharged_to_service_id == dx.services["oak"]
    assert referrals[oak] == ("completed", "placed") and referrals[elm] == ("withdrawn", "another_offer_accepted")
    assert all(ended is not None for *_, ended in _delays(dx, pid))
    new = since(before, written(dx))
    assert ("discharge_referral.complete", oak) in new.audit and ("discharge_patient.discharge", pid) in new.audit
    assert ("discharge.patient_discharged", dx.world.org_id("trust")) in new.events


@pytest.mark.parametrize(
    ("at", "message"),
    [(timedelta(hours=2), "future"), (-timedelta(days=30), "before admission")],
)
def test_a_discharge_time_outside_the_stay_is_refused(dx: Discharge, at: timedelta, message: str) -> None:
    pid = _patient(dx)
    before = written(dx)
    with pytest.raises(ProblemError) as exc:
        act(dx, "dan_discharge", service.discharge, patient_id=pid, at=utcnow() + at)
    assert exc.value.status == 422 and exc.value.errors[0].field == "body.discharged_at"
    assert message in exc.value.errors[0].message
    assert written(dx) == before


def test_discharge_ends_delays_on_the_uk_day(dx: Discharge) -> None:
    pid = _patient(dx, discharge_ready_on=(today() - timedelta(days=6)).isoformat())
    _delay(dx, pid, "T02", started=today() - timedelta(days=6))
    # Late in the evening UTC: in British summer time, already the next day on the ward.
    two_days_ago = today() - timedelta(days=2)
    at = datetime(two_days_ago.year, two_days_ago.month, two_days_ago.day, 23, 30, tzinfo=UTC)
    act(dx, "dan_discharge", service.discharge, patient_id=pid, at=at)
    ((_, _, _, ended),) = _delays(dx, pid)
    assert ended == at.astimezone(ZoneInfo("Europe/London")).date()


# Bed days lost: the day-by-day definition, against the counting the figures use.
spans_st = st.lists(
    st.builds(
        lambda start, length, reason: bed_days.Span(
            reason,
            date(2026, 1, 1) + timedelta(days=start),
            None if length is None else date(2026, 1, 1) + timedelta(days=start + length),
        ),
        st.integers(0, 40),
        st.none() | st.integers(1, 20),
        st.sampled_from(["C11", "T02", "H01"]),
    ),
    max_size=4,
)


@given(spans=spans_st, ready=st.integers(0, 40), waited=st.integers(0, 40))
def test_bed_days_by_reason_give_each_day_to_the_primary_reason_open_that_day(
    spans: list[bed_days.Span], ready: int, waited: int
) -> None:
    ready_day = date(2026, 1, 1) + timedelta(days=ready)
    today_ = ready_day + timedelta(days=waited)
    counted = bed_days.days_by_reason(spans, ready_day, today_)
    assert sum(counted.values()) == waited == bed_days.bed_days_lost(ready_day, None, today_)
    expected: dict[str, int] = {}
    for day in bed_days.days(ready_day, today_ - timedelta(days=1)):
        open_then = [s for s in spans if s.start <= day and (s.end is None or day < s.end)]
        reason = max(open_then, key=lambda s: s.start).reason if open_then else NOT_RECORDED
        expected[reason] = expected.get(reason, 0) + 1
    if len({s.start for s in spans}) == len(spans):  # ties between starts are the one ambiguity
        assert counted == expected


@given(ready=st.none() | st.integers(-30, 0), left=st.none() | st.integers(-30, 0))
def test_bed_days_lost_never_go_negative_and_stop_at_discharge(ready: int | None, left: int | None) -> None:
    now = date(2026, 6, 1)
    ready_day = None if ready is None else now + timedelta(days=ready)
    left_day = None if left is None else now + timedelta(days=left)
    lost = bed_days.bed_days_lost(ready_day, left_day, now)
    if ready_day is None:
        assert lost == 0
    else:  # every whole day from the ready date up to (not including) the day of leaving
        assert lost == len(list(bed_days.days(ready_day, (left_day or now) - timedelta(days=1))))
