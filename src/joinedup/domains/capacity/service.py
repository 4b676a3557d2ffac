"""Capacity services and updates: every accepted update audited, with a "capacity.updated" event.

Updates are validated in full before anything is written, so a rejected request stores
nothing; a batch is all-or-nothing unless the caller asks for per-item results.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol, cast

from sqlalchemy import Select, Table, and_, any_, bindparam, insert, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from joinedup.config import Settings
from joinedup.core import audit, outbox
from joinedup.core.auth.principal import Principal
from joinedup.core.changes import record_change
from joinedup.core.clock import utcnow
from joinedup.core.context import request_context
from joinedup.core.errors import FieldError, ProblemError, conflict, field_errors, forbidden, invalid, not_found
from joinedup.core.pagination import decode_cursor, encode_cursor
from joinedup.db.bulk import append_rows
from joinedup.db.id_sets import id_array
from joinedup.domains.capacity import rules, schemas
from joinedup.domains.capacity.models import CapacityCurrent, CapacityService, CapacityUpdateRow
from joinedup.domains.organisations.models import PROVIDER_TYPES, Organisation
from joinedup.geo import lookup

_CURRENT = cast(Table, CapacityCurrent.__table__)
_HISTORY = cast(Table, CapacityUpdateRow.__table__)
_SERVICES = cast(Table, CapacityService.__table__)

KIND_FOR_ORG = {
    "care_home_provider": schemas.ServiceKind.CARE_HOME,
    "homecare_provider": schemas.ServiceKind.HOMECARE,
    "reablement_service": schemas.ServiceKind.REABLEMENT,
}


def target_organisation(session: Session, *, actor: Principal, organisation_id: str | None) -> Organisation:
    """The provider whose services a write is for: the caller's own, or (for an administrator)
    one it names. A provider can never write another provider's services."""
    org_id = organisation_id or actor.organisation_id
    if org_id is None:
        raise forbidden("query.organisation_id", "You do not act for an organisation.")
    if org_id != actor.organisation_id and org_id not in actor.visible_organisation_ids:
        raise forbidden("query.organisation_id", f"You may not act for organisation {org_id!r}.")
    org = session.get(Organisation, org_id)
    if org is None:
        raise forbidden("query.organisation_id", f"You may not act for organisation {org_id!r}.")
    if org.type not in PROVIDER_TYPES:
        raise invalid("query.organisation_id", "Only care providers have capacity.", "not_a_provider")
    return org


# Services


def upsert_service(
    session: Session,
    *,
    actor: Principal,
    provider_service_id: str,
    data: schemas.ServiceIn,
    organisation_id: str | None = None,
) -> tuple[CapacityService, bool]:
    org = target_organisation(session, actor=actor, organisation_id=organisation_id)
    latitude, longitude = data.latitude, data.longitude
    if latitude is None and data.postcode:
        point = lookup.locate(data.postcode)
        if point is not None:
            latitude, longitude = point.latitude, point.longitude
    service = session.scalars(
        select(CapacityService).where(
            CapacityService.organisation_id == org.id, CapacityService.provider_service_id == provider_service_id
        )
    ).one_or_none()
    created = service is None
    if service is None:
        service = CapacityService(
            organisation_id=org.id, system_id=org.system_id, provider_service_id=provider_service_id
        )
        session.add(service)
    service.place_id = org.place_id
    service.name = data.name
    service.kind = data.kind.value
    service.postcode = data.postcode
    service.postcode_district = lookup.district(data.postcode) if data.postcode else None
    service.latitude, service.longitude = latitude, longitude
    service.cqc_location_id = data.cqc_location_id
    service.active = data.active
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise conflict("The service was changed by another request; send it again.") from None
    if not created:
        current = session.get(CapacityCurrent, service.id)
        if current is not None:
            _retag(current, service)
    record_change(
        session,
        actor=actor,
        action="capacity_service.create" if created else "capacity_service.update",
        topic="capacity.service_created" if created else "capacity.service_updated",
        record_type="capacity_service",
        record_id=service.id,
        organisation_id=org.id,
        system_id=org.system_id,
        payload={"provider_service_id": provider_service_id},
    )
    return service, created


def get_service(
    session: Session, *, actor: Principal, provider_service_id: str, organisation_id: str | None = None
) -> CapacityService:
    org_id = organisation_id or actor.organisation_id
    service = session.scalars(
        select(CapacityService).where(
            CapacityService.organisation_id == org_id, CapacityService.provider_service_id == provider_service_id
        )
    ).one_or_none()
    if service is None:
        raise not_found("service", provider_service_id)
    return service


def get_service_by_id(session: Session, *, actor: Principal, service_id: str) -> CapacityService:
    service = session.get(CapacityService, service_id)
    if service is None:
        raise not_found("service", service_id)
    return service


def list_services(session: Session, *, actor: Principal, organisation_id: str) -> Sequence[CapacityService]:
    return session.scalars(
        select(CapacityService)
        .where(CapacityService.organisation_id == organisation_id)
        .order_by(CapacityService.name, CapacityService.id)
    ).all()


# Updates


class _Named(NamedTuple):
    """What a batch needs of a service it names: read as a plain row, not an ORM object."""

    id: str
    provider_service_id: str
    organisation_id: str
    system_id: str
    kind: str
    postcode: str | None
    postcode_district: str | None


class _Located(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def postcode(self) -> str | None: ...
    @property
    def postcode_district(self) -> str | None: ...


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
    """Store a batch of updates: history always, current state only where newer."""
    org = target_organisation(session, actor=actor, organisation_id=organisation_id)
    return ingest_for(
        session,
        actor=actor,
        org=org,
        settings=settings,
        updates=updates,
        per_item=per_item,
        field_prefix=field_prefix,
    )


def ingest_for(
    session: Session,
    *,
    actor: Principal | None,
    org: Organisation,
    settings: Settings,
    updates: Sequence[schemas.CapacityUpdate | schemas.RejectedUpdate],
    per_item: bool = False,
    field_prefix: str = "body.updates.",
    now: datetime | None = None,
) -> schemas.BatchResult:
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
    for item in items:
        if item.as_of > limit:
            _fail(item, field_prefix, "as_of", "as_of is in the future (beyond the allowed clock skew)", "future")

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

    ids = {i.update.update_id for i in items}
    # Plain rows: in a normal batch nothing is found, and building ORM objects for a check
    # would cost more than the check.
    known = {
        row.update_id: row
        for row in session.execute(
            select(_HISTORY.c.update_id, _HISTORY.c.payload, _HISTORY.c.as_of, _HISTORY.c.source_system).where(
                _HISTORY.c.organisation_id == org.id, _one_of(session, _HISTORY.c.update_id, ids)
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
    applied = _store(session, actor=actor, org=org, items=to_store, now=now, currents=currents)
    return schemas.BatchResult.model_construct(
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


def _one_of(session: Session, column: Any, values: set[str]) -> Any:
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
    (`_write_currents`)."""
    table = _SERVICES
    named = and_(
        table.c.organisation_id == organisation_id, _one_of(session, table.c.provider_service_id, provider_service_ids)
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
    held = select(_CURRENT.c.service_id, _CURRENT.c.sections).where(_one_of(session, _CURRENT.c.service_id, ids))
    return services, {row.service_id: row.sections for row in session.execute(held)}


def _home_areas(service: _Located) -> tuple[str | None, str | None]:
    """The service's postcode district and, where the postcode extract knows it, its LSOA."""
    point = lookup.locate(service.postcode) if service.postcode else None
    return service.postcode_district, point.lsoa_code if point else None


def _search_columns(sections: dict[str, Any], service: _Located, fallback_as_of: datetime) -> dict[str, Any]:
    """The columns searches filter on, derived from the sections held and where the service is."""
    tags = rules.search_tags(service.kind, sections, *_home_areas(service))
    status = sections.get("status")
    return {
        "offered_types": tags.offered_types,
        "accepting_types": tags.accepting_types,
        "skills": tags.skills,
        "funding": tags.funding,
        "areas": tags.areas[:4000],
        "vacant_accepting": tags.vacant_accepting,
        "status": status["value"]["status"] if status else None,
        "as_of": rules.newest_as_of(sections) or fallback_as_of,
    }


def _retag(current: CapacityCurrent, service: CapacityService) -> None:
    for name, value in _search_columns(current.sections, service, current.as_of).items():
        if getattr(current, name) != value:  # unchanged columns stay out of the UPDATE
            setattr(current, name, value)


# One UPDATE statement for every batch, executed once per row set (executemany).
_CURRENT_UPDATE = (
    sql_update(_CURRENT)
    .where(_CURRENT.c.service_id == bindparam("current_service_id"))
    .values(
        {
            name: bindparam(name)
            for name in (
                "sections",
                "offered_types",
                "accepting_types",
                "skills",
                "funding",
                "areas",
                "vacant_accepting",
                "status",
                "as_of",
            )
        }
    )
)


def _write_currents(
    session: Session,
    services: dict[str, _Named],
    sections: dict[str, dict[str, Any]],
    held: set[str],
    now: datetime,
) -> None:
    """Write the new state of each service in `sections`: one executemany UPDATE for those that
    had a state (`held`) and one INSERT for those that had none. Core statements, because the
    ORM's unit of work costs more than the write for a batch's 50 rows; any copy of these rows
    already loaded into the session is expired so that it is read again."""
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    for service_id, new in sections.items():
        service = services[service_id]
        row = {"sections": new, **_search_columns(new, service, now)}
        if service_id in held:
            updates.append({"current_service_id": service_id, **row})
        else:
            inserts.append(
                {
                    "service_id": service_id,
                    "organisation_id": service.organisation_id,
                    "system_id": service.system_id,
                    **row,
                }
            )
    if updates:
        session.connection().execute(_CURRENT_UPDATE, updates)
    if inserts:
        session.connection().execute(insert(_CURRENT), inserts)
    for service_id in sections:
        stale = session.identity_map.get(identity_key(CapacityCurrent, (service_id,)))
        if stale is not None:
            session.expire(stale)


def _store(
    session: Session,
    *,
    actor: Principal | None,
    org: Organisation,
    items: Sequence[_Item],
    now: datetime,
    currents: dict[str, dict[str, Any]],
) -> int:
    """History rows, audit rows and events go in as bulk appends; the current state of each
    service touched (`currents`: its sections, read after its service row was locked) is
    written once."""
    if not items:
        return 0
    channel = request_context().channel
    applied = 0
    rows: list[dict[str, Any]] = []
    # One audit row and one event per service per request, listing every update id: a batch of
    # 1,000 readings for 50 services is 50 audited changes, not 1,000 (and 20x less to write).
    per_service: dict[str, list[tuple[_Item, bool]]] = {}
    touched: dict[str, _Named] = {}
    sections: dict[str, dict[str, Any]] = dict(currents)
    for item in items:
        service = item.service
        assert service is not None
        merged, changed = rules.merge(
            sections.get(service.id, {}),
            values=item.values,
            as_of=item.as_of,
            update_id=item.update.update_id,
            source_system=item.update.source_system,
        )
        if changed:
            applied += 1
            sections[service.id] = merged
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
        _write_currents(session, touched, {sid: sections[sid] for sid in touched}, set(currents), now)
        append_rows(session, CapacityUpdateRow, rows)
    except IntegrityError:
        session.rollback()
        raise conflict("An update_id was stored by a concurrent request; send the batch again.") from None
    audits: list[tuple[str | None, str | None, dict[str, Any]]] = []
    events: list[tuple[str | None, str | None, dict[str, Any]]] = []
    for service_id, pairs in per_service.items():
        update_ids = [i.update.update_id for i, _ in pairs]
        applied_ids = [i.update.update_id for i, changed in pairs if changed]
        audits.append((service_id, org.id, {"update_ids": update_ids, "applied": applied_ids}))
        first = pairs[0][0]
        assert first.service is not None
        events.append(
            (
                org.id,
                service_id,
                {
                    "provider_service_id": first.service.provider_service_id,
                    "update_ids": update_ids,
                    "newest_as_of": max(i.as_of for i, _ in pairs).isoformat(),
                    "applied": bool(applied_ids),
                },
            )
        )
    audit.record_many(session, actor=actor, action="capacity.update", record_type="capacity_service", records=audits)
    outbox.emit_many(session, topic="capacity.updated", system_id=org.system_id, events=events)
    return applied


def confirm_unchanged(
    session: Session, *, actor: Principal, settings: Settings, service: CapacityService, source_system: str
) -> schemas.BatchResult:
    """ "Nothing changed": every section held is reported again, true now."""
    current = session.get(CapacityCurrent, service.id)
    if current is None or not current.sections:
        raise invalid("service", "Nothing has been reported for this service yet; send its capacity first.", "empty")
    now = utcnow()
    fields: dict[str, Any] = {name: s["value"] for name, s in current.sections.items() if name != "status"}
    if "status" in current.sections:
        fields["status"] = current.sections["status"]["value"]["status"]
        fields["note"] = current.sections["status"]["value"].get("note")
    update = schemas.CapacityUpdate.model_validate(
        {
            "update_id": f"confirm-{service.id[:8]}-{now.strftime('%Y%m%dT%H%M%S%f')}",
            "provider_service_id": service.provider_service_id,
            "as_of": now,
            "source_system": source_system,
            **fields,
        }
    )
    org = session.get(Organisation, service.organisation_id)
    assert org is not None
    return ingest_for(session, actor=actor, org=org, settings=settings, updates=[update], now=now)


# Reading


def state_at(session: Session, service: CapacityService, at: datetime) -> dict[str, Any]:
    """Sections as they were known to be at `at`: per section, the newest update true by then."""
    stmt = (
        select(CapacityUpdateRow)
        .where(CapacityUpdateRow.service_id == service.id, CapacityUpdateRow.as_of <= at)
        .order_by(CapacityUpdateRow.as_of.desc(), CapacityUpdateRow.update_id.desc())
        .execution_options(yield_per=200)
    )
    state: dict[str, Any] = {}
    for row in session.scalars(stmt):
        state, _ = rules.merge(
            state,
            values=row.payload["values"],
            as_of=row.as_of,
            update_id=row.update_id,
            source_system=row.source_system,
        )
        if len(state) == len(schemas.SECTIONS):
            break
    return state


def capacity_out(
    service: CapacityService,
    sections: dict[str, Any],
    *,
    settings: Settings,
    at: datetime,
    distance_km: float | None = None,
) -> schemas.CapacityOut:
    limit = rules.stale_after(service.kind, settings.capacity_stale_hours)
    out_sections = {}
    for name, s in sections.items():
        as_of = datetime.fromisoformat(s["as_of"])
        out_sections[name] = schemas.SectionOut(
            value=s["value"],
            as_of=as_of,
            source_system=s["source_system"],
            update_id=s["update_id"],
            age_seconds=rules.age_seconds(as_of, at),
            stale=rules.is_stale(as_of, at, limit),
        )
    newest = rules.newest_as_of(sections)
    status_value = (sections.get("status") or {}).get("value") or {}
    status = status_value.get("status")
    tags = rules.search_tags(service.kind, sections, *_home_areas(service))
    rules_value = (sections.get("admission_rules") or {}).get("value")
    accepting_now = bool(
        status == schemas.OverallStatus.ACCEPTING.value
        and tags.accepting_types != ","
        and rules.admits_at(rules_value, at)
    )
    return schemas.CapacityOut(
        service=schemas.ServiceOut.model_validate(service),
        at=at,
        as_of=newest,
        age_seconds=rules.age_seconds(newest, at) if newest else None,
        stale=rules.is_stale(newest, at, limit),
        stale_after_seconds=int(limit.total_seconds()),
        status=status,
        note=status_value.get("note"),
        accepting_now=accepting_now,
        distance_km=round(distance_km, 3) if distance_km is not None else None,
        sections=out_sections,
    )


def service_capacity(
    session: Session, *, actor: Principal, settings: Settings, service: CapacityService, at: datetime | None = None
) -> schemas.CapacityOut:
    now = utcnow()
    if at is None or at >= now:
        current = session.get(CapacityCurrent, service.id)
        return capacity_out(service, current.sections if current else {}, settings=settings, at=now)
    return capacity_out(service, state_at(session, service, at), settings=settings, at=at)


def history(
    session: Session, *, actor: Principal, service: CapacityService, cursor: str | None, limit: int
) -> tuple[Sequence[CapacityUpdateRow], str | None]:
    stmt = select(CapacityUpdateRow).where(CapacityUpdateRow.service_id == service.id)
    if cursor:
        try:
            after = int(decode_cursor(cursor))
        except ValueError:
            raise invalid("query.cursor", "The cursor is not one this service issued.") from None
        stmt = stmt.where(CapacityUpdateRow.id < after)
    rows = session.scalars(stmt.order_by(CapacityUpdateRow.id.desc()).limit(limit + 1)).all()
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(str(rows[-1].id))
    return rows, None


# Search


@dataclass(frozen=True)
class SearchQuery:
    care_type: schemas.CareType | None = None
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float = 10.0
    area: str | None = None
    skill: schemas.Skill | None = None
    funding: schemas.Funding | None = None
    accepting: bool | None = None
    fresh: bool | None = None


_SearchSelect = Select[CapacityService, CapacityCurrent]


def bed_history(
    session: Session,
    *,
    actor: Principal,
    service: CapacityService,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> Sequence[CapacityUpdateRow]:
    """Updates of a service that reported beds and were true within [start, end), newest first."""
    stmt = select(CapacityUpdateRow).where(CapacityUpdateRow.service_id == service.id)
    if start is not None:
        stmt = stmt.where(CapacityUpdateRow.as_of >= start)
    if end is not None:
        stmt = stmt.where(CapacityUpdateRow.as_of < end)
    stmt = stmt.order_by(CapacityUpdateRow.as_of.desc(), CapacityUpdateRow.id.desc())
    # Status-only reports carry no counts; skip them here rather than in SQL (portable JSON).
    found: list[CapacityUpdateRow] = []
    for row in session.scalars(stmt.execution_options(yield_per=500)):
        if "beds" in row.payload.get("values", {}):
            found.append(row)
            if len(found) >= limit:
                break
    return found


def history_row(session: Session, *, actor: Principal, row_id: int) -> tuple[CapacityService, CapacityUpdateRow] | None:
    """One received update and its service, if the caller may see it."""
    row = session.get(CapacityUpdateRow, row_id)
    if row is None:
        return None
    svc = session.get(CapacityService, row.service_id)
    return (svc, row) if svc is not None else None


def _tag(column: Any, value: str) -> Any:
    return column.contains(f",{value},", autoescape=True)


def _search_stmt(query: SearchQuery, settings: Settings, now: datetime) -> _SearchSelect:
    stmt = (
        select(CapacityService, CapacityCurrent)
        .outerjoin(CapacityCurrent, CapacityCurrent.service_id == CapacityService.id)
        .where(CapacityService.active.is_(True))
    )
    if query.care_type is not None:
        column = CapacityCurrent.accepting_types if query.accepting else CapacityCurrent.offered_types
        stmt = stmt.where(_tag(column, query.care_type.value))
    if query.accepting:
        stmt = stmt.where(
            CapacityCurrent.status == schemas.OverallStatus.ACCEPTING.value, CapacityCurrent.accepting_types != ","
        )
    elif query.accepting is False:
        stmt = stmt.where(
            or_(CapacityCurrent.status.is_(None), CapacityCurrent.status != schemas.OverallStatus.ACCEPTING.value)
        )
    if query.skill is not None:
        stmt = stmt.where(_tag(CapacityCurrent.skills, query.skill.value))
    if query.funding is not None:
        stmt = stmt.where(_tag(CapacityCurrent.funding, query.funding.value))
    if query.area is not None:
        stmt = stmt.where(_tag(CapacityCurrent.areas, query.area))
    if query.fresh is not None:
        fresh = or_(
            *(
                and_(CapacityService.kind == kind, CapacityCurrent.as_of >= now - timedelta(hours=hours))
                for kind, hours in settings.capacity_stale_hours.items()
            )
        )
        stmt = stmt.where(fresh if query.fresh else or_(CapacityCurrent.as_of.is_(None), ~fresh))
    if query.latitude is not None and query.longitude is not None:
        lat0, lat1, lon0, lon1 = rules.bounding_box(query.latitude, query.longitude, query.radius_km)
        stmt = stmt.where(CapacityService.latitude.between(lat0, lat1), CapacityService.longitude.between(lon0, lon1))
    return stmt


def _admits_now(current: CapacityCurrent | None, now: datetime) -> bool:
    if current is None:
        return False
    rules_value = (current.sections.get("admission_rules") or {}).get("value")
    return rules.admits_at(rules_value, now)


def search(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    query: SearchQuery,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[schemas.CapacityOut], str | None]:
    """Services the caller may see that match; nearest first when a point is given."""
    now = utcnow()
    stmt = _search_stmt(query, settings, now)
    found: list[tuple[CapacityService, CapacityCurrent | None, float | None]] = []
    next_cursor = None
    if query.latitude is not None and query.longitude is not None:
        after: tuple[float, str] | None = None
        if cursor:
            raw = decode_cursor(cursor)
            try:
                d, _, sid = raw.partition("|")
                after = (float(d), sid)
            except ValueError:
                raise invalid("query.cursor", "The cursor is not one this service issued.") from None
        candidates = []
        for service, current in session.execute(stmt):
            if service.latitude is None or service.longitude is None:
                continue
            distance = rules.haversine_km(query.latitude, query.longitude, service.latitude, service.longitude)
            if distance > query.radius_km or (query.accepting and not _admits_now(current, now)):
                continue
            key = (round(distance, 6), service.id)
            if after is not None and key <= after:
                continue
            candidates.append((key, service, current, distance))
        candidates.sort(key=lambda c: c[0])
        for _key, service, current, distance in candidates[: limit + 1]:
            found.append((service, current, distance))
        if len(found) > limit:
            found = found[:limit]
            last = candidates[limit - 1][0]
            next_cursor = encode_cursor(f"{last[0]:.6f}|{last[1]}")
    else:
        last_id = decode_cursor(cursor) if cursor else ""
        for service, current in _pages(session, stmt, last_id):
            if query.accepting and not _admits_now(current, now):
                continue
            found.append((service, current, None))
            if len(found) > limit:
                break
        if len(found) > limit:
            found = found[:limit]
            next_cursor = encode_cursor(found[-1][0].id)
    return [
        capacity_out(service, current.sections if current else {}, settings=settings, at=now, distance_km=distance)
        for service, current, distance in found
    ], next_cursor


def _pages(session: Session, stmt: _SearchSelect, last_id: str) -> Iterator[tuple[CapacityService, Any]]:
    while True:
        rows = session.execute(stmt.where(CapacityService.id > last_id).order_by(CapacityService.id).limit(500)).all()
        if not rows:
            return
        yield from ((service, current) for service, current in rows)
        last_id = rows[-1][0].id
