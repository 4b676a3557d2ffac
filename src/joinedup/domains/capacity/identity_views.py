"""Pages: a system administrator approves or rejects the services whose name, CQC location id or
place is new or changed. Until approved, a service is offered to no one and counts in no total.
Rejecting asks first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession
from joinedup.core.errors import not_found
from joinedup.domains.capacity import permissions, service
from joinedup.web.posted import read_form
from joinedup.web.render import page

router = APIRouter(include_in_schema=False)
# An administrator of the care system (decide_identity checks the service is of its system).
Approver = Annotated[Principal, Depends(permissions.can_approve_services)]
ServiceId = Annotated[str, Path(min_length=1, max_length=64)]
KINDS = {"care_home": "Care home", "homecare": "Homecare", "reablement": "Reablement"}
# The only messages a link may ask this page to show.
DONE = {
    "approved": "The service is approved. It is now offered as a match and counts in the system's figures.",
    "rejected": "The service is rejected. It stays out of matching and the figures until its provider changes it "
    "and you approve the change.",
}


@router.get("/capacity/approvals", response_class=HTMLResponse)
def approvals(
    request: Request, actor: Approver, session: DbSession, done: Annotated[str | None, Query(max_length=20)] = None
) -> Response:
    reviews = service.awaiting_approval(session, actor=actor)
    return page(
        request,
        "capacity/approvals.jinja",
        {"title": "Services awaiting approval", "reviews": reviews, "kinds": KINDS, "done": DONE.get(done or "")},
        actor=actor,
    )


def _review(session: DbSession, actor: Principal, service_id: str) -> service.Review:
    for review in service.awaiting_approval(session, actor=actor):
        if review.service_id == service_id:
            return review
    raise not_found("service awaiting approval", service_id)


@router.post("/capacity/approvals/{service_id}/approve", response_class=HTMLResponse)
async def approve(request: Request, actor: Approver, session: DbSession, service_id: ServiceId) -> Response:
    await read_form(request)  # its size limited and its CSRF token checked; it holds nothing else
    service.decide_identity(session, actor=actor, service_id=service_id, approve=True)
    return RedirectResponse("/capacity/approvals?done=approved", status_code=303)


@router.get("/capacity/approvals/{service_id}/reject", response_class=HTMLResponse)
def confirm_reject(request: Request, actor: Approver, session: DbSession, service_id: ServiceId) -> Response:
    review = _review(session, actor, service_id)
    return page(
        request,
        "capacity/approval_reject.jinja",
        {"title": f"Reject “{review.name}”?", "review": review, "kinds": KINDS},
        actor=actor,
    )


@router.post("/capacity/approvals/{service_id}/reject", response_class=HTMLResponse)
async def reject(request: Request, actor: Approver, session: DbSession, service_id: ServiceId) -> Response:
    await read_form(request)
    service.decide_identity(session, actor=actor, service_id=service_id, approve=False)
    return RedirectResponse("/capacity/approvals?done=rejected", status_code=303)
