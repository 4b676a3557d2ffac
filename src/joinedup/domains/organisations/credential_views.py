"""Pages: an organisation's API keys. List them, make one (its secret shown once, never again) and
revoke one after saying what that does."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from joinedup.core.auth.models import AccessLevel, ApiKey
from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession
from joinedup.core.errors import not_found
from joinedup.domains.organisations import permissions, schemas, service
from joinedup.web.flash import Flash
from joinedup.web.forms import Field, Form, FormState
from joinedup.web.posted import read_form
from joinedup.web.render import page

router = APIRouter(include_in_schema=False)
Manager = Annotated[Principal, Depends(permissions.can_manage_credentials)]
Id = Annotated[str, Path(min_length=1, max_length=64)]
ACCESS = {
    AccessLevel.READ.value: ("Read only", "Its software can read capacity but not change it."),
    AccessLevel.READ_WRITE.value: ("Read and write", "Its software can send capacity updates for your services."),
}
FLASH = Flash({"revoked": "The key was revoked. Software using it can no longer connect."})


KEY_FORM = Form(
    "key",
    Field(
        "name",
        "Name",
        required="Enter a name for the key, like the name of the software that will use it",
        messages={"too_long": "Name must be 200 characters or fewer", "format": "Enter the name on one line"},
    ),
    Field(
        "access",
        "What the key may do",
        kind="choice",
        required="Choose what the key may do",
        messages={"choice": "Choose what the key may do"},
    ),
)


def _keys_page(
    request: Request,
    actor: Principal,
    session: DbSession,
    organisation_id: str,
    *,
    posted: FormState | None = None,
    done: str | None = None,
) -> Response:
    org = service.get_organisation(session, actor=actor, organisation_id=organisation_id)
    keys = service.list_api_keys(session, actor=actor, organisation_id=organisation_id)
    posted = posted or FormState()
    return page(
        request,
        "organisations/api_keys.jinja",
        {
            "title": f"API keys: {org.name}",
            "org": org,
            "keys": sorted(keys, key=lambda k: (k.revoked_at is not None, k.name.lower())),
            "access": ACCESS,
            "fs": posted,
            "done": FLASH.text(done),
        },
        actor=actor,
        status_code=422 if posted.failed else 200,
    )


@router.get("/organisations/{organisation_id}/api-keys", response_class=HTMLResponse)
def api_keys(
    request: Request,
    actor: Manager,
    session: DbSession,
    organisation_id: Id,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    return _keys_page(request, actor, session, organisation_id, done=done)


@router.post("/organisations/{organisation_id}/api-keys", response_class=HTMLResponse)
async def create_api_key(request: Request, actor: Manager, session: DbSession, organisation_id: Id) -> Response:
    posted, made = KEY_FORM.submit(
        session,
        await read_form(request),
        schemas.CredentialIn,
        lambda data: service.create_api_key(session, actor=actor, organisation_id=organisation_id, data=data),
    )
    if made is None:
        return _keys_page(request, actor, session, organisation_id, posted=posted)
    row, key = made
    return page(
        request,
        "organisations/api_key_created.jinja",
        {"title": "API key created", "key": key, "row": row, "access": ACCESS, "org_id": organisation_id},
        actor=actor,
        status_code=201,
    )


def _key(session: DbSession, actor: Principal, organisation_id: str, key_id: str) -> Any:
    for row in service.list_api_keys(session, actor=actor, organisation_id=organisation_id):
        if row.id == key_id:
            return row
    raise not_found("API key", key_id)


@router.get("/organisations/{organisation_id}/api-keys/{key_id}/revoke", response_class=HTMLResponse)
def confirm_revoke(request: Request, actor: Manager, session: DbSession, organisation_id: Id, key_id: Id) -> Response:
    row = _key(session, actor, organisation_id, key_id)
    if row.revoked_at is not None:
        return RedirectResponse(f"/organisations/{organisation_id}/api-keys", status_code=303)
    return page(
        request,
        "organisations/api_key_revoke.jinja",
        {"title": f"Revoke the key “{row.name}”?", "row": row, "org_id": organisation_id},
        actor=actor,
    )


@router.post("/organisations/{organisation_id}/api-keys/{key_id}/revoke", response_class=HTMLResponse)
async def revoke_api_key(
    request: Request, actor: Manager, session: DbSession, organisation_id: Id, key_id: Id
) -> Response:
    await read_form(request)  # its size limited and its CSRF token checked; it holds nothing else
    service.revoke(session, actor=actor, organisation_id=organisation_id, kind=ApiKey, credential_id=key_id)
    return FLASH.redirect(f"/organisations/{organisation_id}/api-keys", "revoked")
