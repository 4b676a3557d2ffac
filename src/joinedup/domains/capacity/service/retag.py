"""Search columns recomputed for every service from its stored sections, with the one reading of
sections (engine.sections). Run by the migration that follows a change of that reading (stored
tags would otherwise keep the old meaning until each service next reports): a later change of
the reading adds a migration that calls `retag_all` again.

It works on a plain connection with the few columns it needs named here, not the ORM models,
so it means the same when a migration runs it against an older schema.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from joinedup.domains.capacity.service.current import search_columns

_SERVICES = sa.table(
    "capacity_services",
    sa.column("id", sa.String),
    sa.column("kind", sa.String),
    sa.column("postcode", sa.String),
    sa.column("postcode_district", sa.String),
)
# The columns a reading of sections decides (as_of is the newest section's, which no reading changes).
_TAGS = ("offered_types", "accepting_types", "skills", "funding", "areas", "vacant_accepting", "status")
_CURRENT = sa.table(
    "capacity_current",
    sa.column("service_id", sa.String),
    sa.column("sections", sa.JSON),
    *(sa.column(name) for name in _TAGS),
)
_BATCH = 500


def retag_all(connection: Connection) -> int:
    """Recompute every service's search columns; the number of services whose columns changed."""
    changed = 0
    last = ""
    stmt = (
        sa.select(
            _CURRENT.c.service_id,
            _CURRENT.c.sections,
            *(_CURRENT.c[name] for name in _TAGS),
            _SERVICES.c.kind,
            _SERVICES.c.postcode,
            _SERVICES.c.postcode_district,
        )
        .join(_SERVICES, _SERVICES.c.id == _CURRENT.c.service_id)
        .order_by(_CURRENT.c.service_id)
        .limit(_BATCH)
    )
    while True:
        rows = connection.execute(stmt.where(_CURRENT.c.service_id > last)).all()
        if not rows:
            return changed
        updates = []
        for row in rows:
            held = row.sections or {}
            computed = search_columns(held, row, datetime.now(UTC))
            fresh = {name: computed[name] for name in _TAGS}
            if fresh != {name: getattr(row, name) for name in _TAGS}:
                updates.append({"key": row.service_id, **fresh})
        if updates:
            connection.execute(
                sa.update(_CURRENT)
                .where(_CURRENT.c.service_id == sa.bindparam("key"))
                .values({name: sa.bindparam(name) for name in _TAGS}),
                updates,
            )
            changed += len(updates)
        last = rows[-1].service_id
