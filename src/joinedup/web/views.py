"""Sign-in, sign-out, the home page for each role, and HTML error pages."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from joinedup.core.auth import service as auth_service
from joinedup.core.auth.principal import Principal
from joinedup.core.context import request_context
from joinedup.core.deps import SESSION_COOKIE, DbSession, StateDep, public, require
from joinedup.core.errors import Problem, ProblemError
from joinedup.core.permissions import Permission
from joinedup.web import home
from joinedup.web.forms import Field, Form, FormState, one, sentence
from joinedup.web.posted import read_form
from joinedup.web.render import page
from joinedup.web.words import without_permission_ids

router = APIRouter(include_in_schema=False)
Anyone = Annotated[Principal | None, Depends(public())]
Signed = Annotated[Principal, Depends(require(Permission.HOME_VIEW))]


def cookie_secure(request: Request, state: StateDep) -> bool:
    configured = state.settings.cookie_secure
    return configured if configured is not None else request.url.scheme == "https"


SIGN_IN_FORM = Form(
    "sign-in",
    Field(
        "email",
        "Email address",
        required="Enter your email address",
        messages={"too_long": "Enter an email address of 254 characters or fewer"},
    ),
)
# The longest answers sign-in reads (no email address is longer); a password is read as typed.
MAX_EMAIL, MAX_PASSWORD = 254, 1024


def _sign_in_page(request: Request, state: StateDep, posted: FormState, status_code: int = 200) -> Response:
    demo = state.settings.environment == "development"
    return page(request, "login.jinja", {"title": "Sign in", "demo": demo, "fs": posted}, status_code=status_code)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, actor: Anyone, state: StateDep) -> Response:
    if actor is not None:
        return RedirectResponse("/", status_code=303)
    return _sign_in_page(request, state, FormState())


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, _: Anyone, state: StateDep) -> Response:
    answer = await read_form(request)
    data, posted = SIGN_IN_FORM.read(answer)
    email, password = data["email"] or "", one(answer.get("password"))
    if len(email) > MAX_EMAIL:
        posted.add("email", SIGN_IN_FORM.fields["email"].message("too_long"))
    if not password:
        posted.add("password", "Enter your password")
    elif len(password) > MAX_PASSWORD:
        posted.add("password", f"Enter a password of {MAX_PASSWORD} characters or fewer")
    if posted.failed:
        return _sign_in_page(request, state, posted, status_code=422)
    try:
        token = auth_service.password_sign_in(
            state.session_factory,
            state.settings,
            email=email,
            password=password,
            ip=request_context().client_ip,
        )
    except ProblemError as exc:
        if exc.status not in (401, 429):
            raise
        posted.add("email", sentence(exc.detail or exc.title))
        return _sign_in_page(request, state, posted, status_code=exc.status)
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
async def logout(request: Request, _: Anyone, state: StateDep) -> Response:
    await read_form(request)
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


# A request's part and field, as the API names them ("body.email", "query.done"): never on a page.
_FIELD_PATH = re.compile(r"\b(?:body|query|path|header|cookie)\.[\w.-]+")
# The validation library's sentences ("String should have at most 20 characters", "Field required").
_LIBRARY_WORDS = re.compile(r"\b(?:String|Input|Value|List|Dictionary|Object) should\b|\bField required\b|\bfield\(s\)")
BAD_ADDRESS = "The web address is not one this service makes. Check it, or go back and follow a link."
UNREADABLE = "What was sent could not be read, so nothing was saved. Go back, check your answers and try again."


def _plain(text: str) -> str | None:
    """A problem's words as a page may show them, or None where they are the code's words."""
    text = without_permission_ids(text).strip()
    if not text or _FIELD_PATH.search(text) or _LIBRARY_WORDS.search(text):
        return None
    said = sentence(text)
    return said if said.endswith(("?", "!")) else said + "."


def error_words(problem: Problem) -> dict[str, Any]:
    """What a person is told when a page cannot be shown: plain words, never the problem's codes
    (field paths, the validation library's sentences, permission ids, record types and ids stay in
    the API's answer)."""
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
    lines = [line for line in [_plain(detail)] if line]
    messages = [m for m in (_plain(e.message) for e in problem.errors) if m and m not in lines]
    if problem.errors and not lines and not messages:
        # The request itself was refused as it arrived (its address, or a form no page sends).
        parts = {e.field.split(".")[0] for e in problem.errors}
        address = bool(parts & {"path", "query"})
        heading = "This page cannot be shown" if address else "Nothing was saved"
        lines = [BAD_ADDRESS if address else UNREADABLE]
    elif not lines and not messages:
        lines = [UNREADABLE] if problem.status in (400, 413, 415, 422) else []
    return {"title": heading, "heading": heading, "lines": lines, "messages": messages}


async def html_error(request: Request, problem: Problem, headers: dict[str, str] | None) -> Response:
    if problem.status == 401:
        return RedirectResponse("/login", status_code=303)
    actor: Any = getattr(request.state, "principal", None)
    return page(request, "error.jinja", error_words(problem), status_code=problem.status, actor=actor)
