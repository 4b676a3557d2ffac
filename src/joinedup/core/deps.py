"""Typed FastAPI dependencies: who is calling, what they may do, and their scoped session.

Every route declares `Depends(require(Permission.X))` (or `public()`), and that is the only way
a route gets a database session: deny by default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from joinedup.core.auth import service as auth_service
from joinedup.core.auth.principal import Principal
from joinedup.core.auth.secrets import constant_time_equal
from joinedup.core.changes import after_commit as after_commit  # re-exported for routes
from joinedup.core.errors import ProblemError
from joinedup.core.permissions import Permission
from joinedup.core.state import AppState
from joinedup.db.tenancy import Scope

SESSION_COOKIE = "jup_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_RULE = "public"


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.joinedup
    return state


StateDep = Annotated[AppState, Depends(app_state)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def resolve_principal(request: Request, state: AppState) -> Principal | None:
    """Cookie session for people; API key (X-API-Key or Bearer jup_...) or JWT for systems."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    principal: Principal | None = None
    with state.session_factory() as session:
        session.info["scope"] = Scope.system("authentication")
        api_key = request.headers.get("x-api-key") or None
        bearer = _bearer(request)
        if api_key or (bearer and bearer.startswith(auth_service.API_KEY_PREFIX)):
            principal = auth_service.resolve_api_key(session, api_key or bearer or "")
        elif bearer:
            principal = auth_service.resolve_access_token(session, state.settings, bearer)
        elif token := request.cookies.get(SESSION_COOKIE):
            resolved = auth_service.resolve_web_session(session, token)
            if resolved is not None:
                web_session, principal = resolved
                request.state.csrf_token = web_session.csrf_token
        session.commit()  # last_used_at on machine credentials
    request.state.principal = principal
    return principal


def require(permission: Permission, *, write: bool = False) -> Callable[..., Principal]:
    """Dependency: the caller, who must be signed in and hold `permission`.

    `write=True` also refuses read-only machine credentials.
    """

    def dependency(request: Request, state: StateDep) -> Principal:
        principal = resolve_principal(request, state)
        if principal is None:
            raise ProblemError(
                401,
                "unauthenticated",
                "Sign-in required",
                "Send a session cookie, an API key or a bearer token.",
                headers={"WWW-Authenticate": 'Bearer realm="joinedup"'},
            )
        if not principal.can(permission):
            raise ProblemError(403, "forbidden", "Forbidden", f"Your role may not {permission.value}.")
        if write and not principal.can_write:
            raise ProblemError(403, "forbidden", "Forbidden", "This credential is read-only.")
        _check_cookie_csrf(request, principal)
        return principal

    dependency.__joinedup_rule__ = permission.value  # type: ignore[attr-defined]
    return dependency


def _check_cookie_csrf(request: Request, principal: Principal) -> None:
    """A browser session calling the JSON API must echo its CSRF token in X-CSRF-Token.

    Machine credentials are sent explicitly, so cross-site requests cannot ride on them; forms
    on pages check their own hidden field.
    """
    if (
        principal.kind != "user"
        or request.method in SAFE_METHODS
        or not request.url.path.startswith(("/api/", "/fhir/"))
    ):
        return
    expected = getattr(request.state, "csrf_token", None)
    sent = request.headers.get("x-csrf-token")
    if not expected or not sent or not constant_time_equal(expected, sent):
        raise ProblemError(
            403, "csrf", "CSRF token missing", "Send the session's CSRF token in the X-CSRF-Token header."
        )


def public() -> Callable[..., Principal | None]:
    """Dependency for routes anyone may call (sign-in page, health, OpenAPI)."""

    def dependency(request: Request, state: StateDep) -> Principal | None:
        return resolve_principal(request, state)

    dependency.__joinedup_rule__ = PUBLIC_RULE  # type: ignore[attr-defined]
    return dependency


def no_caller() -> Callable[..., None]:
    """Dependency for routes that answer everyone alike and never ask who calls (the health
    check): no credential is looked up, so no database connection is used for one."""

    def dependency() -> None:
        return None

    dependency.__joinedup_rule__ = PUBLIC_RULE  # type: ignore[attr-defined]
    return dependency


def db_session(request: Request, state: StateDep) -> Iterator[Session]:
    """A session scoped to the caller's visible organisations; committed before the response.

    Rolls back on any error. The app's session factory relays outbox rows and runs
    `after_commit` callbacks once the commit is done (core.changes.relay_after_commit).
    """
    principal = getattr(request.state, "principal", None)
    scope = principal.scope if principal is not None else Scope.of(frozenset(), purpose="anonymous")
    session = state.session_factory()
    session.info["scope"] = scope
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(db_session, scope="function")]


def route_rule(dependant_call: Any) -> str | None:
    return getattr(dependant_call, "__joinedup_rule__", None)
