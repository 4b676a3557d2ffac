"""One meaning per fact: a reablement team that reports only spare hours (which the standard
allows) is read the same way by search, by discharge matching (through discharge's door) and by
the system picture's totals (through capacity's door, as visibility reads them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from joinedup.config import Settings
from joinedup.db.tenancy import Scope
from joinedup.domains.capacity import schemas as capacity_schemas
from joinedup.domains.capacity import service as capacity
from joinedup.domains.capacity.engine import sections
from joinedup.domains.capacity.engine.system_totals import summarise, totals
from joinedup.domains.discharge import service as discharge
from joinedup.domains.discharge.schemas import AssessmentIn, PatientIn
from joinedup.domains.organisations.models import Organisation, Site
from joinedup.domains.organisations.schemas import OrganisationType
from tests.domains.discharge.conftest import assessment_body, patient_body, principal
from tests.personas import World

RULES = {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from_time": "00:00", "to_time": "23:59",
         "funding": ["council"]}  # fmt: skip


def _reablement_team(
    world: World, factory: sessionmaker[Session], settings: Settings, pathway_1: dict[str, Any]
) -> str:
    """A reablement provider in the test system with one service, reporting pathway 1 as given."""
    with factory() as s:
        s.info["scope"] = Scope.system("test setup")
        org = Organisation(
            system_id=world.system_id,
            place_id=world.place_id,
            name="Reablement Team",
            type=OrganisationType.REABLEMENT_SERVICE,
        )
        org.sites.append(
            Site(system_id=world.system_id, name="base", postcode="M41 5BU", latitude=53.44, longitude=-2.36)
        )
        s.add(org)
        s.flush()
        admin = principal(s, world, "alice_admin")
        out, _ = capacity.upsert_service(
            s,
            actor=admin,
            provider_service_id="reable-1",
            data=capacity_schemas.ServiceIn(name="Reablement Team", kind="reablement", postcode="M41 5BU"),  # type: ignore[arg-type]
            organisation_id=org.id,
        )
        update = capacity_schemas.CapacityUpdate.model_validate(
            {
                "update_id": "r1",
                "provider_service_id": "reable-1",
                "as_of": datetime.now(UTC) - timedelta(minutes=5),
                "source_system": "Test 1.0",
                "status": "accepting",
                "reablement": [pathway_1],
                "admission_rules": RULES,
            }
        )
        capacity.ingest(s, actor=admin, settings=settings, updates=[update], organisation_id=org.id)
        s.commit()
        return out.id


def _three_readings(
    world: World, factory: sessionmaker[Session], settings: Settings, service_id: str
) -> tuple[bool, Any, float]:
    """(found by an accepting search, the service in discharge's match result, free reablement in the totals)."""
    with factory() as s:
        s.info["scope"] = Scope.system("test setup")
        dan = principal(s, world, "dan_discharge")
        s.info["scope"] = dan.scope
        query = capacity.SearchQuery(care_type=capacity_schemas.CareType.REABLEMENT_PATHWAY_1, accepting=True)
        found = capacity.search(s, actor=dan, settings=settings, query=query)
        searched = any(o.service.id == service_id for o in found.items)
        patient = discharge.create_patient(
            s, actor=dan, data=PatientIn.model_validate(patient_body(1, pathway="P1_reablement"))
        )
        discharge.add_assessment(
            s,
            actor=dan,
            patient_id=patient.id,
            data=AssessmentIn.model_validate(assessment_body(care_type="reablement_pathway_1", hours_per_week=10)),
        )
        s.flush()
        result = discharge.match_patient(s, actor=dan, settings=settings, patient_id=patient.id)
        matched = next((m for m in [*result.matches, *result.excluded] if m.service_id == service_id), None)
        figures = capacity.read_service_figures(s)
        free = totals(summarise(f for f in figures if f.service_id == service_id))["reablement"]
        s.rollback()
    return searched, matched, free


def test_reablement_reporting_only_hours_is_free_everywhere(world, session_factory, settings) -> None:  # type: ignore[no-untyped-def]
    sid = _reablement_team(world, session_factory, settings, {"pathway": 1, "hours_per_week": 40})
    searched, matched, free = _three_readings(world, session_factory, settings, sid)
    assert searched, "search: accepting reablement on pathway 1"
    assert matched is not None and matched.matched, f"matching: {matched}"
    assert matched.available == 40.0  # spare hours: the section's own unit
    assert free == 40.0, "the system totals count the spare hours as free"
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        units = capacity.free_units(s, service_id=sid, care_type="reablement_pathway_1")
    assert units is not None and (units.amount, units.unit) == (40.0, "hours_per_week")


def test_reablement_with_no_places_is_full_everywhere_whatever_its_hours(world, session_factory, settings) -> None:  # type: ignore[no-untyped-def]
    """Places are people who can be started: none free means full, spare hours or not."""
    sid = _reablement_team(world, session_factory, settings, {"pathway": 1, "places": 0, "hours_per_week": 40})
    searched, matched, free = _three_readings(world, session_factory, settings, sid)
    assert not searched
    assert matched is not None and not matched.matched
    assert free == 0.0


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"pathway": 1, "hours_per_week": 12.5}, (12.5, "hours_per_week")),
        ({"pathway": 1, "places": 3, "hours_per_week": 40}, (3.0, "places")),
        ({"pathway": 1, "places": 0, "hours_per_week": 40}, (0.0, "places")),
        ({"pathway": 2, "places": 2}, None),  # pathway 1 not reported: nothing free on it
    ],
)
def test_free_units_of_a_reablement_pathway(item: dict[str, Any], expected: tuple[float, str] | None) -> None:
    held = {
        "reablement": {"value": [item], "as_of": "2026-11-23T09:00:00+00:00", "update_id": "u", "source_system": "s"}
    }
    units = sections.free_units(held, "reablement_pathway_1")
    assert units is not None
    assert (units.amount, units.unit) == (expected or (0.0, "places"))
    assert sections.accepting(held, "reablement_pathway_1") is bool(expected and expected[0] > 0)
