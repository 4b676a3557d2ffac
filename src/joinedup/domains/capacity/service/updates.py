"""Capacity updates in: validated in full, stored in the history, and applied to the current
state where newer. Each request writes one audit row and one "capacity.updated" event per
service it touched, through core.changes.

A rejected request stores nothing; a batch is all-or-nothing unless the caller asks for
per-item results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol, cast

from sqlalchemy import Table, and_, any_, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from joinedup.config import Settings
from joinedup.core.auth.principal import Principal
from joinedup.core.changes import Change, record_changes
from joinedup.core.clock import utcnow
from joinedup.core.context import request_context
from joinedup.core.errors import FieldError, ProblemError, conflict, field_errors
from joinedup.db.bulk import append_rows
from joinedup.db.id_sets import id_array
from joinedup.domains.capacity import schemas
from joinedup.domains.capacity.engine import merge
from joinedup.domains.capacity.models import CapacityCurrent, CapacityService, CapacityUpdateRow
from joinedup.domains.capacity.service.current import write_currents
from joinedup.domains.capacity.service.providers import target_organisation

_CURRENT = cast(Table, CapacityCurrent.__table__)
_HISTORY = cast(Table, CapacityUpdateRow.__table__)
_SERVICES = cast(Table, CapacityService.__table__)
UPDATED = "capacity.updated"
UPDATE_ACTION = "capacity.update"


class Org(Protocol):
    """What storing updates needs of the provider they are for."""

    @property
    def id(self) -> str: ...
    @property
    def system_id(self) -> str: ...


class _Named(NamedTuple):
    """What a batch needs of a service it names: read as a plain row, not an ORM object."""

    id: str
    provider_service_id: str
    organisation_id: str
    system_id: str
    kind: str
    postcode: str | None
    postcode_district: str | None


@dataclass
class _Item:
    index: int
    update: schemas.CapacityUpdate
    values: dict[str, Any]
    as_of: datetime
    service: _Named | None = None
    outcome: str = "pending"
    errors: list[FieldError] | None = None


def _payload(item: _Item) -> dict[str, Any]:
    return {"provider_service_id": item.update.provider_service_id, "values": item.values}


def _fail(item: _Item, prefix: str, field: str, message: str, code: str) -> None:
    item.errors = [*(item.errors or []), FieldError(field=f"{prefix}{item.index}.{field}", message=message, code=code)]
    item.outcome = "rejected"


def ingest(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    updates: Sequence[schemas.CapacityUpdate | schemas.RejectedUpdate],
    per_item: bool = False,
    organisation_id: str | None = None,
    field_prefix: str = "body.updates.",
) -> schemas.BatchResult:
    """Store a batch of updates for the caller's provider (or one an administrator names):
    history always, current state only where newer."""
    org = target_organisation(session, actor=actor, organisation_id=organisation_id)
    return ingest_for(
        session, actor=actor, org=org, settings=settings, updates=updates, per_item=per_item, field_prefix=field_prefix
    )


def ingest_for(
    session: Session,
    *,
    actor: Principal | None,
    org: Org,
    settings: Settings,
    updates: Sequence[schemas.CapacityUpdate | schemas.RejectedUpdate],
    per_item: bool = False,
    field_prefix: str = "body.updates.",
    now: datetime | None = None,
) -> schemas.BatchResult:
    """`ingest` for a provider already checked (CSV upload, jobs, the demo)."""
    result, changes = apply_updates(
        session, org=org, settings=settings, updates=updates, per_item=per_item, field_prefix=field_prefix, now=now
    )
    record_changes(
        session,
        actor=actor,
        action=UPDATE_ACTION,
        topic=UPDATED,
        record_type="capacity_service",
        system_id=org.system_id,
        changes=changes,
    )
    return result


def apply_updates(
    session: Session,
    *,
    org: Org,
    settings: Settings,
    updates: Sequence[schemas.CapacityUpdate | schemas.RejectedUpdate],
    per_item: bool = False,
    field_prefix: str = "body.updates.",
    now: datetime | None = None,
) -> tuple[schemas.BatchResult, list[Change]]:
    """Store the updates; the changes to record (one per service touched) are the caller's to write."""
    now = now or utcnow()
    limit = now + timedelta(seconds=settings.capacity_clock_skew_seconds)
    indexed = [(i, u) for i, u in enumerate(updates) if not isinstance(u, schemas.RejectedUpdate)]
    values = schemas.sections_of([u for _, u in indexed])
    items = [
        _Item(index=i, update=u, values=v, as_of=u.as_of.astimezone(now.tzinfo))
        for (i, u), v in zip(indexed, values, strict=True)
    ]
    # Updates that failed validation on the way in: reported by index, never stored.
    malformed = [
        schemas.ItemResult(
            index=i,
            update_id=u.update_id,
            outcome="rejected",
            errors=[e.model_dump() for e in field_errors(u.errors, f"{field_prefix}{i}")],
        )
        for i, u in enumerate(updates)
        if isinstance(u, schemas.RejectedUpdate)
    ]
    oldest = now - schemas.OLDEST_AS_OF  # the standard's window for as_of (schemas/rules.py)
    for item in items:
        if item.as_of > limit:
            _fail(item, field_prefix, "as_of", "as_of is in the future (beyond the allowed clock skew)", "future")
        elif item.as_of < oldest:
            _fail(
                item, field_prefix, "as_of", "as_of is more than a year ago: send values that are true now", "too_old"
            )

    wanted = {i.update.provider_service_id for i in items}
    services, currents = _lock_services(session, org.id, wanted)
    for item in items:
        item.service = services.get(item.update.provider_service_id)
        if item.service is None:
            _fail(
                item,
                field_prefix,
                "provider_service_id",
                "no service with this id for your organisation; PUT the service first",
                "unknown_service",
            )
    _find_duplicates(session, org.id, items, field_prefix)

    rejected = [i for i in items if i.outcome == "rejected"]
    if (rejected or malformed) and not per_item:
        errors = [FieldError(**e) for r in malformed for e in r.errors]
        errors += [e for i in rejected for e in (i.errors or [])]
        if all(e.code == "conflict" for e in errors):
            raise ProblemError(409, "conflict", "Conflict", "An update_id was already used.", errors=errors)
        raise ProblemError(
            422,
            "validation",
            "Invalid request",
            f"{len(rejected) + len(malformed)} update(s) are invalid; nothing was stored.",
            errors=errors,
        )

    to_store = [i for i in items if i.outcome == "pending"]
    applied, changes = _store(session, org=org, items=to_store, now=now, currents=currents)
    result = schemas.BatchResult.model_construct(
        accepted=len(to_store),
        applied=applied,
        duplicates=sum(1 for i in items if i.outcome == "duplicate"),
        rejected=len(rejected) + len(malformed),
        items=sorted(
            [
                *malformed,
                *(
                    schemas.ItemResult(
                        index=i.index,
                        update_id=i.update.update_id,
                        outcome=cast(schemas.ItemOutcome, i.outcome),
                        errors=[e.model_dump() for e in (i.errors or [])],
                    )
                    for i in items
                ),
            ],
            key=lambda r: r.index,
        ),
    )
    return result, changes


def _find_duplicates(session: Session, organisation_id: str, items: list[_Item], field_prefix: str) -> None:
    """Mark updates already received (or repeated in the batch); a reused id with other content is refused."""
    ids = {i.update.update_id for i in items}
    # Plain rows: in a normal batch nothing is found, and building ORM objects for a check
    # would cost more than the check.
    known = {
        row.update_id: row
        for row in session.execute(
            select(_HISTORY.c.update_id, _HISTORY.c.payload, _HISTORY.c.as_of, _HISTORY.c.source_system).where(
                _HISTORY.c.organisation_id == organisation_id, one_of(session, _HISTORY.c.update_id, ids)
            )
        )
    }
    seen: dict[str, _Item] = {}
    for item in items:
        if item.outcome == "rejected":
            continue
        uid = item.update.update_id
        if uid in known:
            row = known[uid]
            same = (
                row.payload == _payload(item)
                and row.as_of == item.as_of
                and row.source_system == item.update.source_system
            )
            item.outcome = "duplicate"
        elif uid in seen:
            other = seen[uid]
            same = _payload(other) == _payload(item) and other.as_of == item.as_of
            item.outcome = "duplicate"
        else:
            seen[uid] = item
            continue
        if not same:
            _fail(item, field_prefix, "update_id", "update_id already used for different content", "conflict")


def one_of(session: Session, column: Any, values: set[str]) -> Any:
    """`column IN values`; on PostgreSQL one array parameter (an index scan with array keys)
    rather than a thousand bind parameters to send and plan."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(id_array(values))  # identifiers never hold commas (schemas.Identifier)
    return column.in_(values)


def _lock_services(
    session: Session, organisation_id: str, provider_service_ids: set[str]
) -> tuple[dict[str, _Named], dict[str, dict[str, Any]]]:
    """The services named, locked for the transaction, and then their current sections.

    The service row always exists, so batches for one service queue here even before it has a
    state. The state is read after the lock, by its own statement, so it is the one the batch
    before left behind (PostgreSQL: a fresh snapshot per statement; SQLite: the write lock is
    taken first, by a no-op write, before anything is read).

    Both are read as plain rows from the tables (the caller has already checked the
    organisation, and every row is filtered by it): building ORM objects for them cost more
    than the statements, and the batch writes the state back with one statement of its own
    (`write_currents`)."""
    table = _SERVICES
    named = and_(
        table.c.organisation_id == organisation_id, one_of(session, table.c.provider_service_id, provider_service_ids)
    )
    stmt = select(*(table.c[f] for f in _Named._fields)).where(named)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.order_by(table.c.id).with_for_update()
    else:
        session.execute(
            sql_update(table).where(named).values(updated_at=table.c.updated_at)  # changes nothing, takes the lock
        )
    services = {row.provider_service_id: _Named(*row) for row in session.execute(stmt)}
    if not services:
        return services, {}
    ids = {s.id for s in services.values()}
    held = select(_CURRENT.c.service_id, _CURRENT.c.sections).where(one_of(session, _CURRENT.c.service_id, ids))
    return services, {row.service_id: row.sections for row in session.execute(held)}


def _store(
    session: Session,
    *,
    org: Org,
    items: Sequence[_Item],
    now: datetime,
    currents: dict[str, dict[str, Any]],
) -> tuple[int, list[Change]]:
    """History rows go in as one bulk append, and the current state of each service touched
    (`currents`: its sections, read after its service row was locked) is written once. One
    change per service per request, listing every update id: a batch of 1,000 readings for 50
    services is 50 audited changes, not 1,000 (and 20x less to write)."""
    if not items:
        return 0, []
    channel = request_context().channel
    applied = 0
    rows: list[dict[str, Any]] = []
    per_service: dict[str, list[tuple[_Item, bool]]] = {}
    touched: dict[str, Any] = {}
    states: dict[str, dict[str, Any]] = dict(currents)
    for item in items:
        service = item.service
        assert service is not None
        merged, changed = merge.merge(
            states.get(service.id, {}),
            values=item.values,
            as_of=item.as_of,
            update_id=item.update.update_id,
            source_system=item.update.source_system,
        )
        if changed:
            applied += 1
            states[service.id] = merged
            touched[service.id] = service
        item.outcome = "applied" if changed else "kept_in_history"
        rows.append(
            {
                "organisation_id": org.id,
                "system_id": org.system_id,
                "service_id": service.id,
                "update_id": item.update.update_id,
                "as_of": item.as_of,
                "source_system": item.update.source_system,
                "received_at": now,
                "channel": channel,
                "applied": changed,
                "payload": _payload(item),
            }
        )
        per_service.setdefault(service.id, []).append((item, changed))
    try:
        session.flush()  # anything pending goes first (nothing, when the session is clean)
        write_currents(session, touched, {sid: states[sid] for sid in touched}, set(currents), now)
        append_rows(session, CapacityUpdateRow, rows)
    except IntegrityError:
        session.rollback()
        raise conflict("An update_id was stored by a concurrent request; send the batch again.") from None
    changes = []
    for service_id, pairs in per_service.items():
        update_ids = [i.update.update_id for i, _ in pairs]
        applied_ids = [i.update.update_id for i, changed in pairs if changed]
        first = pairs[0][0]
        assert first.service is not None
        payload = {
            "provider_service_id": first.service.provider_service_id,
            "update_ids": update_ids,
            "newest_as_of": max(i.as_of for i, _ in pairs).isoformat(),
            "applied": bool(applied_ids),
        }
        changes.append(Change(service_id, org.id, {"update_ids": update_ids, "applied": applied_ids}, payload))
    return applied, changes
