"""Races on SQLite and PostgreSQL: threads with their own sessions start together.

Two acceptances for one patient (two providers offering): exactly one wins. Two patients and
one bed: exactly one gets it, whether the race is between two offers or two acceptances.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from joinedup.core.errors import ProblemError
from joinedup.domains.discharge import service
from joinedup.domains.discharge.models import DischargeHold, DischargeReferral
from joinedup.domains.discharge.schemas import OfferIn
from tests.domains.discharge.conftest import Discharge, beds, today
from tests.domains.discharge.test_service import _as, _patient, _refer

ROUNDS = 3


def race(dx: Discharge, calls: list[tuple[str, Callable[..., Any], dict[str, Any]]]) -> list[str]:
    """Run the calls at once, each in its own thread and session; 'ok' or the refusal's status."""
    barrier = threading.Barrier(len(calls))
    results: list[str] = ["?"] * len(calls)

    def run(i: int, persona: str, fn: Callable[..., Any], kwargs: dict[str, Any]) -> None:
        s, actor = dx.scoped(persona)
        try:
            with s:
                barrier.wait(timeout=10)
                fn(s, actor=actor, **kwargs)
                s.commit()
            results[i] = "ok"
        except ProblemError as exc:
            results[i] = str(exc.status)
        except Exception as exc:  # surfaced in the assertion, never swallowed
            results[i] = f"error: {type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=run, args=(i, *c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(results)


def _offer(dx: Discharge, persona: str, referral_id: str) -> None:
    _as(dx, persona, service.open_referral, referral_id=referral_id)
    _as(dx, persona, service.offer, settings=dx.settings, referral_id=referral_id, data=OfferIn(start_date=today()))


def test_two_providers_cannot_both_win_one_patient(dx: Discharge) -> None:
    for n in range(ROUNDS):
        pid = _patient(dx, 10 + n)
        oak, elm = _refer(dx, pid, "oak", "elm")
        _offer(dx, "pam_provider", oak)
        _offer(dx, "bob_provider", elm)
        outcome = race(
            dx,
            [
                ("dan_discharge", service.accept, {"referral_id": oak}),
                ("dan_discharge", service.accept, {"referral_id": elm}),
            ],
        )
        assert outcome == ["409", "ok"]
        with dx.session() as s:
            states = sorted(s.scalars(select(DischargeReferral.state).where(DischargeReferral.patient_id == pid)))
            holds = s.scalar(select(func.count()).select_from(DischargeHold).where(DischargeHold.patient_id == pid))
        assert states == ["accepted", "withdrawn"] and holds == 1
        for rid in (oak, elm):
            with dx.session() as s:
                row = s.get(DischargeReferral, rid)
                assert row is not None
                if row.state == "accepted":  # free the bed for the next round
                    _as(dx, "dan_discharge", service.withdraw, referral_id=rid)


def test_one_bed_cannot_go_to_two_patients_by_offer(dx: Discharge) -> None:
    first, second = _patient(dx, 21), _patient(dx, 22)
    r1, r2 = _refer(dx, first, "oak")[0], _refer(dx, second, "oak")[0]
    for rid in (r1, r2):
        _as(dx, "pam_provider", service.open_referral, referral_id=rid)
    outcome = race(
        dx,
        [
            (
                "pam_provider",
                service.offer,
                {"settings": dx.settings, "referral_id": r1, "data": OfferIn(start_date=today())},
            ),
            (
                "pam_provider",
                service.offer,
                {"settings": dx.settings, "referral_id": r2, "data": OfferIn(start_date=today())},
            ),
        ],
    )
    assert outcome == ["409", "ok"]


def test_one_bed_cannot_go_to_two_patients_by_acceptance(dx: Discharge) -> None:
    dx.report("care_home_a", "alice_admin", "oak", beds=beds(2))
    first, second = _patient(dx, 31), _patient(dx, 32)
    r1, r2 = _refer(dx, first, "oak")[0], _refer(dx, second, "oak")[0]
    _offer(dx, "pam_provider", r1)
    _offer(dx, "pam_provider", r2)
    dx.report("care_home_a", "alice_admin", "oak", beds=beds(1))  # a bed went elsewhere meanwhile
    outcome = race(
        dx,
        [
            ("dan_discharge", service.accept, {"referral_id": r1}),
            ("dan_discharge", service.accept, {"referral_id": r2}),
        ],
    )
    assert outcome == ["409", "ok"]
    with dx.session() as s:
        assert s.scalar(select(func.count()).select_from(DischargeHold)) == 1
