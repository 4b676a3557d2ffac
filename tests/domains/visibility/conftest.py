"""Visibility fixtures: capacity in and out of each persona's sight, the trust's real history,
and a discharge figures source with wards and patients (the discharge package's stand-in)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from joinedup.core.auth.models import AccessLevel
from joinedup.db.tenancy import Scope
from joinedup.demo.seed import DATA
from joinedup.domains.discharge.schemas import Demand, DischargeSummary, WaitingPatient, WardFigure
from joinedup.domains.visibility import service as visibility
from joinedup.domains.visibility.models import TrustDaily, TrustDelayMonthly
from joinedup.domains.visibility.service import TrustSeriesFigures, import_trust_history
from tests.domains.capacity.conftest import api_key_for, approve, beds
from tests.domains.capacity.conftest import update as capacity_update

# (organisation key, persona acting for it, service id, nursing beds accepting admissions)
SERVICES = (
    ("care_home_a", "pam_provider", "a-1", 4),
    ("care_home_b", "bob_provider", "b-1", 3),
    ("care_home_elsewhere", "bob_provider", "e-1", 7),
    ("other_care_home", "bob_provider", "o-1", 11),
)


def push(app: Any, key: str, service_id: str, accepting: int, update_id: str, minutes_ago: float = 10) -> None:
    with TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": key}) as client:
        client.put(
            f"/api/v1/capacity/services/{service_id}",
            json={"name": f"Home {service_id}", "kind": "care_home", "postcode": "M41 5BU"},
        )
        body = capacity_update(
            update_id,
            service=service_id,
            minutes_ago=minutes_ago,
            beds=[beds(accepting_admissions=accepting, vacant=accepting + 1, occupied=35 - accepting)],
        )
        r = client.post("/api/v1/capacity/updates", json={"updates": [body]})
        assert r.status_code < 300, r.text


@pytest.fixture
def keys(app, world, session_factory) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        org: api_key_for(session_factory, world, org, persona, AccessLevel.READ_WRITE)
        for org, persona, _, _ in SERVICES
    }


@pytest.fixture
def capacity(app, world, keys, session_factory) -> dict[str, str]:  # type: ignore[no-untyped-def]
    for org, _, service_id, accepting in SERVICES:
        push(app, keys[org], service_id, accepting, f"{service_id}-first")
        approve(session_factory, world, service_id, org_key=org)  # new services count once approved
    return keys


@pytest.fixture
def trust_history(world, session_factory) -> None:  # type: ignore[no-untyped-def]
    """MFT's real published series, attached to the test world's trust."""
    with session_factory() as session:
        session.info["scope"] = Scope.system("test history")
        import_trust_history(session, data_dir=DATA / "england_r0a", trust_code="R0A")
        for model in (TrustDaily, TrustDelayMonthly):
            session.execute(update(model).values(organisation_id=world.org_id("trust")))
        session.commit()


class FakeDischarge(TrustSeriesFigures):
    """Wards and patients for the test trust, as the discharge package will provide them."""

    def __init__(self, trust_id: str) -> None:
        self.trust_id = trust_id

    def summary(self, session: Session, *, organisation_ids: frozenset[str]) -> DischargeSummary:
        base = super().summary(session, organisation_ids=organisation_ids)
        if self.trust_id not in organisation_ids:
            return base
        demand = [Demand("care_home", 10, None), Demand("homecare", 2, None)]
        return DischargeSummary(source="test discharge", as_of=None, demand=demand, delays=base.delays)

    def wards(self, session: Session, *, organisation_id: str) -> Sequence[WardFigure]:
        if organisation_id != self.trust_id:
            return ()
        return (WardFigure("w-12", "Ward 12", "Trust site", 2, 9.0),)

    def patients(self, session: Session, *, organisation_id: str, ward_id: str) -> Sequence[WaitingPatient]:
        if organisation_id != self.trust_id or ward_id != "w-12":
            return ()
        return (
            WaitingPatient(
                "d-1", "Ada Example", "Pathway 3", "care_home", 9.0, "Awaiting care home", "Capacity", "E01006074"
            ),
            WaitingPatient("d-2", "Bo Example", "Pathway 1", "homecare", 2.0, None, None, None),
        )

    def home_areas(self, session: Session, *, organisation_ids: frozenset[str]) -> dict[str, int]:
        return {"E01006074": 1} if self.trust_id in organisation_ids else {}


@pytest.fixture
def discharge(world) -> Iterator[FakeDischarge]:  # type: ignore[no-untyped-def]
    fake = FakeDischarge(world.org_id("trust"))
    previous = visibility.use_discharge_source(fake)
    yield fake
    visibility.use_discharge_source(previous)
