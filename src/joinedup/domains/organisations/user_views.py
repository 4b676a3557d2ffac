"""Pages: users. List them, add one, change one's name, email address and roles, deactivate an
account (after a page that says what that stops) or reactivate it; and, for every signed-in
person, the page to choose which of their roles they act in."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from joinedup.core.auth.models import User
from joinedup.core.auth.principal import Principal
from joinedup.core.deps import SESSION_COOKIE, DbSession, require
from joinedup.core.permissions import ROLE_LABELS, ROLE_PERMISSIONS, STAFF_ROLES, Permission
from joinedup.domains.organisations import permissions, schemas, service
from joinedup.web.flash import Flash
from joinedup.web.forms import Field, Form, FormState, FormStates, attempt, many, one
from joinedup.web.posted import read_form
from joinedup.web.render import page

router = APIRouter(include_in_schema=False)
UserReader = Annotated[Principal, Depends(permissions.can_read_users)]
UserManager = Annotated[Principal, Depends(permissions.can_manage_users)]
SignedIn = Annotated[Principal, Depends(require(Permission.HOME_VIEW))]
Id = Annotated[str, Path(min_length=1, max_length=64)]
Text = Annotated[str | None, Query(max_length=200)]
Done = Annotated[str | None, Query(max_length=20)]

_NAME = Field(
    "display_name",
    "Full name",
    required="Enter the person's full name",
    messages={"too_long": "Full name must be 200 characters or fewer", "format": "Enter the full name on one line"},
)
_EMAIL = Field(
    "email",
    "Email address",
    required="Enter an email address",
    messages={
        "format": "Enter an email address in the correct format, like name@example.org",
        "too_long": "Enter an email address in the correct format, like name@example.org",
        "conflict": "Someone else already uses this email address",
    },
)
NEW_USER_FORM = Form(
    "user",
    _NAME,
    _EMAIL,
    Field(
        "password",
        "Temporary password",
        required="Enter a temporary password",
        messages={
            "string_too_short": "Temporary password must be at least 12 characters",
            "too_long": "Temporary password must be 1,024 characters or fewer",
        },
    ),
    Field("organisation_id", "Organisation", kind="choice", required="Select the organisation"),
    Field("role", "Role", kind="choice", required="Select the role"),
)
EDIT_FORM = Form(
    "user",
    _NAME,
    _EMAIL,
    Field(
        "remove",
        "Roles to remove",
        kind="choices",
        key="memberships",
        messages={
            "required": "A person needs at least one role. To stop them signing in, deactivate their account instead",
            "too_many": "A person can hold no more than 20 roles",
        },
    ),
    Field(
        "add_organisation",
        "Organisation",
        kind="choice",
        key="organisation_id",
        messages={"format": "Select the organisation to add the role in", "choice": "Select the organisation"},
    ),
    Field("add_role", "Role to add", kind="choice", key="role", messages={"choice": "Select the role to add"}),
)
ROLE_FORM = Form("roles", Field("role", "Role", kind="choice", required="Select the role you want to use"))
FLASH = Flash(
    {
        "added": "User added",
        "saved": "Changes saved",
        "no-changes": "No changes were made: the details are as they were",
        "deactivated": "Account deactivated. The person cannot sign in, and their sessions and API keys have stopped",
        "reactivated": "Account reactivated. The person can sign in with their password again",
    }
)


def _org_names(session: Session, actor: Principal) -> dict[str, str]:
    rows, _ = service.list_organisations(session, actor=actor, limit=500)
    return {o.id: o.name for o in rows}


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, actor: UserReader, session: DbSession, cursor: Text = None, done: Done = None) -> Response:
    rows, next_cursor = service.list_users(session, actor=actor, cursor=cursor, limit=100)
    shown = [
        {
            "id": u.id,
            "display_name": u.display_name,
            "email": u.email,
            "active": u.active,
            "synthetic": u.synthetic,
            "memberships": service.visible_memberships(u, actor),
        }
        for u in sorted(rows, key=lambda u: u.display_name.lower())
    ]
    context = {
        "title": "Users",
        "users": shown,
        "next_cursor": next_cursor,
        "org_names": _org_names(session, actor),
        "done": FLASH.text(done if done in ("added", "saved") else None),
    }
    return page(request, "users/list.jinja", context, actor=actor)


def _grantable(session: Session, actor: Principal) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The organisations (in the actor's own care system) and roles (no more rights than its own)
    a role may be given in: the service checks each grant again."""
    rows, _ = service.list_organisations(session, actor=actor, limit=500)
    orgs = sorted((o for o in rows if o.system_id == actor.system_id), key=lambda o: o.name.lower())
    roles = sorted(
        (r for r in STAFF_ROLES if ROLE_PERMISSIONS[r] <= ROLE_PERMISSIONS[actor.role]), key=lambda r: ROLE_LABELS[r]
    )
    return [(o.id, o.name) for o in orgs], [(r.value, ROLE_LABELS[r]) for r in roles]


def _new_user_page(request: Request, actor: Principal, session: Session, fs: FormState) -> Response:
    orgs, roles = _grantable(session, actor)
    context = {"title": "Add a user", "forms": FormStates.of(fs), "orgs": orgs, "roles": roles}
    return page(request, "users/new.jinja", context, actor=actor, status_code=422 if fs.failed else 200)


@router.get("/users/new", response_class=HTMLResponse)
def new_user_form(request: Request, actor: UserManager, session: DbSession) -> Response:
    return _new_user_page(request, actor, session, FormState())


def _new_user_body(data: dict[str, Any]) -> dict[str, Any]:
    membership = {"organisation_id": data["organisation_id"], "role": data["role"]}
    return {**{k: data[k] for k in ("email", "display_name", "password")}, "memberships": [membership]}


@router.post("/users/new", response_class=HTMLResponse)
async def create_user(request: Request, actor: UserManager, session: DbSession) -> Response:
    posted = await read_form(request)
    fs, user = NEW_USER_FORM.submit(
        session,
        posted,
        schemas.UserIn,
        lambda data: service.create_user(session, actor=actor, data=data),
        shape=_new_user_body,
    )
    if user is not None:
        return FLASH.redirect("/users", "added")
    fs.values.pop("password", None)  # a password is never shown back
    return _new_user_page(request, actor, session, fs)


def _edit_page(
    request: Request, actor: Principal, session: Session, user_id: str, fs: FormState, done: str | None = None
) -> Response:
    user = service.get_user_to_change(session, actor=actor, user_id=user_id)
    orgs, roles = _grantable(session, actor)
    names = _org_names(session, actor)
    held = [
        (m.id, f"{ROLE_LABELS[m.role]} at {names.get(m.organisation_id, 'another organisation')}")
        for m in user.memberships
    ]
    message = FLASH.text(done if done in ("no-changes", "deactivated", "reactivated") else None)
    context = {
        "title": f"Change {user.display_name}",
        "user": user,
        "held": held,
        "orgs": orgs,
        "roles": roles,
        "forms": FormStates.of(fs),
        "own": user.id == actor.user_id,
        "done": message,
    }
    return page(request, "users/edit.jinja", context, actor=actor, status_code=422 if fs.failed else 200)


@router.get("/users/{user_id}/edit", response_class=HTMLResponse)
def edit_user_form(
    request: Request, actor: UserManager, session: DbSession, user_id: Id, done: Done = None
) -> Response:
    return _edit_page(request, actor, session, user_id, FormState(), done)


def _edit_body(user: User, posted: dict[str, str | list[str]]) -> Any:
    """Arrange the edit form's answers as a UserPatch has them: the email address only if it was
    changed (an address already held is not checked again), the roles only if one is removed or
    added (those held and not ticked for removal, and the one to add)."""

    def shape(data: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"display_name": data["display_name"]}
        email = data["email"]
        if email is None or email.lower() != user.email:
            body["email"] = email
        remove = set(many(posted.get("remove")))
        kept = [
            {"organisation_id": m.organisation_id, "role": m.role.value} for m in user.memberships if m.id not in remove
        ]
        adding = data["add_organisation"] is not None or data["add_role"] is not None
        if adding:
            kept.append({"organisation_id": data["add_organisation"], "role": data["add_role"]})
        if adding or len(kept) != len(user.memberships):
            body["memberships"] = kept
        return body

    return shape


@router.post("/users/{user_id}/edit", response_class=HTMLResponse)
async def edit_user(request: Request, actor: UserManager, session: DbSession, user_id: Id) -> Response:
    posted = await read_form(request)
    user = service.get_user_to_change(session, actor=actor, user_id=user_id)
    fs, edit = EDIT_FORM.submit(
        session,
        posted,
        schemas.UserPatch,
        lambda data: service.edit_user(session, actor=actor, user_id=user_id, data=data),
        shape=_edit_body(user, posted),
    )
    if edit is None:
        return _edit_page(request, actor, session, user_id, fs)
    if not edit.changed:
        return FLASH.redirect(f"/users/{user_id}/edit", "no-changes")
    return FLASH.redirect("/users", "saved")


@router.get("/users/{user_id}/deactivate", response_class=HTMLResponse)
def confirm_deactivate(request: Request, actor: UserManager, session: DbSession, user_id: Id) -> Response:
    user, made = service.deactivation_preview(session, actor=actor, user_id=user_id)
    if not user.active or user.id == actor.user_id:
        return RedirectResponse(f"/users/{user_id}/edit", status_code=303)
    title = f"Deactivate {user.display_name}\u2019s account?"
    context = {"title": title, "user": user, "made": made}
    return page(request, "users/deactivate.jinja", context, actor=actor)


@router.post("/users/{user_id}/deactivate", response_class=HTMLResponse)
async def deactivate_user(request: Request, actor: UserManager, session: DbSession, user_id: Id) -> Response:
    await read_form(request)
    service.deactivate_user(session, actor=actor, user_id=user_id)
    return FLASH.redirect(f"/users/{user_id}/edit", "deactivated")


@router.post("/users/{user_id}/reactivate", response_class=HTMLResponse)
async def reactivate_user(request: Request, actor: UserManager, session: DbSession, user_id: Id) -> Response:
    await read_form(request)
    service.reactivate_user(session, actor=actor, user_id=user_id)
    return FLASH.redirect(f"/users/{user_id}/edit", "reactivated")


def _roles_page(request: Request, actor: Principal, session: Session, fs: FormState) -> Response:
    held = service.roles_held(session, actor=actor)
    context = {"title": "Your roles", "held": held, "forms": FormStates.of(fs)}
    return page(request, "users/roles.jinja", context, actor=actor, status_code=422 if fs.failed else 200)


@router.get("/account/roles", response_class=HTMLResponse)
def roles(request: Request, actor: SignedIn, session: DbSession) -> Response:
    return _roles_page(request, actor, session, FormState())


@router.post("/account/roles", response_class=HTMLResponse)
async def switch_role(request: Request, actor: SignedIn, session: DbSession) -> Response:
    posted = await read_form(request)
    data, fs = ROLE_FORM.read(posted)
    token = request.cookies.get(SESSION_COOKIE)
    if not fs.failed and (
        attempt(
            session,
            fs,
            ROLE_FORM,
            lambda: service.switch_role(session, actor=actor, token=token, membership_id=one(data["role"])),
        )
        is not None
    ):
        return RedirectResponse("/", status_code=303)
    return _roles_page(request, actor, session, fs)
