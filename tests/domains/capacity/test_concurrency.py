"""Batches for the same service arriving at once, from separate connections: both are stored,
neither fails, and the newest as_of wins, even for a service with no state yet."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from joinedup.core.auth.principal import Principal
from joinedup.core.permissions import Role
from joinedup.db.tenancy import Scope
from joinedup.domains.capacity import schemas, service
from joinedup.domains.capacity.models import CapacityService, CapacityUpdateRow
from joinedup.domains.organisations.models import Organisation
from tests.domains.capacity.conftest import NOW, SERVICE, beds


def _actor(world: Any) -> Principal:
    org_id = world.org_id("care_home_a")
    return Principal(
        kind="user",
        actor_id=world.users["pam_provider"].id,
        role=Role.PROVIDER_MANAGER,
        organisation_id=org_id,
        system_id=world.system_id,
        visible_organisation_ids=frozenset({org_id}),
    )


def test_concurrent_batches_for_a_new_service_both_land(world, session_factory, settings) -> None:  # type: ignore[no-untyped-def]
    actor = _actor(world)
    with session_factory() as s:
        s.info["scope"] = actor.scope
        service.upsert_service(s, actor=actor, provider_service_id="home-1", data=schemas.ServiceIn(**SERVICE))
        s.commit()
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def send(n: int) -> None:
        batch = [
            schemas.CapacityUpdate(
                update_id=f"t{n}-{i}",
                provider_service_id="home-1",
                as_of=NOW - timedelta(minutes=60 - n * 10 - i),
                source_system="race",
                beds=[schemas.BedCount(**beds(occupied=20 + n))],
            )
            for i in range(5)
        ]
        try:
            with session_factory() as s:
                s.info["scope"] = actor.scope
                org = s.get(Organisation, actor.organisation_id)
                assert org is not None
                barrier.wait(timeout=10)
                service.ingest_for(s, actor=actor, org=org, settings=settings, updates=batch)
                s.commit()
        except BaseException as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert failures == []
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        row = s.query(CapacityService).one()
        out = service.capacity_by_id(s, actor=actor, settings=settings, service_id=row.id)
    newest = out.sections["beds"]
    assert newest.update_id == "t3-4" and newest.as_of == NOW - timedelta(minutes=26)
    assert newest.value[0]["occupied"] == 23
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        assert s.query(CapacityUpdateRow).count() == 20  # every update of every batch kept
