"""The audit log viewer."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession
from joinedup.core.permissions import ROLE_LABELS
from joinedup.domains.audit import permissions, service
from joinedup.domains.audit.schemas import AuditFilter
from joinedup.domains.organisations import service as organisations
from joinedup.web.render import page
from joinedup.web.words import ACTOR_KINDS, CHANNELS, audit_action

router = APIRouter(include_in_schema=False)
# The kinds of action the log can be narrowed to (an action prefix ending in a full stop).
ACTION_FAMILIES = {
    "auth.": "Signing in and out",
    "user.": "Users",
    "organisation.": "Organisations",
    "api_key.": "API keys",
    "capacity_service.": "Capacity services",
    "discharge_patient.": "Patients",
    "discharge_assessment.": "Assessments",
    "discharge_referral.": "Referrals",
    "discharge_delay.": "Delays",
    "neighbourhoods.": "Neighbourhood studies",
    "saved_view.": "Saved views",
    "audit.": "The audit log itself",
}
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
    # As the API reads them: a flag is the text true or false (never Python's True).
    shown = filters.model_dump(mode="json", exclude_none=True)
    query_string = urlencode({k: str(v).lower() if isinstance(v, bool) else v for k, v in shown.items()})
    kinds = [{"value": "", "text": "Any action"}] + [
        {"value": code, "text": text, "selected": filters.action == code} for code, text in ACTION_FAMILIES.items()
    ]
    if filters.action and filters.action not in ACTION_FAMILIES:
        kinds.append({"value": filters.action, "text": audit_action(filters.action), "selected": True})
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
            "names": service.actor_names(session, events=events),
            "action_items": kinds,
            "roles": {role.value: text for role, text in ROLE_LABELS.items()},
            "channels": CHANNELS,
            "actor_kinds": ACTOR_KINDS,
        },
        actor=actor,
    )
