"""JSON API over the audit log: search and CSV export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession, StateDep
from joinedup.core.errors import PROBLEM_RESPONSES
from joinedup.domains.audit import permissions, service
from joinedup.domains.audit.schemas import AuditEventOut, AuditFilter, AuditPage

router = APIRouter(tags=["audit"], responses=PROBLEM_RESPONSES)
Auditor = Annotated[Principal, Depends(permissions.can_read_audit)]
Filters = Annotated[AuditFilter, Query()]


@router.get("/audit-events", response_model=AuditPage)
def search_audit(
    actor: Auditor,
    session: DbSession,
    filters: Filters,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    rows, next_cursor = service.search(session, actor=actor, filters=filters, cursor=cursor, limit=limit)
    return AuditPage(items=[AuditEventOut.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/audit-events.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"}},
)
def export_audit(actor: Auditor, session: DbSession, state: StateDep, filters: Filters) -> Response:
    body = "".join(
        service.export_csv(session, actor=actor, filters=filters, max_rows=state.settings.audit_export_max_rows)
    )
    return Response(
        body, media_type="text/csv", headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'}
    )
