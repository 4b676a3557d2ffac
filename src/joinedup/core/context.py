"""Per-request facts (client address, request id) that audit rows need, without threading them
through every call."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    client_ip: str | None
    channel: str  # "web", "api", "fhir", "cli"


_current: ContextVar[RequestContext | None] = ContextVar("joinedup_request", default=None)


def set_request_context(ctx: RequestContext) -> None:
    _current.set(ctx)


def request_context() -> RequestContext:
    return _current.get() or RequestContext(request_id="-", client_ip=None, channel="cli")
