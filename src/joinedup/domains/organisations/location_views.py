"""Pages: the CQC locations registered to a provider, and registering another. A provider may
publish capacity only for locations registered to it; an administrator of its care system
registers them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession
from joinedup.core.errors import ProblemError, error_loc
from joinedup.domains.organisations import permissions, schemas, service
from joinedup.web.posted import read_form
from joinedup.web.render import page

router = APIRouter(include_in_schema=False)
Manager = Annotated[Principal, Depends(permissions.can_manage_organisations)]
Id = Annotated[str, Path(min_length=1, max_length=64)]
FIELDS = ("cqc_location_id", "name", "postcode")
# What each field needs, in plain words (whatever the rule it broke).
MESSAGES = {
    "cqc_location_id": "Enter the CQC location ID as the CQC register gives it, like 1-123456789",
    "name": "Enter the location's name, on one line, in 200 characters or fewer",
    "postcode": "Enter a real postcode, like M41 5BU, or leave it empty",
}
# The only messages a link may ask this page to show.
DONE = {"registered": "The location is registered. The provider may now publish capacity for it."}


def _page(
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
    return page(
        request,
        "organisations/locations.jinja",
        {
            "title": f"CQC locations: {org.name}",
            "org": org,
            "locations": service.locations_of(session, organisation_id=org.id),
            "form": form or {},
            "errors": errors or {},
            "errors_list": [{"text": m, "href": f"#{k}"} for k, m in (errors or {}).items()],
            "done": DONE.get(done or ""),
        },
        actor=actor,
        status_code=status_code,
    )


@router.get("/organisations/{organisation_id}/locations", response_class=HTMLResponse)
def locations(
    request: Request,
    actor: Manager,
    session: DbSession,
    organisation_id: Id,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    return _page(request, actor, session, organisation_id, done=done)


def _form_errors(exc: ValidationError | ProblemError) -> dict[str, str]:
    if isinstance(exc, ValidationError):
        named = {str(loc[0]) for e in exc.errors() if (loc := error_loc(e))}
        return {f: MESSAGES[f] for f in FIELDS if f in named}
    if exc.status == 409:
        return {"cqc_location_id": "This CQC location is already registered, to this or another organisation"}
    return {"cqc_location_id": "Only a care provider has CQC locations" if exc.status == 422 else exc.detail or ""}


@router.post("/organisations/{organisation_id}/locations", response_class=HTMLResponse)
async def register(request: Request, actor: Manager, session: DbSession, organisation_id: Id) -> Response:
    posted = await read_form(request)  # its size limited and its CSRF token checked
    form = {k: v if isinstance(v, str) else v[0] for k, v in posted.items() if k in FIELDS}
    typed: dict[str, Any] = {k: v.strip() for k, v in form.items() if v.strip()}
    unreadable = {k: MESSAGES[k] for k, v in typed.items() if "\ufffd" in v}  # bytes that were not UTF-8
    if unreadable:
        return _page(request, actor, session, organisation_id, form=form, errors=unreadable, status_code=422)
    try:
        data = schemas.LocationIn.model_validate({**typed, "cqc_location_id": typed.get("cqc_location_id", "").upper()})
        service.register_location(session, actor=actor, organisation_id=organisation_id, data=data)
    except (ValidationError, ProblemError) as exc:
        if isinstance(exc, ProblemError) and (exc.status >= 500 or exc.status in (403, 404)):
            raise
        return _page(request, actor, session, organisation_id, form=form, errors=_form_errors(exc), status_code=422)
    return RedirectResponse(f"/organisations/{organisation_id}/locations?done=registered", status_code=303)
