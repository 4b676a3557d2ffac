"""Property: any interleaving of duplicate and out-of-order updates ends in the newest state."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from joinedup.core.auth.principal import Principal
from joinedup.core.permissions import Role
from joinedup.db.tenancy import Scope
from joinedup.domains.capacity import schemas, service
from joinedup.domains.capacity.engine import admission, merge
from joinedup.domains.capacity.models import CapacityCurrent, CapacityService
from joinedup.domains.organisations.models import Organisation
from joinedup.geo import distance

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)  # within the standard's window
counter = itertools.count()

update_st = st.builds(
    lambda minute, uid, occupied, with_status: (
        T0 + timedelta(minutes=minute),
        f"u{uid}",
        {
            "beds": [{"bed_type": "nursing", "occupied": occupied}],
            **({"status": {"status": "accepting", "note": None}} if with_status else {}),
        },
    ),
    st.integers(0, 20),
    st.integers(0, 30),
    st.integers(0, 40),
    st.booleans(),
)


def _newest(updates: list[tuple[datetime, str, dict[str, Any]]], section: str) -> Any:
    having = [u for u in updates if section in u[2]]
    if not having:
        return None
    return max(having, key=lambda u: (u[0], u[1]))[2][section]


@given(st.lists(update_st, min_size=1, max_size=25).flatmap(lambda us: st.permutations(us + us[: len(us) // 2])))
def test_any_order_with_duplicates_ends_in_the_newest_values(updates) -> None:
    # One update_id means one update: keep the first content seen for each id, as the service does.
    first: dict[str, tuple[datetime, str, dict[str, Any]]] = {}
    for u in updates:
        first.setdefault(u[1], u)
    stream = [first[u[1]] for u in updates]
    state = merge.replay((a, uid, "src", v) for a, uid, v in stream)
    unique = list(first.values())
    for section in ("beds", "status"):
        expected = _newest(unique, section)
        assert (state.get(section) or {}).get("value") == expected


def test_equal_as_of_is_settled_by_update_id_whatever_the_order() -> None:
    a = (T0, "a", "s", {"beds": [1]})
    b = (T0, "b", "s", {"beds": [2]})
    assert merge.replay([a, b]) == merge.replay([b, a])


def test_admission_hours_and_distance() -> None:
    r = {"days": ["mon"], "from_time": "09:00:00", "to_time": "17:00:00", "funding": ["council"]}
    monday_noon = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert admission.admits_at(r, monday_noon) and not admission.admits_at(r, monday_noon + timedelta(hours=8))
    assert not admission.admits_at(r, monday_noon + timedelta(days=1))
    assert 262 < distance.haversine_km(53.4808, -2.2426, 51.5072, -0.1276) < 264  # Manchester to London


def _bed(occupied: int) -> dict[str, Any]:
    return {
        "bed_type": "residential",
        "physical": 50,
        "staffed": 50,
        "occupied": occupied,
        "reserved": 0,
        "vacant": 50 - occupied,
        "accepting_admissions": 50 - occupied,
    }


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 50)), min_size=1, max_size=8), st.data())
def test_stored_state_is_the_newest_whatever_the_arrival_order(world, session_factory, specs, data) -> None:
    """Through the service and the database: batches in any order, with resends."""
    from joinedup.config import Settings

    cfg = Settings(environment="test", secret_key="k" * 40)
    n = next(counter)
    updates = [
        schemas.CapacityUpdate(
            update_id=f"p{n}-{i}",
            provider_service_id=f"prop-{n}",
            as_of=T0 + timedelta(minutes=minute),
            source_system="prop",
            beds=[_bed(occupied)],
        )
        for i, (minute, occupied) in enumerate(specs)
    ]
    arrival = data.draw(st.permutations(updates + updates[: len(updates) // 2 + 1]))
    chunks = data.draw(st.integers(1, 3))
    with session_factory() as session:
        session.info["scope"] = Scope.system("property test")
        org = session.get(Organisation, world.org_id("care_home_a"))
        assert org is not None
        actor = Principal(
            kind="api_key",
            actor_id="prop",
            role=Role.PROVIDER_SYSTEM,
            organisation_id=org.id,
            system_id=org.system_id,
            visible_organisation_ids=frozenset({org.id}),
        )
        svc = CapacityService(
            organisation_id=org.id, system_id=org.system_id, provider_service_id=f"prop-{n}", name="P", kind="care_home"
        )
        session.add(svc)
        session.flush()
        size = max(1, len(arrival) // chunks)
        for start in range(0, len(arrival), size):
            service.ingest_for(
                session,
                actor=actor,
                org=org,
                settings=cfg,
                updates=arrival[start : start + size],
                now=T0 + timedelta(days=1),
            )
        session.commit()
        current = session.get(CapacityCurrent, svc.id)
        assert current is not None
        newest = max(updates, key=lambda u: (u.as_of, u.update_id))
        assert current.sections["beds"]["update_id"] == newest.update_id
        assert current.sections["beds"]["value"] == list(newest.beds or [])


@given(
    seed=st.integers(0, 10**6),
    physical=st.integers(0, 80),
    occupied=st.one_of(st.none(), st.integers(0, 90)),
    steps=st.integers(1, 30),
)
def test_the_demo_simulator_only_ever_reports_valid_beds(
    seed: int, physical: int, occupied: int | None, steps: int
) -> None:
    """The demo keeps capacity moving for hours: every report it makes must meet the standard."""
    import random

    from joinedup.domains.capacity import demo

    rng = random.Random(seed)
    bed = demo._bed(rng, "respite", physical, occupied)
    for _ in range(steps):
        TypeAdapter(schemas.CheckedBedCount).validate_python(bed)
        bed = demo._bed(rng, "respite", bed["physical"], max(0, bed["occupied"] + rng.choice([-1, 0, 1])))
