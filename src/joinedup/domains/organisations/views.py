"""Pages: the organisation directory. Its API keys, CQC locations and users have pages of their own
(credential_views, location_views, user_views), mounted here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession
from joinedup.core.permissions import Permission, Role
from joinedup.domains.organisations import (
    credential_views,
    location_views,
    permissions,
    schemas,
    service,
    user_views,
)
from joinedup.domains.organisations.schemas import OrganisationType
from joinedup.web.forms import Field, Form, FormState
from joinedup.web.posted import read_form
from joinedup.web.render import page
from joinedup.web.words import label

router = APIRouter(include_in_schema=False)
router.include_router(credential_views.router)  # an organisation's API keys
router.include_router(location_views.router)  # the CQC locations registered to a provider
router.include_router(user_views.router)  # users, and a person's own roles
Reader = Annotated[Principal, Depends(permissions.can_read_organisations)]
Manager = Annotated[Principal, Depends(permissions.can_manage_organisations)]
Text = Annotated[str | None, Query(max_length=200)]


ORGANISATION_FORM = Form(
    "organisation",
    Field(
        "name",
        "Name",
        required="Enter the organisation's name",
        messages={"too_long": "Name must be 200 characters or fewer", "format": "Enter the name on one line"},
    ),
    Field("type", "Type", kind="choice", messages={"choice": "Select the type of organisation"}),
    Field(
        "ods_code",
        "ODS code",
        messages={"format": "Enter the ODS code as 3 to 12 letters and numbers, like RM2"},
    ),
    Field(
        "cqc_location_id",
        "CQC location ID",
        messages={
            "format": "Enter the CQC location ID as the CQC register gives it, like 1-123456789",
            "conflict": "This CQC location is already registered, to this or another organisation",
        },
    ),
)


@router.get("/organisations", response_class=HTMLResponse)
def organisations(request: Request, actor: Reader, session: DbSession, q: Text = None, cursor: Text = None) -> Response:
    rows, next_cursor = service.list_organisations(session, actor=actor, q=q, cursor=cursor, limit=200)
    rows = sorted(rows, key=lambda o: o.name.lower())
    return page(
        request,
        "organisations/list.jinja",
        {"title": "Organisations", "organisations": rows, "q": q, "next_cursor": next_cursor},
        actor=actor,
    )


def _org_form(request: Request, actor: Principal, posted: FormState, status_code: int = 200) -> Response:
    return page(
        request,
        "organisations/new.jinja",
        {
            "title": "Add an organisation",
            "fs": posted,
            "types": [(t.value, label(t)) for t in OrganisationType],
        },
        actor=actor,
        status_code=status_code,
    )


@router.get("/organisations/new", response_class=HTMLResponse)
def new_organisation_form(request: Request, actor: Manager) -> Response:
    return _org_form(request, actor, FormState())


@router.post("/organisations/new", response_class=HTMLResponse)
async def create_organisation(request: Request, actor: Manager, session: DbSession) -> Response:
    posted, org = ORGANISATION_FORM.submit(
        session,
        await read_form(request),
        schemas.OrganisationIn,
        lambda data: service.create_organisation(session, actor=actor, data=data),
    )
    if org is None:
        return _org_form(request, actor, posted, status_code=422)
    return RedirectResponse(f"/organisations/{org.id}", status_code=303)


@router.get("/organisations/{organisation_id}", response_class=HTMLResponse)
def organisation(request: Request, actor: Reader, session: DbSession, organisation_id: str) -> Response:
    org = service.get_organisation(session, actor=actor, organisation_id=organisation_id)
    # Credentials are managed by the organisation itself, or by a system administrator.
    keys = actor.can(Permission.CREDENTIALS_MANAGE) and (
        actor.role is Role.SYSTEM_ADMINISTRATOR or actor.organisation_id == org.id
    )
    return page(
        request, "organisations/detail.jinja", {"title": org.name, "org": org, "manages_keys": keys}, actor=actor
    )
