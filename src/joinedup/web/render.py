"""Jinja environment with the NHS.UK frontend templates, and CSRF for forms."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape

from joinedup.core.auth.principal import Principal
from joinedup.core.auth.secrets import constant_time_equal, new_token
from joinedup.core.errors import ProblemError
from joinedup.core.permissions import ROLE_LABELS, Permission
from joinedup.web import words

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
CSRF_COOKIE = "jup_csrf"
CSRF_FIELD = "csrf_token"

_env = Environment(
    loader=ChoiceLoader([FileSystemLoader(TEMPLATES_DIR), PackageLoader("nhsuk_frontend_jinja")]),
    undefined=ChainableUndefined,
    autoescape=select_autoescape(["html", "jinja"]),
)
_env.globals.update(ROLE_LABELS=ROLE_LABELS, Permission=Permission, NOT_RECORDED=words.NOT_RECORDED)
_env.filters.update(words.FILTERS)
templates = Jinja2Templates(env=_env)


def _inline_script_hashes() -> list[str]:
    """CSP hashes of the page template's own inline scripts, so no 'unsafe-inline' is needed."""
    source, _, _ = _env.loader.get_source(_env, "nhsuk/template.jinja")  # type: ignore[union-attr]
    bodies = re.findall(r"<script[^>]*>(.*?)</script>", source, flags=re.S)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in bodies]


# The NHS.UK frontend's stylesheet loads the NHS font (Frutiger) from the NHS's own font host.
NHS_FONTS = "https://assets.nhs.uk"
CONTENT_SECURITY_POLICY = (
    f"default-src 'self'; img-src 'self' data:; style-src 'self'; font-src 'self' {NHS_FONTS}; "
    f"script-src 'self' {' '.join(_inline_script_hashes())}; frame-ancestors 'none'; form-action 'self'"
)


def csrf_token_for(request: Request) -> str:
    """Signed-in: the session's token. Signed-out (sign-in form): a double-submit cookie."""
    token = getattr(request.state, "csrf_token", None)
    if token:
        return str(token)
    existing = request.cookies.get(CSRF_COOKIE)
    token = existing or new_token(24)
    request.state.new_csrf_cookie = None if existing else token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = getattr(request.state, "csrf_token", None) or request.cookies.get(CSRF_COOKIE)
    if not expected or not submitted or not constant_time_equal(expected, submitted):
        raise ProblemError(
            403,
            "csrf",
            "Form expired",
            "The form has expired or was not sent by this site; reload the page and try again.",
        )


def page(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200, actor: Principal | None = None
) -> HTMLResponse:
    secure = request.url.scheme == "https"
    ctx = {"request": request, "actor": actor, "csrf_token": csrf_token_for(request), **context}
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    new_cookie = getattr(request.state, "new_csrf_cookie", None)
    if new_cookie:
        response.set_cookie(CSRF_COOKIE, new_cookie, httponly=True, samesite="strict", secure=secure, path="/")
    response.headers["Cache-Control"] = "no-store"
    return response
