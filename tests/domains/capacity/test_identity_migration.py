"""The migration that brings verified identities to an existing database: what nothing contradicts
stays verified, a CQC location claimed twice or not the organisation's own awaits approval, and
the stored search columns are recomputed with the one reading of sections."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from joinedup.db import migrate
from joinedup.db.session import make_engine

BEFORE = "0006_neighbourhoods"
SERVICES = sa.table(
    "capacity_services",
    *(
        sa.column(c)
        for c in (
            "id",
            "organisation_id",
            "system_id",
            "provider_service_id",
            "name",
            "kind",
            "postcode",
            "cqc_location_id",
            "synthetic",
            "active",
            "created_at",
            "updated_at",
        )
    ),
)
CURRENT = sa.table(
    "capacity_current",
    sa.column("service_id"),
    sa.column("organisation_id"),
    sa.column("system_id"),
    sa.column("sections", sa.JSON),
    sa.column("as_of", sa.DateTime(timezone=True)),
    sa.column("status"),
    sa.column("offered_types"),
    sa.column("accepting_types"),
    sa.column("skills"),
    sa.column("funding"),
    sa.column("areas"),
    sa.column("vacant_accepting"),
)


def _service(org: Any, psid: str, cqc: str | None, minutes: int, kind: str = "care_home") -> dict[str, Any]:
    moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    return {
        "id": str(uuid.uuid4()),
        "organisation_id": org.id,
        "system_id": org.system_id,
        "provider_service_id": psid,
        "name": psid,
        "kind": kind,
        "postcode": "M41 5BU",
        "cqc_location_id": cqc,
        "synthetic": False,
        "active": True,
        "created_at": moment,
        "updated_at": moment,
    }


def test_existing_services_are_verified_unless_the_register_says_otherwise(database_url, world) -> None:  # type: ignore[no-untyped-def]
    a, b = world.orgs["care_home_a"], world.orgs["care_home_b"]
    migrate.downgrade(database_url, BEFORE)
    rows = {
        "own": _service(a, "own", a.cqc_location_id, 2),  # A's own CQC location: verified
        "copy": _service(b, "copy", a.cqc_location_id, 1),  # B claimed A's first: cleared, awaits approval
        "stranger": _service(b, "stranger", "1-999999999", 3),  # nobody's location: awaits approval
        "plain": _service(b, "plain", None, 4),  # no CQC location: verified, as it was trusted
        "rehab": _service(a, "rehab", None, 5, kind="reablement"),
    }
    # Written before one meaning of sections: places 0 with spare hours tagged as accepting.
    stamp = {"as_of": "2026-11-23T09:00:00+00:00", "update_id": "u", "source_system": "s"}
    sections = {"reablement": {"value": [{"pathway": 1, "places": 0, "hours_per_week": 20.0}], **stamp}}
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.insert(SERVICES), list(rows.values()))
        conn.execute(
            sa.insert(CURRENT),
            {
                "service_id": rows["rehab"]["id"],
                "organisation_id": a.id,
                "system_id": a.system_id,
                "sections": sections,
                "as_of": datetime(2026, 11, 23, 9, tzinfo=UTC),
                "status": None,
                "offered_types": ",reablement_pathway_1,",
                "accepting_types": ",reablement_pathway_1,",
                "skills": ",",
                "funding": ",",
                "areas": ",",
                "vacant_accepting": 0,
            },
        )
    migrate.upgrade(database_url)
    with engine.connect() as conn:
        found = {
            r.provider_service_id: r
            for r in conn.execute(
                sa.text("SELECT provider_service_id, cqc_location_id, identity_status FROM capacity_services")
            )
        }
        tags = conn.execute(
            sa.text("SELECT accepting_types, offered_types FROM capacity_current WHERE service_id = :id"),
            {"id": rows["rehab"]["id"]},
        ).one()
    engine.dispose()
    assert {k: (r.identity_status, r.cqc_location_id) for k, r in found.items()} == {
        "own": ("verified", a.cqc_location_id),
        "copy": ("unverified", None),
        "stranger": ("unverified", "1-999999999"),
        "plain": ("verified", None),
        "rehab": ("verified", None),
    }
    assert tags.accepting_types == "," and tags.offered_types == ",reablement_pathway_1,"
    migrate.downgrade(database_url, BEFORE)  # and back again
    migrate.upgrade(database_url)
