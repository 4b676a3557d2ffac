"""The audit log viewer."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession
from joinedup.domains.audit import permissions, service
from joinedup.domains.audit.schemas import AuditFilter
from joinedup.domains.organisations import service as organisations
from joinedup.web.render import page

router = APIRouter(include_in_schema=False)
Auditor = Annotated[Principal, Depends(permissions.can_read_audit)]


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    actor: Auditor,
    session: DbSession,
    filters: Annotated[AuditFilter, Query()],
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    events, next_cursor = service.search(session, actor=actor, filters=filters, cursor=cursor, limit=100)
    orgs, _ = organisations.list_organisations(session, actor=actor, limit=500)
    query_string = urlencode(filters.model_dump(mode="json", exclude_none=True))
    return page(
        request,
        "audit/list.jinja",
        {
            "title": "Audit log",
            "events": events,
            "next_cursor": next_cursor,
            "filters": filters,
            "query_string": query_string,
            "org_names": {o.id: o.name for o in orgs},
        },
        actor=actor,
    )
