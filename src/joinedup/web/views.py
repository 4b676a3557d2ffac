"""Sign-in, sign-out, the home page for each role, and HTML error pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from joinedup.core.auth import service as auth_service
from joinedup.core.auth.principal import Principal
from joinedup.core.context import request_context
from joinedup.core.deps import SESSION_COOKIE, DbSession, StateDep, public, require
from joinedup.core.errors import Problem, ProblemError
from joinedup.core.permissions import Permission
from joinedup.web import home
from joinedup.web.render import check_csrf, page
from joinedup.web.words import without_permission_ids

router = APIRouter(include_in_schema=False)
Anyone = Annotated[Principal | None, Depends(public())]
Signed = Annotated[Principal, Depends(require(Permission.HOME_VIEW))]


def cookie_secure(request: Request, state: StateDep) -> bool:
    configured = state.settings.cookie_secure
    return configured if configured is not None else request.url.scheme == "https"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, actor: Anyone, state: StateDep) -> Response:
    if actor is not None:
        return RedirectResponse("/", status_code=303)
    return page(request, "login.jinja", {"title": "Sign in", "demo": state.settings.environment == "development"})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    _: Anyone,
    state: StateDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        token = auth_service.password_sign_in(
            state.session_factory, state.settings, email=email, password=password, ip=request_context().client_ip
        )
    except ProblemError as exc:
        return page(request, "login.jinja", {"title": "Sign in", "error": exc.detail, "email": email}, status_code=401)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request, state),
        max_age=int(state.settings.session_hours * 3600),
        path="/",
    )
    return response


@router.post("/logout")
def logout(
    request: Request, _: Anyone, state: StateDep, csrf_token: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    check_csrf(request, csrf_token)
    if token := request.cookies.get(SESSION_COOKIE):
        auth_service.sign_out(state.session_factory, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def home_page(request: Request, actor: Signed, session: DbSession) -> Response:
    return page(request, "home.jinja", home.context_for(session, actor), actor=actor)


@router.get("/about/data", response_class=HTMLResponse)
def about_data(request: Request, actor: Anyone) -> Response:
    return page(request, "about_data.jinja", {"title": "Data sources and licences"}, actor=actor)


NOT_FOUND = [
    "If you typed the web address, check it is correct.",
    "If you pasted the web address, check you copied the entire address.",
    "If you followed a link, the record may have been removed, or your organisation may not be able to see it.",
]


def error_words(problem: Problem) -> dict[str, Any]:
    """What a person is told when a page cannot be shown: plain words, never the problem's codes
    (field paths, permission ids, record types and ids stay in the API's answer)."""
    if problem.status == 404:
        return {"title": "Page not found", "heading": "Page not found", "lines": NOT_FOUND, "messages": []}
    if problem.status >= 500:
        heading = "Sorry, there is a problem with the service"
        return {"title": heading, "heading": heading, "lines": ["Try again later."], "messages": []}
    if problem.status == 403:
        heading = "You cannot see this page" if problem.type.endswith("/forbidden") else problem.title
        detail = problem.detail or "Your role does not let you do this."
    else:
        heading, detail = problem.title, problem.detail or ""
    return {
        "title": heading,
        "heading": heading,
        "lines": [without_permission_ids(detail)] if detail else [],
        "messages": [without_permission_ids(e.message) for e in problem.errors],
    }


async def html_error(request: Request, problem: Problem, headers: dict[str, str] | None) -> Response:
    if problem.status == 401:
        return RedirectResponse("/login", status_code=303)
    actor: Any = getattr(request.state, "principal", None)
    return page(request, "error.jinja", error_words(problem), status_code=problem.status, actor=actor)
