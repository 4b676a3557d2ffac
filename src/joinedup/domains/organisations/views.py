"""Pages: the organisation directory and user administration."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession
from joinedup.core.errors import ProblemError, error_loc, error_message
from joinedup.core.permissions import ROLE_LABELS, STAFF_ROLES, Permission, Role
from joinedup.domains.organisations import credential_views, permissions, schemas, service
from joinedup.domains.organisations.models import Organisation
from joinedup.domains.organisations.schemas import OrganisationType
from joinedup.web.render import check_csrf, page
from joinedup.web.words import label

router = APIRouter(include_in_schema=False)
router.include_router(credential_views.router)  # an organisation's API keys
Reader = Annotated[Principal, Depends(permissions.can_read_organisations)]
Manager = Annotated[Principal, Depends(permissions.can_manage_organisations)]
UserReader = Annotated[Principal, Depends(permissions.can_read_users)]
UserManager = Annotated[Principal, Depends(permissions.can_manage_users)]
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


def _org_names(session: DbSession, actor: Principal) -> dict[str, str]:
    rows, _ = service.list_organisations(session, actor=actor, limit=500)
    return {o.id: o.name for o in rows}


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, actor: UserReader, session: DbSession, cursor: Text = None) -> Response:
    rows, next_cursor = service.list_users(session, actor=actor, cursor=cursor, limit=100)
    shown = [
        {
            "display_name": u.display_name,
            "email": u.email,
            "active": u.active,
            "synthetic": u.synthetic,
            "memberships": service.visible_memberships(u, actor),
        }
        for u in rows
    ]
    return page(
        request,
        "users/list.jinja",
        {"title": "Users", "users": shown, "next_cursor": next_cursor, "org_names": _org_names(session, actor)},
        actor=actor,
    )


def _user_form(
    request: Request,
    actor: Principal,
    session: DbSession,
    form: dict[str, Any],
    errors: dict[str, str] | None = None,
    errors_list: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    orgs: list[Organisation] = sorted(
        service.list_organisations(session, actor=actor, limit=500)[0], key=lambda o: o.name
    )
    org_items = [{"value": o.id, "text": o.name, "selected": form.get("organisation_id") == o.id} for o in orgs]
    role_items = [
        {"value": r.value, "text": ROLE_LABELS[r], "selected": form.get("role") == r.value}
        for r in sorted(STAFF_ROLES, key=lambda r: ROLE_LABELS[r])
    ]
    return page(
        request,
        "users/new.jinja",
        {
            "title": "Add a user",
            "form": form,
            "errors": errors or {},
            "errors_list": errors_list or [],
            "org_items": org_items,
            "role_items": role_items,
        },
        actor=actor,
        status_code=status_code,
    )


@router.get("/users/new", response_class=HTMLResponse)
def new_user_form(request: Request, actor: UserManager, session: DbSession) -> Response:
    return _user_form(request, actor, session, {})


@router.post("/users/new", response_class=HTMLResponse)
async def create_user(request: Request, actor: UserManager, session: DbSession) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, form.pop("csrf_token", None))
    payload = {
        "email": form.get("email", ""),
        "display_name": form.get("display_name", ""),
        "password": form.get("password", ""),
        "memberships": [{"organisation_id": form.get("organisation_id", ""), "role": form.get("role", "")}],
    }
    try:
        service.create_user(session, actor=actor, data=schemas.UserIn.model_validate(payload))
    except (ValidationError, ProblemError) as exc:
        if isinstance(exc, ProblemError) and exc.status >= 500:
            raise
        errors, errors_list = _errors(exc)
        # Membership errors point at the select boxes on the form.
        for key in ("memberships", "0"):
            if key in errors:
                errors["organisation_id"] = errors.pop(key)
        form.pop("password", None)
        return _user_form(request, actor, session, form, errors, errors_list, status_code=422)
    return RedirectResponse("/users", status_code=303)
