"""Walking the pages as a person would: the demo's data, one signed-in client per role, the words a
page shows, the links it offers, and a crawl that follows them from the home page.

Used by tests/test_page_words.py (no developer words on any page) and tests/test_reachable_pages.py
(every page a role may use is linked from somewhere it can reach).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, sessionmaker
from starlette.routing import compile_path

from joinedup.config import Settings
from joinedup.core.auth import service as auth_service
from joinedup.core.auth.models import User
from joinedup.core.deps import SESSION_COOKIE
from joinedup.core.permissions import Role
from joinedup.db.registry import metadata
from joinedup.db.session import make_engine, make_session_factory
from joinedup.db.tenancy import Scope
from joinedup.demo.seed import DemoLogin, seed_demo_users, seed_trafford
from joinedup.main import api_routes, create_app
from tests.conftest import PG_URL, TEST_SECRET

HIDDEN = {"script", "style", "template", "noscript", "head"}
# Text a person must type or copy exactly (a CSV file's column names, the first characters of a
# key): shown as code on purpose, so not read as words.
LITERAL = {"code"}
# Inputs whose value a person reads in the box.
SHOWN_INPUTS = {"text", "number", "search", "email", "tel", "url", ""}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Attributes a person reads or hears (a screen reader announces these).
SPOKEN = ("alt", "title", "aria-label", "placeholder")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.choices: list[str] = []  # the text of labels and options: answers a person picks
        self.values: list[str] = []
        self.links: list[str] = []
        self.get_forms: list[dict[str, Any]] = []
        self.post_forms: list[tuple[str, list[tuple[str, str]]]] = []  # (action, hidden fields)
        # Forms that take a file: (action, the file field, the fields as the page fills them in).
        self.uploads: list[tuple[str, str, list[tuple[str, str]]]] = []
        self._filled: list[tuple[str, str]] = []
        self._file: str | None = None
        self._post: tuple[str, list[tuple[str, str]]] | None = None
        self._hidden = 0
        self._stack: list[str] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "title":
            self._title = True
        if tag in HIDDEN or tag in LITERAL:
            self._hidden += 1
        if tag == "input" and a.get("type", "").lower() in SHOWN_INPUTS and a.get("value"):
            self.values.append(a["value"])
        if tag not in VOID:
            self._stack.append(tag)
        for name in SPOKEN:
            if a.get(name) and not self._hidden:
                self.words.append(a[name])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in {"img", "object", "embed"} and (a.get("src") or a.get("data")):
            self.links.append(a.get("src") or a.get("data") or "")
        if tag == "form" and a.get("method", "get").lower() == "get":
            self._form = {"action": a.get("action", ""), "fields": [], "choices": {}}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._post, self._file, self._filled = (a.get("action", ""), []), None, []
        if self._post is not None and tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self._post[1].append((a["name"], a.get("value", "")))
        if self._post is not None and tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind == "file":
                self._file = a["name"]
            elif kind not in {"checkbox", "radio"} or "checked" in a:
                self._filled.append((a["name"], a.get("value", "")))
        if self._form is not None:
            if tag == "input" and a.get("name"):
                kind = a.get("type", "text")
                if kind in {"checkbox", "radio"} and "checked" not in a:
                    return
                self._form["fields"].append((a["name"], a.get("value", "")))
            if tag == "select" and a.get("name"):
                self._select = a["name"]
                self._form["choices"][self._select] = []
            if tag == "option" and self._select is not None:
                self._form["choices"][self._select].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._title = False
        if (tag in HIDDEN or tag in LITERAL) and self._hidden:
            self._hidden -= 1
        if tag == "select":
            self._select = None
        if tag == "form" and self._form is not None:
            self.get_forms.append(self._form)
            self._form = None
        if tag == "form" and self._post is not None:
            self.post_forms.append(self._post)
            if self._file is not None:
                self.uploads.append((self._post[0], self._file, self._filled))
            self._post, self._file, self._filled = None, None, []
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())  # as a browser shows it: runs of white space are one space
        if (not self._hidden or self._title) and text:
            self.words.append(text)
            if "label" in self._stack or "option" in self._stack:
                self.choices.append(text)


@dataclass
class Seen:
    path: str
    status: int
    words: str  # what a person reads: text, the page title and spoken attributes
    choices: str  # of which the answers a person picks (labels and options)
    values: str  # what form boxes show filled in
    links: list[str]
    posts: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)  # the page's forms that post
    uploads: list[tuple[str, str, list[tuple[str, str]]]] = field(default_factory=list)  # of which take a file


def read_page(html: str) -> _Page:
    parser = _Page()
    parser.feed(html)
    parser.close()
    return parser


def seen_page(path: str, status: int, html: str) -> Seen:
    """A page as the walk records it: what a person reads, picks and sees in boxes, and where it leads."""
    page = read_page(html)
    return Seen(
        path,
        status,
        "\n".join(page.words),
        "\n".join(page.choices),
        "\n".join(page.values),
        page.links,
        page.post_forms,
        page.uploads,
    )


def words_of(html: str) -> str:
    """What a person reads on the page: its text, title and spoken attributes, never markup."""
    return "\n".join(read_page(html).words)


@dataclass
class Routes:
    """The app's page routes (GET, not the API or FHIR), and which one a path belongs to."""

    templates: list[str]
    _compiled: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)

    posts: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)

    @classmethod
    def of(cls, app: Any) -> Routes:
        pages = sorted(
            {
                path
                for path, route in api_routes(app)
                if "GET" in (route.methods or ()) and not path.startswith(("/api/", "/fhir/"))
            }
        )
        posts = sorted(
            {
                path
                for path, route in api_routes(app)
                if "POST" in (route.methods or ()) and not path.startswith(("/api/", "/fhir/"))
            },
            key=lambda p: (p.count("{"), p),
        )
        # A literal route wins over a parameter at the same place (/neighbourhoods/new before /{id}).
        ordered = sorted(pages, key=lambda p: (p.count("{"), p))
        return cls(pages, [(p, compile_path(p)[0]) for p in ordered], [(p, compile_path(p)[0]) for p in posts])

    def post_template_of(self, path: str) -> str | None:
        bare = urlsplit(path).path
        return next((template for template, regex in self.posts if regex.match(bare)), None)

    def template_of(self, path: str) -> str | None:
        bare = urlsplit(path).path
        for template, regex in self._compiled:
            if regex.match(bare):
                return template
        return None


def local(href: str, here: str) -> str | None:
    """A link to one of the app's pages, as a path with its query; None for anything else."""
    href = href.split("#", 1)[0]
    if not href or href.startswith(("mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(urljoin("http://testserver" + here, href))
    if parts.netloc != "testserver" or parts.path.startswith(("/static/", "/api/", "/fhir/")):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def form_queries(page: _Page, here: str, limit: int = 12) -> list[str]:
    """The addresses a GET form on the page submits: as filled in, and once per choice of each list."""
    out: list[str] = []
    for form in page.get_forms:
        action = local(form["action"] or here, here)
        if action is None:
            continue
        base = dict(form["fields"])
        for name, choices in form["choices"].items():
            base.setdefault(name, choices[0] if choices else "")
        out.append(f"{urlsplit(action).path}?{urlencode(base)}")
        for name, choices in form["choices"].items():
            for choice in choices:
                out.append(f"{urlsplit(action).path}?{urlencode({**base, name: choice})}")
    return out[:limit]


def crawl(
    client: TestClient, routes: Routes, start: str = "/", per_shape: int = 3, limit: int = 120
) -> dict[str, Seen]:
    """Follow every link (and every GET form) from `start`. The next address is always one of the
    least-visited kind (route and query shape), so every kind of page is reached before any one
    list is walked further; at most `per_shape` addresses of a kind and `limit` in all."""
    seen: dict[str, Seen] = {}
    pending: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    visits: dict[tuple[str, tuple[str, ...]], int] = {}

    def offer(path: str) -> None:
        template = routes.template_of(path)
        if template is None or template == "/login" or path in seen:
            return
        keys = tuple(sorted({k for k, _ in parse_qsl(urlsplit(path).query, keep_blank_values=True)}))
        queue = pending.setdefault((template, keys), [])
        if path not in queue:
            queue.append(path)

    offer(start)
    while len(seen) < limit:
        ready = [shape for shape, queue in pending.items() if queue and visits.get(shape, 0) < per_shape]
        if not ready:
            break
        shape = min(ready, key=lambda k: visits.get(k, 0))  # the first of the least visited
        path = pending[shape].pop(0)
        if path in seen:
            continue
        visits[shape] = visits.get(shape, 0) + 1
        response = client.get(path, follow_redirects=False)
        body = response.text if response.headers.get("content-type", "").startswith(("text/", "image/svg")) else ""
        page = read_page(body)
        seen[path] = seen_page(path, response.status_code, body)
        for href in page.links:
            target = local(href, path)
            if target is not None:
                offer(target)
        location = response.headers.get("location")
        if location and (target := local(location, path)) is not None:
            offer(target)
        for target in form_queries(page, path):
            offer(target)
    return seen


@dataclass
class DemoSite:
    app: Any
    settings: Settings
    session_factory: sessionmaker[Session]
    logins: list[DemoLogin]
    clients: dict[Role, TestClient] = field(default_factory=dict)

    def user_id(self, role: Role) -> str:
        email = next(x.email for x in self.logins if x.role is role)
        with self.session_factory() as session:
            session.info["scope"] = Scope.system("test sign-in")
            return str(session.scalars(select(User.id).where(User.email == email)).one())

    def client(self, role: Role) -> TestClient:
        if role in self.clients:
            return self.clients[role]
        with self.session_factory() as session:
            session.info["scope"] = Scope.system("test sign-in")
            user = session.get(User, self.user_id(role))
            assert user is not None
            membership = auth_service.default_membership(user)
            token, row = auth_service.start_web_session(
                session, self.settings, user=user, membership_id=membership.id if membership else None
            )
            csrf = row.csrf_token
            session.commit()
        client = TestClient(self.app, raise_server_exceptions=False, headers={"X-CSRF-Token": csrf})
        client.cookies.set(SESSION_COOKIE, token)
        client.__enter__()
        self.clients[role] = client
        return client


def _fresh_database(database_template: str, where: Path) -> str:
    if PG_URL:
        engine = create_engine(database_template)
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return database_template
    path = where / "joinedup.db"
    shutil.copyfile(database_template, path)
    return f"sqlite:///{path}"


@contextmanager
def demo_site(database_template: str, where: Path) -> Iterator[DemoSite]:
    """The Trafford demo (organisations, capacity, the ward list, the trust's history) with one
    sign-in per role, served in-process."""
    url = _fresh_database(database_template, where)
    settings = Settings(database_url=url, environment="test", secret_key=TEST_SECRET, outbox_poll_seconds=0.2)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        session.info["scope"] = Scope.system("demo seed")
        seed_trafford(session)
        logins = seed_demo_users(session)
        session.commit()
    app = create_app(settings)
    # The app's own session factory: its sessions relay their events and run after-commit work.
    site = DemoSite(app, settings, app.state.joinedup.session_factory, logins)
    try:
        yield site
    finally:
        for client in site.clients.values():
            client.__exit__(None, None, None)
        engine.dispose()
