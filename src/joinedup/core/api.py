"""Platform routes: health, who-am-I, OAuth2 token endpoint, the live event stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Header, Query, Request
from pydantic import BaseModel, StringConstraints
from sqlalchemy import select, text
from sse_starlette.sse import EventSourceResponse

from joinedup import __version__
from joinedup.core import event_access
from joinedup.core.auth import service as auth_service
from joinedup.core.auth.principal import Principal
from joinedup.core.deps import StateDep, no_caller, public, require
from joinedup.core.errors import PROBLEM_RESPONSES
from joinedup.core.events import Event
from joinedup.core.outbox import OutboxEvent
from joinedup.core.permissions import Permission, Role
from joinedup.core.state import AppState
from joinedup.db.tenancy import Scope

router = APIRouter(responses=PROBLEM_RESPONSES)
Anyone = Annotated[Principal | None, Depends(public())]
NoCaller = Annotated[None, Depends(no_caller())]
Listener = Annotated[Principal, Depends(require(Permission.EVENTS_LISTEN))]
Home = Annotated[Principal, Depends(require(Permission.HOME_VIEW))]


class Health(BaseModel):
    status: str
    version: str
    database: str


class Me(BaseModel):
    kind: str
    id: str
    role: Role
    organisation_id: str | None
    system_id: str | None
    can_write: bool
    visible_organisation_count: int


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int
    scope: str


@router.get("/health", response_model=Health, tags=["platform"])
def health(_: NoCaller, state: StateDep) -> Health:
    # On the platform's own connections: a full request pool does not fail the health check.
    with state.platform_engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return Health(status="ok", version=__version__, database=state.engine.dialect.name)


@router.get("/me", response_model=Me, tags=["platform"])
def me(actor: Home) -> Me:
    return Me(
        kind=actor.kind,
        id=actor.actor_id,
        role=actor.role,
        organisation_id=actor.organisation_id,
        system_id=actor.system_id,
        can_write=actor.can_write,
        visible_organisation_count=len(actor.visible_organisation_ids),
    )


@router.post("/oauth/token", response_model=TokenOut, tags=["platform"])
def token(
    _: Anyone,
    state: StateDep,
    grant_type: Annotated[Literal["client_credentials"], Form(description="Only client_credentials")],
    client_id: Annotated[str, Form(min_length=1, max_length=100)],
    client_secret: Annotated[str, Form(min_length=1, max_length=200)],
) -> TokenOut:
    """OAuth2 client-credentials grant (RFC 6749 §4.4) for provider systems."""
    with state.session_factory() as session:
        session.info["scope"] = Scope.system("authentication")
        access_token, lifetime, scope = auth_service.issue_client_token(
            session, state.settings, client_id=client_id, client_secret=client_secret
        )
        session.commit()
    return TokenOut(access_token=access_token, expires_in=lifetime, scope=scope)


# Topics are dotted lower-case names (organisation.updated); a prefix selects a family.
Topic = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[a-z_]+(\.[a-z_]+)*$")]


def event_view(actor: Principal, topics: frozenset[str]) -> Callable[[Event], Event | None]:
    """Each event as this listener may hear it (core.event_access), on the topics it asked for."""

    def view(event: Event) -> Event | None:
        if topics and not any(event.topic == t or event.topic.startswith(t + ".") for t in topics):
            return None
        return event_access.as_heard_by(actor, event)

    return view


# One server-sent event; `data` is JSON: {id, topic, organisation_id, system_id, record_id, payload, created_at}.
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"event": {"type": "string"}, "id": {"type": "string"}, "data": {"type": "string"}},
    "required": ["event", "data"],
}


def _replay(state: AppState, view: Callable[[Event], Event | None], after_id: int) -> list[Event]:
    """Events a reconnecting page missed (Last-Event-ID), from the outbox table."""
    with state.session_factory() as session:
        session.info["scope"] = Scope.system("event replay")
        rows = session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.id > after_id, OutboxEvent.relayed_at.is_not(None))
            .order_by(OutboxEvent.id)
            .limit(500)
        ).all()
        events = [r.to_event() for r in rows]
    return [heard for heard in map(view, events) if heard is not None]


@router.get(
    "/events",
    tags=["platform"],
    response_class=EventSourceResponse,
    responses={
        200: {"content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}}, "description": "Server-sent events"}
    },
)
async def events(
    actor: Listener,
    state: StateDep,
    request: Request,
    topic: Annotated[
        list[Topic], Query(description="Topic or topic prefix, e.g. organisation or capacity.updated")
    ] = [],  # noqa: B006 - FastAPI copies defaults
    max_seconds: Annotated[float | None, Query(ge=0, le=3600, description="Close the stream after this long")] = None,
    last_event_id: Annotated[int | None, Header(alias="Last-Event-ID", ge=0, le=2**63 - 1)] = None,
) -> EventSourceResponse:
    """Server-sent events for changes the caller could read through the API. Payloads carry ids only.

    An event reaches a listener only if its role and organisation could read the event's subject
    through the API; one who reads only the figures it changes (the system picture) hears a
    notice with no record id or payload. A client that reconnects with Last-Event-ID first gets
    the events it missed.
    """
    if not event_access.rules_registered():
        raise RuntimeError("no event rules registered: call joinedup.main.wire() at start-up")
    view = event_view(actor, frozenset(topic))
    sub = state.bus.subscribe(lambda event: view(event) is not None)
    missed = await asyncio.to_thread(_replay, state, view, last_event_id) if last_event_id is not None else []
    deadline = None if max_seconds is None else asyncio.get_running_loop().time() + max_seconds

    def message(event: Event) -> dict[str, str]:
        return {"event": event.topic, "id": str(event.id), "data": json.dumps(event.as_json())}

    async def stream() -> AsyncIterator[dict[str, str]]:
        try:
            yield {"event": "ready", "data": "{}"}
            seen = 0
            for event in missed:
                seen = event.id
                yield message(event)
            while not await request.is_disconnected():
                remaining = 15.0 if deadline is None else deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    event = await asyncio.wait_for(sub.queue.get(), timeout=min(remaining, 15.0))
                except TimeoutError:
                    continue
                heard = view(event)
                if heard is not None and event.id > seen:
                    yield message(heard)
        finally:
            state.bus.unsubscribe(sub)

    return EventSourceResponse(stream(), ping=15)
