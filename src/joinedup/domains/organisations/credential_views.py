"""Pages: an organisation's API keys. List them, make one (its secret shown once, never again) and
revoke one after saying what that does."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from joinedup.core.auth.models import AccessLevel, ApiKey
from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession
from joinedup.core.errors import not_found
from joinedup.domains.organisations import permissions, schemas, service
from joinedup.web.flash import Flash
from joinedup.web.render import check_csrf, page

router = APIRouter(include_in_schema=False)
Manager = Annotated[Principal, Depends(permissions.can_manage_credentials)]
Id = Annotated[str, Path(min_length=1, max_length=64)]
ACCESS = {
    AccessLevel.READ.value: ("Read only", "Its software can read capacity but not change it."),
    AccessLevel.READ_WRITE.value: ("Read and write", "Its software can send capacity updates for your services."),
}
FLASH = Flash({"revoked": "The key was revoked. Software using it can no longer connect."})


def _keys_page(
    request: Request,
    actor: Principal,
    session: DbSession,
    organisation_id: str,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    org = service.get_organisation(session, actor=actor, organisation_id=organisation_id)
    keys = service.list_api_keys(session, actor=actor, organisation_id=organisation_id)
    form = form or {}
    return page(
        request,
        "organisations/api_keys.jinja",
        {
            "title": f"API keys: {org.name}",
            "org": org,
            "keys": sorted(keys, key=lambda k: (k.revoked_at is not None, k.name.lower())),
            "access": ACCESS,
            "form": form,
            "errors": errors or {},
            "errors_list": [{"text": m, "href": f"#{k}"} for k, m in (errors or {}).items()],
            "done": FLASH.text(done),
        },
        actor=actor,
        status_code=status_code,
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
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, form.pop("csrf_token", None))
    errors: dict[str, str] = {}
    name = form.get("name", "").strip()
    if not name:
        errors["name"] = "Enter a name for the key, like the name of the software that will use it"
    if form.get("access") not in ACCESS:
        errors["access"] = "Choose what the key may do"
    if not errors:
        try:
            data = schemas.CredentialIn(name=name, access=AccessLevel(form["access"]))
        except ValidationError:
            errors["name"] = "Enter a name of 200 characters or fewer, on one line"
        else:
            row, key = service.create_api_key(session, actor=actor, organisation_id=organisation_id, data=data)
            return page(
                request,
                "organisations/api_key_created.jinja",
                {"title": "API key created", "key": key, "row": row, "access": ACCESS, "org_id": organisation_id},
                actor=actor,
                status_code=201,
            )
    return _keys_page(request, actor, session, organisation_id, form=form, errors=errors, status_code=422)


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
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    service.revoke(session, actor=actor, organisation_id=organisation_id, kind=ApiKey, credential_id=key_id)
    return FLASH.redirect(f"/organisations/{organisation_id}/api-keys", "revoked")
