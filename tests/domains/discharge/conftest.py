"""Discharge fixtures: principals for the personas, two care homes and a homecare branch with
live capacity, and builders for patients and assessments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from joinedup.config import Settings
from joinedup.core.audit import AuditEvent
from joinedup.core.auth import service as auth_service
from joinedup.core.auth.models import User
from joinedup.core.auth.principal import Principal
from joinedup.core.outbox import OutboxEvent
from joinedup.db.tenancy import Scope
from joinedup.domains.capacity import schemas as capacity_schemas
from joinedup.domains.capacity import service as capacity_service
from joinedup.domains.discharge import nhs_number
from joinedup.domains.discharge.schemas import uk_today
from tests.personas import World


def principal(session: Session, world: World, persona: str) -> Principal:
    user = session.get(User, world.users[persona].id)
    assert user is not None
    return auth_service.principal_for_membership(session, user, auth_service.default_membership(user))


def nhs(n: int) -> str:
    """The n-th valid NHS number from 400 000 000 up (some nine-digit stems have none)."""
    stem = 400_000_000 + n * 7
    while True:
        digit = nhs_number.check_digit(str(stem))
        if digit is not None:
            return f"{stem}{digit}"
        stem += 1


def today() -> date:
    return uk_today()


def patient_body(n: int = 1, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "nhs_number": nhs(n),
        "name": f"Test Patient {n}",
        "ward": "Ward 7",
        "admitted_on": (today() - timedelta(days=12)).isoformat(),
        "discharge_ready_on": (today() - timedelta(days=4)).isoformat(),
        "pathway": "P3_new_placement",
        "home_postcode": "M41 5BU",
    }
    body.update(overrides)
    return body


def assessment_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "needs": {
            "mobility": "one_to_transfer",
            "personal_care": "some",
            "continence": "occasional",
            "nutrition": "independent",
            "medication_support": "prompt",
            "cognition": "mild",
            "behaviour": "none",
            "skin_integrity": "at_risk",
            "equipment": ["walking_frame"],
            "carers_needed": 1,
        },
        "care_type": "nursing",
        "start_date": today().isoformat(),
        "funding": "council",
        "preferences": {"areas": ["M41"], "max_distance_km": 20},
        "risks": "Falls risk at night",
    }
    body.update(overrides)
    return body


def beds(nursing: int, residential: int = 0, physical: int = 30) -> list[dict[str, Any]]:
    out = []
    for bed_type, free in (("nursing", nursing), ("residential", residential)):
        out.append(
            {
                "bed_type": bed_type,
                "physical": physical,
                "staffed": physical,
                "occupied": physical - free - 1,
                "reserved": 1,
                "vacant": free + 1,
                "accepting_admissions": free,
            }
        )
    return out


@dataclass
class Discharge:
    world: World
    factory: sessionmaker[Session]
    settings: Settings
    services: dict[str, str]

    def session(self) -> Session:
        s = self.factory()
        s.info["scope"] = Scope.system("test")
        return s

    def actor(self, persona: str) -> Principal:
        with self.session() as s:
            return principal(s, self.world, persona)

    def scoped(self, persona: str) -> tuple[Session, Principal]:
        actor = self.actor(persona)
        s = self.factory()
        s.info["scope"] = actor.scope
        return s, actor

    def report(self, org_key: str, persona: str, provider_service_id: str, **sections: Any) -> None:
        """A capacity report for a service, true now."""
        with self.session() as s:
            actor = principal(s, self.world, persona)
            update = capacity_schemas.CapacityUpdate.model_validate(
                {
                    "update_id": f"u-{provider_service_id}-{datetime.now(UTC).timestamp()}",
                    "provider_service_id": provider_service_id,
                    "as_of": datetime.now(UTC) - timedelta(seconds=1),
                    "source_system": "Test 1.0",
                    **sections,
                }
            )
            capacity_service.ingest(
                s, actor=actor, settings=self.settings, updates=[update], organisation_id=self.world.org_id(org_key)
            )
            s.commit()


SERVICES = {
    "oak": ("care_home_a", "alice_admin", "Oak House", "care_home", "M41 5BU"),
    "elm": ("care_home_b", "alice_admin", "Elm Court", "care_home", "M41 5BU"),
    "ash": ("care_home_elsewhere", "alice_admin", "Ash Lodge", "care_home", "M41 5BU"),
    "hc": ("homecare", "alice_admin", "Trafford Homecare", "homecare", "M41 5BU"),
    "far": ("other_care_home", "otto_other_admin", "Far Away House", "care_home", "M41 5BU"),
}
RULES = {
    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    "from_time": "00:00",
    "to_time": "23:59",
    "funding": ["council", "nhs_continuing_healthcare", "self_funder"],
}


@pytest.fixture
def dx(world: World, session_factory: sessionmaker[Session], settings: Settings) -> Discharge:
    """Oak House (1 nursing bed free), Elm Court (2), Ash Lodge (2) and a homecare branch, all live."""
    services: dict[str, str] = {}
    with session_factory() as s:
        s.info["scope"] = Scope.system("test setup")
        for key, (org_key, persona, name, kind, postcode) in SERVICES.items():
            row, _ = capacity_service.upsert_service(
                s,
                actor=principal(s, world, persona),
                provider_service_id=key,
                data=capacity_schemas.ServiceIn(name=name, kind=kind, postcode=postcode),  # type: ignore[arg-type]
                organisation_id=world.org_id(org_key),
            )
            services[key] = row.id
        s.commit()
    d = Discharge(world=world, factory=session_factory, settings=settings, services=services)
    d.report("care_home_a", "alice_admin", "oak", status="accepting", beds=beds(1, 2), admission_rules=RULES)
    d.report("care_home_b", "alice_admin", "elm", status="accepting", beds=beds(2), admission_rules=RULES)
    d.report("care_home_elsewhere", "alice_admin", "ash", status="accepting", beds=beds(2), admission_rules=RULES)
    d.report("other_care_home", "otto_other_admin", "far", status="accepting", beds=beds(3), admission_rules=RULES)
    d.report(
        "homecare",
        "alice_admin",
        "hc",
        status="accepting",
        homecare=[
            {
                "postcode_districts": ["M41", "M33"],
                "time_band": "morning",
                "spare_hours_per_week": 30,
                "skills": ["double_up"],
                "earliest_start": today().isoformat(),
            }
        ],
        admission_rules=RULES,
    )
    return d


def act(dx: Discharge, persona: str, fn: Any, **kwargs: Any) -> Any:
    """Call a service function as a persona, in its own scoped session, and commit."""
    s, actor = dx.scoped(persona)
    with s:
        result = fn(s, actor=actor, **kwargs)
        s.commit()
        return result


@dataclass(frozen=True)
class Written:
    """What the audit log and the outbox hold: (action, record_id) and (topic, organisation_id) rows."""

    audit: list[tuple[str, str | None]]
    events: list[tuple[str, str | None]]


def written(dx: Discharge) -> Written:
    with dx.session() as s:
        audit = [(a.action, a.record_id) for a in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        events = [(e.topic, e.organisation_id) for e in s.scalars(select(OutboxEvent).order_by(OutboxEvent.id))]
    return Written(audit, events)


def since(before: Written, after: Written) -> Written:
    """The rows written between two readings."""
    return Written(after.audit[len(before.audit) :], after.events[len(before.events) :])
