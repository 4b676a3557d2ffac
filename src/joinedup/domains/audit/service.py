"""Search and export the audit log. Exporting is itself audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from joinedup.core.audit import AuditEvent
from joinedup.core.auth.models import ApiKey, OAuthClient, User
from joinedup.core.auth.principal import Principal
from joinedup.core.changes import record_access
from joinedup.core.errors import ProblemError, invalid
from joinedup.core.pagination import decode_cursor, encode_cursor
from joinedup.domains.audit.schemas import AuditEventOut, AuditFilter

CSV_COLUMNS = list(AuditEventOut.model_fields)


def _query(actor: Principal, f: AuditFilter) -> Select[AuditEvent]:
    if f.since and f.until and f.since > f.until:
        raise invalid("query.until", "'until' is before 'since'.")
    # Rows are tenant-scoped by acting organisation; also show reads of one's own records.
    stmt = select(AuditEvent)
    if f.action:
        stmt = stmt.where(
            AuditEvent.action.startswith(f.action, autoescape=True)
            if f.action.endswith(".")
            else AuditEvent.action == f.action
        )
    if f.actor_id:
        stmt = stmt.where(AuditEvent.actor_id == f.actor_id)
    if f.record_type:
        stmt = stmt.where(AuditEvent.record_type == f.record_type)
    if f.record_id:
        stmt = stmt.where(AuditEvent.record_id == f.record_id)
    if f.organisation_id:
        stmt = stmt.where(
            or_(AuditEvent.organisation_id == f.organisation_id, AuditEvent.record_organisation_id == f.organisation_id)
        )
    if f.personal_data is not None:
        stmt = stmt.where(AuditEvent.personal_data.is_(f.personal_data))
    if f.since:
        stmt = stmt.where(AuditEvent.occurred_at >= f.since)
    if f.until:
        stmt = stmt.where(AuditEvent.occurred_at < f.until)
    return stmt


def search(
    session: Session, *, actor: Principal, filters: AuditFilter, cursor: str | None, limit: int
) -> tuple[Sequence[AuditEvent], str | None]:
    """Newest first."""
    stmt = _query(actor, filters)
    if cursor:
        raw = decode_cursor(cursor)
        if not (raw.isdigit() and len(raw) <= 18):
            raise invalid("query.cursor", "The cursor is not one this service issued.")
        stmt = stmt.where(AuditEvent.id < int(raw))
    rows = session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(limit + 1)).all()
    next_cursor = encode_cursor(str(rows[limit - 1].id)) if len(rows) > limit else None
    return rows[:limit], next_cursor


def actor_names(session: Session, *, events: Sequence[AuditEvent]) -> dict[str, str]:
    """Who each event's actor is, by name: a person's name, or the name of an API key or OAuth
    client (of an organisation the reader may see). Ids the reader cannot resolve are left out."""
    wanted: dict[str, set[str]] = {}
    for event in events:
        if event.actor_id:
            wanted.setdefault(event.actor_type, set()).add(event.actor_id)
    names: dict[str, str] = {}
    if ids := wanted.get("user"):
        names |= dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
    for kind, model in (("api_key", ApiKey), ("oauth_client", OAuthClient)):
        if ids := wanted.get(kind):
            names |= dict(session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())
    return names


def export_csv(session: Session, *, actor: Principal, filters: AuditFilter, max_rows: int) -> Iterator[str]:
    """CSV lines; refuses (413) rather than silently truncating above `max_rows`."""
    stmt = _query(actor, filters)
    rows = session.scalars(stmt.order_by(AuditEvent.id).limit(max_rows + 1)).all()
    if len(rows) > max_rows:
        raise ProblemError(
            413,
            "too-large",
            "Export too large",
            f"More than {max_rows} rows match; narrow the search (since/until, action).",
        )
    record_access(
        session,
        actor=actor,
        action="audit.export",
        record_type="audit_log",
        record_id=None,
        organisation_id=None,
        personal_data=False,
        detail={"rows": len(rows), "filters": filters.model_dump(mode="json", exclude_none=True)},
    )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for row in rows:
        data = AuditEventOut.model_validate(row).model_dump(mode="json")
        data["detail"] = str(data["detail"])
        writer.writerow({k: _csv_safe(v) for k, v in data.items()})
    yield buffer.getvalue()


def _csv_safe(value: object) -> object:
    # Spreadsheet formula injection: a cell starting with = + - @ is run by Excel.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
