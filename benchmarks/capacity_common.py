"""Shared set-up for the capacity benchmarks: a fresh migrated database and synthetic providers."""

from __future__ import annotations

import os
import random
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from joinedup.config import Settings
from joinedup.core.auth.principal import Principal
from joinedup.core.permissions import Role
from joinedup.db import migrate
from joinedup.domains.capacity.engine.merge import newest_as_of
from joinedup.domains.capacity.engine.sections import search_tags
from joinedup.domains.organisations.models import CareSystem, Organisation, Place
from joinedup.domains.organisations.schemas import OrganisationType

PG_URL = os.environ.get("JOINEDUP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_database(kind: str, prefix: str = "bench_capacity") -> Iterator[str]:
    """A newly migrated database: a temporary SQLite file, or a PostgreSQL database (named
    `prefix` and a random suffix) dropped after."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            migrate.upgrade(url)
            yield url
        return
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def settings_for(url: str) -> Settings:
    return Settings(database_url=url, environment="test", secret_key="b" * 48)


def make_providers(session: Session, n_orgs: int) -> tuple[str, list[str]]:
    """A care system, one place, and n care-home provider organisations (fast bulk insert)."""
    system = CareSystem(name="Bench ICS", icb_ods_code="QBE")
    session.add(system)
    session.flush()
    place = Place(system_id=system.id, name="Bench place", gss_code="E08000990")
    session.add(place)
    session.flush()
    ids = [str(uuid.uuid4()) for _ in range(n_orgs)]
    session.execute(
        insert(Organisation),
        [
            {
                "id": oid,
                "system_id": system.id,
                "place_id": place.id,
                "name": f"Bench provider {i}",
                "type": OrganisationType.CARE_HOME_PROVIDER,
                "synthetic": True,
                "active": True,
            }
            for i, oid in enumerate(ids)
        ],
    )
    return system.id, ids


def actor_for(
    system_id: str, organisation_id: str, visible: list[str] | None = None, role: Role = Role.PROVIDER_SYSTEM
) -> Principal:
    return Principal(
        kind="api_key",
        actor_id="bench",
        role=role,
        organisation_id=organisation_id,
        system_id=system_id,
        visible_organisation_ids=frozenset(visible or [organisation_id]),
    )


def bed(rng: random.Random, bed_type: str) -> dict[str, Any]:
    physical = rng.randint(10, 60)
    staffed = physical - rng.randint(0, 2)
    occupied = rng.randint(max(0, staffed - 6), staffed)
    vacant = staffed - occupied
    reserved = min(vacant, rng.choice([0, 0, 1]))
    return {
        "bed_type": bed_type,
        "physical": physical,
        "staffed": staffed,
        "occupied": occupied,
        "reserved": reserved,
        "vacant": vacant,
        "accepting_admissions": vacant - reserved,
    }


def current_row(sid: str, oid: str, system_id: str, kind: str, sections: dict[str, Any]) -> dict[str, Any]:
    """A capacity_current row with the search columns the service keeps beside the sections."""
    tags = search_tags(kind, sections, None)
    return {
        "service_id": sid,
        "organisation_id": oid,
        "system_id": system_id,
        "sections": sections,
        "as_of": newest_as_of(sections),
        "status": sections["status"]["value"]["status"],
        "offered_types": tags.offered_types,
        "accepting_types": tags.accepting_types,
        "skills": tags.skills,
        "funding": tags.funding,
        "areas": tags.areas,
        "vacant_accepting": tags.vacant_accepting,
    }
