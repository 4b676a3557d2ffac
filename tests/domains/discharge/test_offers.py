"""Offers, acceptance and the places they hold: free units counted from what the service last
reported (capacity's meaning) less the places already promised, the service's lock row, the
hold's length, expiry, and the release of a place."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from joinedup.core.clock import utcnow
from joinedup.core.errors import ProblemError
from joinedup.domains.discharge import service
from joinedup.domains.discharge.models import DischargeHold, DischargeReferral, DischargeServiceLock
from joinedup.domains.discharge.schemas import AssessmentIn, OfferIn, PatientIn
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

numbers = itertools.count(200)
HOMECARE = {
    "care_type": "homecare",
    "hours_per_week": 20,
    "preferences": {"areas": ["M41"]},
}


def _referral(dx: Discharge, key: str, *, pathway: str = "P3_new_placement", **assessment: Any) -> str:
    pid = act(
        dx,
        "dan_discharge",
        service.create_patient,
        data=PatientIn.model_validate(patient_body(next(numbers), pathway=pathway)),
    ).id
    body = AssessmentIn.model_validate(assessment_body(**assessment))
    act(dx, "dan_discharge", service.add_assessment, patient_id=pid, data=body)
    rid = act(dx, "dan_discharge", service.refer, patient_id=pid, service_ids=[dx.services[key]])[0].id
    return str(rid)


PROVIDER = {"oak": "pam_provider", "elm": "bob_provider", "hc": "cara_careworker"}


def _offer(dx: Discharge, rid: str, key: str = "oak", **data: Any) -> DischargeReferral:
    persona = PROVIDER[key]
    act(dx, persona, service.open_referral, referral_id=rid)
    body = OfferIn.model_validate({"start_date": today().isoformat(), **data})
    return act(dx, persona, service.offer, settings=dx.settings, referral_id=rid, data=body)


def _row(dx: Discharge, rid: str) -> DischargeReferral:
    with dx.session() as s:
        row = s.get(DischargeReferral, rid)
        assert row is not None
        s.expunge(row)
        return row


def test_an_offer_is_held_for_the_configured_hours_or_those_it_names(dx: Discharge) -> None:
    start = utcnow()
    _offer(dx, first := _referral(dx, "oak"))
    held = _row(dx, first)
    assert held.state == "offered" and held.offered_start_date == today()
    assert held.offer_expires_at is not None
    hours = (held.offer_expires_at.replace(tzinfo=start.tzinfo) - start).total_seconds() / 3600
    assert dx.settings.discharge_offer_hold_hours - 0.1 < hours < dx.settings.discharge_offer_hold_hours + 0.1
    _offer(dx, second := _referral(dx, "elm"), "elm", hold_hours=2, accepted_without_reassessment=False)
    row = _row(dx, second)
    assert row.offer_expires_at is not None and row.accepted_without_reassessment is False
    assert 1.9 < (row.offer_expires_at.replace(tzinfo=start.tzinfo) - start).total_seconds() / 3600 < 2.1


def test_an_offer_to_start_in_the_past_is_refused_and_an_earlier_start_is_noted(dx: Discharge) -> None:
    rid = _referral(dx, "oak", start_date=(today() + timedelta(days=3)).isoformat())
    act(dx, "pam_provider", service.open_referral, referral_id=rid)
    before = written(dx)
    with pytest.raises(ProblemError) as exc:
        act(
            dx,
            "pam_provider",
            service.offer,
            settings=dx.settings,
            referral_id=rid,
            data=OfferIn(start_date=today() - timedelta(days=1)),
        )
    assert exc.value.status == 422 and exc.value.errors[0].field == "body.start_date"
    assert written(dx) == before and _row(dx, rid).state == "opened"
    act(dx, "pam_provider", service.offer, settings=dx.settings, referral_id=rid, data=OfferIn(start_date=today()))
    notes = [m for m in _row(dx, rid).messages if m["kind"] == "note"]
    assert len(notes) == 1 and f"{today().day} {today():%B %Y}" in notes[0]["text"]


def test_the_last_bed_goes_to_one_offer_and_is_counted_again_when_that_offer_closes(dx: Discharge) -> None:
    # Oak House reported one nursing bed.
    first, second = _referral(dx, "oak"), _referral(dx, "oak")
    _offer(dx, first)
    act(dx, "pam_provider", service.open_referral, referral_id=second)
    before = written(dx)
    with pytest.raises(ProblemError) as exc:
        act(
            dx,
            "pam_provider",
            service.offer,
            settings=dx.settings,
            referral_id=second,
            data=OfferIn(start_date=today()),
        )
    assert exc.value.status == 409 and exc.value.errors[0].field == "service_id"
    assert "Oak House" in (exc.value.detail or "")
    assert written(dx) == before and _row(dx, second).state == "opened"
    act(dx, "dan_discharge", service.withdraw, referral_id=first)  # the offer closes: the bed is free again
    _offer(dx, second)
    assert _row(dx, second).state == "offered"


def test_acceptance_holds_a_place_under_the_service_lock(dx: Discharge) -> None:
    rid = _referral(dx, "oak")
    _offer(dx, rid)
    with dx.session() as s:
        lock = s.get(DischargeServiceLock, dx.services["oak"])
        assert lock is not None and lock.organisation_id == dx.world.org_id("care_home_a")
        offered_version = lock.version
    before = written(dx)
    act(dx, "dan_discharge", service.accept, referral_id=rid)
    with dx.session() as s:
        lock = s.get(DischargeServiceLock, dx.services["oak"])
        hold = s.scalars(select(DischargeHold).where(DischargeHold.referral_id == rid)).one()
    assert lock is not None and lock.version > offered_version  # acceptance took the lock again
    assert (hold.service_id, hold.units, hold.care_type, hold.released_at) == (dx.services["oak"], 1, "nursing", None)
    assert hold.organisation_id == dx.world.org_id("care_home_a")
    new = since(before, written(dx))
    assert new.audit == [("discharge_referral.accept", rid)]
    assert {t for t, _ in new.events} == {"discharge.referral_accepted"} and len(new.events) == 2


def test_a_held_place_counts_until_the_provider_reports_again(dx: Discharge) -> None:
    rid = _referral(dx, "oak")
    _offer(dx, rid)
    act(dx, "dan_discharge", service.accept, referral_id=rid)
    later = _referral(dx, "oak")
    act(dx, "pam_provider", service.open_referral, referral_id=later)
    with pytest.raises(ProblemError):  # the one bed is held for the accepted patient
        act(
            dx, "pam_provider", service.offer, settings=dx.settings, referral_id=later, data=OfferIn(start_date=today())
        )
    # A newer report already counts the held bed among the occupied ones: one more bed is free.
    with dx.session() as s:  # (the hold was made a while before that report)
        hold = s.scalars(select(DischargeHold).where(DischargeHold.referral_id == rid)).one()
        hold.created_at = utcnow() - timedelta(minutes=5)
        s.commit()
    dx.report("care_home_a", "alice_admin", "oak", status="accepting", beds=beds(1))
    _offer(dx, later)
    assert _row(dx, later).state == "offered"


def test_homecare_is_counted_in_hours(dx: Discharge) -> None:
    # The homecare branch reported 30 spare hours a week; each patient needs 20.
    first = _referral(dx, "hc", pathway="P1_new_care", **HOMECARE)
    assert _row(dx, first).summary["units"] == 20.0
    _offer(dx, first, "hc")
    second = _referral(dx, "hc", pathway="P1_new_care", **HOMECARE)
    act(dx, "cara_careworker", service.open_referral, referral_id=second)
    with pytest.raises(ProblemError) as exc:  # 30 - 20 leaves 10: not enough for 20 more
        act(
            dx,
            "cara_careworker",
            service.offer,
            settings=dx.settings,
            referral_id=second,
            data=OfferIn(start_date=today()),
        )
    assert exc.value.status == 409 and "homecare" in (exc.value.detail or "")
    small = _referral(dx, "hc", pathway="P1_new_care", **{**HOMECARE, "hours_per_week": 10})
    _offer(dx, small, "hc")  # 10 hours fit exactly
    assert _row(dx, small).state == "offered"


def test_acceptance_ignores_other_offers_but_not_other_holds(dx: Discharge) -> None:
    """Of two live offers for the last place (made while there were two), the first accepted wins."""
    dx.report("care_home_a", "alice_admin", "oak", status="accepting", beds=beds(2))
    first, second = _referral(dx, "oak"), _referral(dx, "oak")
    _offer(dx, first)
    _offer(dx, second)
    dx.report("care_home_a", "alice_admin", "oak", status="accepting", beds=beds(1))  # one bed went elsewhere
    act(dx, "dan_discharge", service.accept, referral_id=second)
    before = written(dx)
    with pytest.raises(ProblemError) as exc:
        act(dx, "dan_discharge", service.accept, referral_id=first)
    assert exc.value.status == 409 and "gone to another patient" in (exc.value.detail or "")
    assert written(dx) == before and _row(dx, first).state == "offered"


def test_accepting_withdraws_the_patients_other_open_referrals(dx: Discharge) -> None:
    pid = act(
        dx, "dan_discharge", service.create_patient, data=PatientIn.model_validate(patient_body(next(numbers)))
    ).id
    act(
        dx, "dan_discharge", service.add_assessment, patient_id=pid, data=AssessmentIn.model_validate(assessment_body())
    )
    oak, elm, ash = (
        r.id
        for r in act(
            dx,
            "dan_discharge",
            service.refer,
            patient_id=pid,
            service_ids=[dx.services["oak"], dx.services["elm"], dx.services["ash"]],
        )
    )
    _offer(dx, oak)
    _offer(dx, elm, "elm")
    before = written(dx)
    act(dx, "dan_discharge", service.accept, referral_id=oak)
    states = {rid: (_row(dx, rid).state, _row(dx, rid).closed_reason) for rid in (oak, elm, ash)}
    assert states == {
        oak: ("accepted", None),
        elm: ("withdrawn", "another_offer_accepted"),
        ash: ("withdrawn", "another_offer_accepted"),
    }
    assert sorted(since(before, written(dx)).audit) == sorted(
        [
            ("discharge_referral.accept", oak),
            ("discharge_referral.withdraw", elm),
            ("discharge_referral.withdraw", ash),
        ]
    )


def test_an_offer_past_its_hold_is_expired_by_the_next_step_and_frees_its_place(dx: Discharge) -> None:
    first, second = _referral(dx, "oak"), _referral(dx, "oak")
    _offer(dx, first)
    with dx.session() as s:
        row = s.get(DischargeReferral, first)
        assert row is not None
        row.offer_expires_at = utcnow() - timedelta(minutes=1)
        s.commit()
    _offer(dx, second)  # an offer past its hold no longer holds the bed
    assert _row(dx, second).state == "offered"
    with pytest.raises(ProblemError) as exc:  # accepting the expired offer is refused, changing nothing
        act(dx, "dan_discharge", service.accept, referral_id=first)
    assert exc.value.status == 409 and _row(dx, first).state == "offered"
    before = written(dx)
    assert service.expire_due_offers(dx.factory) == 1  # the clock records it
    row = _row(dx, first)
    assert (row.state, row.closed_reason) == ("expired", "offer_expired")
    assert ("discharge_referral.expire", first) in since(before, written(dx)).audit


def test_withdrawing_an_accepted_referral_releases_its_place(dx: Discharge) -> None:
    rid = _referral(dx, "oak")
    _offer(dx, rid)
    act(dx, "dan_discharge", service.accept, referral_id=rid)
    act(dx, "dan_discharge", service.withdraw, referral_id=rid)
    with dx.session() as s:
        hold = s.scalars(select(DischargeHold).where(DischargeHold.referral_id == rid)).one()
    assert hold.released_at is not None
    assert _row(dx, rid).closed_reason == "withdrawn_by_hospital"
    again = _referral(dx, "oak")
    _offer(dx, again)  # the bed is free for the next patient
    assert _row(dx, again).state == "offered"
