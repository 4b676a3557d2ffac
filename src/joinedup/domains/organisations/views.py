"""Pages: the organisation directory. Its API keys, CQC locations and users have pages of their own
(credential_views, location_views, user_views), mounted here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession
from joinedup.core.errors import ProblemError, error_loc, error_message
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
from joinedup.web.render import check_csrf, page
from joinedup.web.words import label

router = APIRouter(include_in_schema=False)
router.include_router(credential_views.router)  # an organisation's API keys
router.include_router(location_views.router)  # the CQC locations registered to a provider
router.include_router(user_views.router)  # users, and a person's own roles
Reader = Annotated[Principal, Depends(permissions.can_read_organisations)]
Manager = Annotated[Principal, Depends(permissions.can_manage_organisations)]
Text = Annotated[str | None, Query(max_length=200)]


def _errors(exc: ValidationError | ProblemError) -> tuple[dict[str, str], list[dict[str, str]]]:
    if isinstance(exc, ValidationError):
        # Each error against the form field it is about (the first part of its path).
        pairs = [(str(loc[0]) if (loc := error_loc(e)) else "form", error_message(e)) for e in exc.errors()]
    else:
        pairs = [(e.field.split(".")[-1], e.message) for e in exc.errors] or [("form", exc.detail or exc.title)]
    errors = dict(pairs)
    return errors, [{"text": msg, "href": f"#{field}"} for field, msg in errors.items()]


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


def _org_form(
    request: Request,
    actor: Principal,
    form: dict[str, Any],
    errors: dict[str, str] | None = None,
    errors_list: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    type_items = [
        {"value": t.value, "text": label(t), "selected": form.get("type") == t.value} for t in OrganisationType
    ]
    return page(
        request,
        "organisations/new.jinja",
        {
            "title": "Add an organisation",
            "form": form,
            "errors": errors or {},
            "errors_list": errors_list or [],
            "type_items": type_items,
        },
        actor=actor,
        status_code=status_code,
    )


@router.get("/organisations/new", response_class=HTMLResponse)
def new_organisation_form(request: Request, actor: Manager) -> Response:
    return _org_form(request, actor, {})


@router.post("/organisations/new", response_class=HTMLResponse)
async def create_organisation(request: Request, actor: Manager, session: DbSession) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, form.pop("csrf_token", None))
    cleaned = {k: v for k, v in form.items() if v.strip()}
    try:
        org = service.create_organisation(session, actor=actor, data=schemas.OrganisationIn.model_validate(cleaned))
    except (ValidationError, ProblemError) as exc:
        if isinstance(exc, ProblemError) and exc.status >= 500:
            raise
        errors, errors_list = _errors(exc)
        return _org_form(request, actor, form, errors, errors_list, status_code=422)
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
