"""Shedding load early and honestly, and limiting what one request may cost.

- **A turn per request.** At most `db_pool_size` requests run at once (each holds at most one
  of the request pool's connections at a time, and the pool's overflow is left to background
  work); others wait in a bounded queue for `request_queue_seconds`. A request that gets no turn,
  or no connection within `db_pool_timeout_seconds`, or finds SQLite's write lock held too long,
  is answered 503 with `Retry-After`, a problem document (a page for the pages): never a 500
  after 30 s. The health check, static files and the live event stream take no turn.
- **Bodies.** A body declared larger than `max_request_body_mib` is refused (413) before it is
  read; one that streams past the limit stops being read; one that has not arrived within
  `body_timeout_seconds` is a 408. Each is a problem naming the field `body`.
- **Headers.** `server_options` gives uvicorn a protocol that closes a connection whose request
  line and headers have not arrived within `header_timeout_seconds`, and keep-alive and
  connection limits (`joinedup serve`).
"""

from __future__ import annotations

import asyncio
import collections
import inspect
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from joinedup.config import Settings, get_settings
from joinedup.core.errors import FieldError, ProblemError
from joinedup.logs import get_logger

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = get_logger(__name__)
RETRY_AFTER_SECONDS = 2
# Paths that take no turn: they use no request-pool connection, or (the event stream) hold
# their connection for as long as the listener stays.
NO_TURN = ("/api/v1/health", "/static/", "/api/v1/events")
MIB = 1024 * 1024
BUSY_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sorry, the service is busy &ndash; joinedup</title>
<link rel="stylesheet" href="/static/vendor/nhsuk/nhsuk-frontend.min.css"></head>
<body><div class="nhsuk-width-container"><main class="nhsuk-main-wrapper" id="maincontent">
<h1>Sorry, the service is busy</h1>
<p>Too many people are using it at this moment. Try again in a few seconds.</p>
</main></div></body></html>
"""


def busy(detail: str) -> ProblemError:
    return ProblemError(
        503,
        "busy",
        "Service busy",
        detail,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


class BodyRefused(StarletteHTTPException):
    """A body too large or too slow. Raised from the request's receive channel, so it meets
    FastAPI's body parsing, which passes HTTPExceptions through untouched; `install` answers it
    as the problem it carries. Connection: close, so the server stops receiving the rest of a
    body nobody will read."""

    def __init__(self, status: int, code: str, title: str, message: str) -> None:
        headers = {"Connection": "close"}
        super().__init__(status, message, headers=headers)
        self.problem = ProblemError(
            status,
            code,
            title,
            message,
            errors=[FieldError(field="body", message=message, code=code)],
            headers=headers,
        )


def too_large(max_bytes: int) -> BodyRefused:
    return BodyRefused(413, "too_large", "Request too large", f"at most {max_bytes / MIB:g} MiB per request")


async def _respond(fastapi_app: FastAPI, request: Request, exc: ProblemError) -> Response:
    """The app's answer to a ProblemError (a problem document, or a page for the pages), with
    the error's headers (the page handler does not add them)."""
    answered = fastapi_app.exception_handlers[ProblemError](request, exc)
    response: Response = await answered if inspect.isawaitable(answered) else answered
    response.headers.update(exc.headers)
    return response


async def _answer(fastapi_app: FastAPI, scope: Scope, receive: Receive, send: Send, exc: ProblemError) -> None:
    response = await _respond(fastapi_app, Request(scope, receive), exc)
    await response(scope, receive, send)


class AdmissionLimit:
    """At most `limit` requests at once; up to `queue` more wait their turn (first come, first
    served) for at most `wait_seconds`; the rest are answered 503 at once."""

    def __init__(self, app: ASGIApp, *, fastapi_app: FastAPI, limit: int, queue: int, wait_seconds: float) -> None:
        self.app, self.fastapi_app = app, fastapi_app
        self.limit, self.queue, self.wait_seconds = limit, queue, wait_seconds
        self.active = 0
        self.waiting: collections.deque[asyncio.Future[None]] = collections.deque()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(NO_TURN):
            await self.app(scope, receive, send)
            return
        if not await self._enter():
            refusal = busy("Too many requests are being served; try again shortly.")
            if str(scope["path"]).startswith(("/api/", "/fhir/")):
                await _answer(self.fastapi_app, scope, receive, send, refusal)
            else:  # a page: a plain one, as shedding load must cost next to nothing
                page = HTMLResponse(BUSY_PAGE, 503, headers={**refusal.headers, "Cache-Control": "no-store"})
                await page(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._leave()

    async def _enter(self) -> bool:
        if self.active < self.limit and not self.waiting:
            self.active += 1
            return True
        if len(self.waiting) >= self.queue:
            return False
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        try:
            await asyncio.wait_for(turn, self.wait_seconds)
        except TimeoutError:
            return False
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._leave()  # given a turn as the client went away: pass it on
            raise
        finally:
            if turn in self.waiting:
                self.waiting.remove(turn)
        return True

    def _leave(self) -> None:
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(None)  # the turn passes straight to the next in the queue
                return
        self.active -= 1


class BodyLimit:
    """Refuses a body declared larger than `max_bytes` before reading it; stops reading one that
    streams past it (413); times out one that has not arrived within `timeout_seconds` (408)."""

    def __init__(self, app: ASGIApp, *, fastapi_app: FastAPI, max_bytes: int, timeout_seconds: float) -> None:
        self.app, self.fastapi_app = app, fastapi_app
        self.max_bytes, self.timeout_seconds = max_bytes, timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _answer(self.fastapi_app, scope, receive, send, too_large(self.max_bytes).problem)
            return
        await self.app(scope, self._limited(receive), send)

    def _limited(self, receive: Receive) -> Receive:
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        received = 0
        complete = False

        async def limited() -> Message:
            nonlocal deadline, received, complete
            if complete:  # after the body: waiting for a disconnect, for as long as it takes
                return await receive()
            deadline = deadline or loop.time() + self.timeout_seconds
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise BodyRefused(
                    408,
                    "timeout",
                    "Request timeout",
                    f"the body did not arrive within {self.timeout_seconds:g} seconds",
                ) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise too_large(self.max_bytes)
                complete = not message.get("more_body", False)
            else:
                complete = True
            return message

        return limited


def install(app: FastAPI, settings: Settings) -> None:
    """Add the limits to `app` (call before the app's other middleware: they answer through the
    app's problem handlers, inside its request context) and answer a database that is too busy
    with a 503."""
    app.add_middleware(
        AdmissionLimit,
        fastapi_app=app,
        limit=settings.db_pool_size,
        queue=settings.db_pool_size * 10,
        wait_seconds=settings.request_queue_seconds,
    )
    app.add_middleware(
        BodyLimit,
        fastapi_app=app,
        max_bytes=int(settings.max_request_body_mib * MIB),
        timeout_seconds=settings.body_timeout_seconds,
    )

    async def pool_timeout(request: Request, exc: Exception) -> Response:
        log.warning("database_pool_exhausted", path=request.url.path)
        return await _respond(app, request, busy("The database is busy; try again shortly."))

    async def operational(request: Request, exc: Exception) -> Response:
        if "database is locked" in str(getattr(exc, "orig", exc)):  # SQLite's busy timeout passed
            log.warning("database_locked", path=request.url.path)
            return await _respond(app, request, busy("The database is busy; try again shortly."))
        answered = app.exception_handlers[Exception](request, exc)
        response: Response = await answered if inspect.isawaitable(answered) else answered
        return response

    async def body_refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BodyRefused)
        return await _respond(app, request, exc.problem)

    app.add_exception_handler(PoolTimeout, pool_timeout)
    app.add_exception_handler(OperationalError, operational)
    app.add_exception_handler(BodyRefused, body_refused)


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol, closing a connection whose request line and headers have not
    all arrived within `header_timeout_seconds` of the connection opening or the request's
    first byte (uvicorn alone waits for ever: a client trickling headers holds a connection)."""

    timeout_seconds: float | None = None  # set by server_options; a worker process reads its settings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = type(self).timeout_seconds or get_settings().header_timeout_seconds
        self._header_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for `joinedup serve`: the header timeout, idle keep-alive connections
    closed after 5 s, and at most 1,000 connections (beyond them uvicorn answers 503 at once)."""
    HeaderTimeoutProtocol.timeout_seconds = settings.header_timeout_seconds
    return {"http": HeaderTimeoutProtocol, "timeout_keep_alive": 5, "limit_concurrency": 1000}
