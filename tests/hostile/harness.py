"""How the hostile-input suite sends a form and judges the answer.

A form is a `FormCase`: who posts it (a persona, or nobody signed in), the page its CSRF token
comes from, and a `setup` that readies the world and returns the `Target` (its URL and a fresh
valid answer). `encode` sends an answer (`urlencoded`, or `multipart(files=...)` for an upload,
whose named fields go as files carrying the hostile bytes). A `Poster` posts one hostile variant
and checks it: no server error, a refusal leaves every stored row as it was, nothing stored holds
unreadable characters, a refused form comes back with an error summary, a script never reaches
a page unescaped.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote_from_bytes, quote_plus, unquote_to_bytes

from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.db.registry import metadata
from tests.domains.discharge.conftest import Discharge, act

SCRIPT = "<script>alert(1)</script>"
# Characters no stored text may hold (line breaks and tabs are allowed in free text).
GARBAGE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ufeff]")
REFUSED = frozenset({400, 403, 404, 409, 413, 415, 422})
# Rows a request writes whatever it is asked (the audit log, events, sign-in bookkeeping, the
# locks a write takes), and columns that only say when or how often.
BOOKKEEPING = {"audit_events", "outbox_events", "web_sessions", "login_throttle", "discharge_service_locks"}
STAMPS = {"updated_at", "lock_version", "last_used_at", "last_login_at"}

Answer = dict[str, str | list[str]]
Encoded = tuple[bytes, str]  # a body and its content type
Encoder = Callable[[Answer, str, dict[str, bytes] | None], Encoded]


@dataclass(frozen=True)
class Target:
    """Where a form posts, and a fresh valid answer (field -> value; a date as its three parts)."""

    url: str
    answer: Callable[[], Answer]


def urlencoded(answer: Answer, token: str, hostile: dict[str, bytes] | None = None) -> Encoded:
    """A browser's form body; a hostile field carries its value exactly as given (encoded or not)."""
    pairs: list[bytes] = [b"csrf_token=" + quote_plus(token).encode()]
    for name, value in answer.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            sent = hostile[name] if hostile and name in hostile else quote_plus(v).encode()
            pairs.append(quote_plus(name).encode() + b"=" + sent)
    return b"&".join(pairs), "application/x-www-form-urlencoded"


def multipart(*, files: tuple[str, ...] = ()) -> Encoder:
    """An upload's body: the `files` fields as file parts, the others as text parts; a hostile
    value goes as the bytes it stands for."""

    def encode(answer: Answer, token: str, hostile: dict[str, bytes] | None = None) -> Encoded:
        boundary = "hostile-boundary"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'.encode()]
        for name, value in answer.items():
            for v in value if isinstance(value, list) else [value]:
                data = unquote_to_bytes(hostile[name]) if hostile and name in hostile else v.encode()
                file = f'; filename="{name}.csv"\r\nContent-Type: text/csv' if name in files else ""
                head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"{file}\r\n\r\n'.encode()
                parts.append(head + data + b"\r\n")
        return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"

    return encode


@dataclass
class Stage:
    """The world a form is posted into (the discharge fixture's: personas, organisations and live
    services), and the client that will post it, signed in as the case's persona."""

    dx: Discharge
    client: TestClient
    token: str

    def act(self, persona: str, fn: Any, **kwargs: Any) -> Any:
        return act(self.dx, persona, fn, **kwargs)

    def org(self, key: str) -> str:
        return self.dx.world.org_id(key)

    def post(self, url: str, data: dict[str, Any], files: dict[str, Any] | None = None) -> Any:
        """A step of the setup, through the pages as a person would take it."""
        response = self.client.post(url, data={"csrf_token": self.token, **data}, files=files)
        assert response.status_code < 400, (url, response.status_code, response.text[:500])
        return response


@dataclass(frozen=True)
class FormCase:
    name: str
    persona: str | None  # None: nobody signed in (the sign-in form)
    setup: Callable[[Stage], Target]
    csrf_page: str = "/"
    encode: Encoder = urlencoded
    # What a form answers when it takes the answer, besides a redirect to a page (200 after it).
    accepted: frozenset[int] = frozenset()
    refused: frozenset[int] = REFUSED
    # Waits for work an accepted answer left running in the background, before the next post.
    settle: Callable[[Stage], None] | None = None
    # The answers that come back as the form with an error summary.
    summary_on: frozenset[int] = frozenset({422})


# A field's value as sent, already form-encoded: what a hostile client can put in one field.
FIELD_VALUES: dict[str, bytes] = {
    "empty": b"",
    "wrong type": b"NaN",
    "script": quote_plus(SCRIPT).encode(),
    "not UTF-8 (encoded)": b"%FF%FE%FD",
    "not UTF-8 (raw bytes)": b"\xff\xfe\xfd",
    "NUL": b"A%00B",
    "UTF-16": quote_from_bytes("Ward 7".encode("utf-16")).encode(),
    "control characters": b"%1B%5B31m%08%7F",
}
OVERSIZED = b"x" * 1_000_000


@dataclass
class Poster:
    client: TestClient
    token: str
    target: Target
    stage: Stage
    case: FormCase
    seen: list[str] = field(default_factory=list)

    @property
    def encode(self) -> Encoder:
        return self.case.encode

    def settle(self) -> None:
        """Wait for what an accepted answer left running (before the next post, and at the end)."""
        if self.case.settle is not None:
            self.case.settle(self.stage)

    def post(self, encoded: Encoded, what: str = "") -> Any:
        body, content_type = encoded
        self.settle()
        before = stored(self.stage.dx)
        response = self.client.post(self.target.url, content=body, headers={"content-type": content_type})
        check(response, what, self.case.summary_on)
        after = stored(self.stage.dx)
        redirected = response.status_code == 200 and bool(response.history)
        accepted = redirected or response.status_code in self.case.accepted
        if not accepted:
            assert response.status_code in self.case.refused, (what, response.status_code, response.text[:300])
            changed = {t for t in after if after[t] != before[t]}
            assert not changed, f"{what}: refused ({response.status_code}), yet {sorted(changed)} changed"
        clean(after, what)
        self.seen.append(f"{what}: {response.status_code}")
        return response


# Words of the code, not of the service: a field's path ("body.email"), a validation library's
# sentences ("String should have at most 254 characters", "Field required").
DEVELOPER_WORDS = re.compile(
    r"\b(?:body|query|path|header|cookie|row)\.[A-Za-z_]\w*"
    r"|\b(?:String|Input|Value|List|Dictionary|Object) should\b|\bField required\b|\bValue error\b"
    r"|\bfield\(s\)|\bvalidation error\b|\bTraceback\b"
)


def check(response: Any, what: str, summary_on: frozenset[int] = frozenset({422})) -> None:
    assert response.status_code < 500, (what, response.status_code, response.text[:300])
    assert SCRIPT not in response.text, f"{what}: a script reached the page unescaped"
    assert "application/json" not in response.headers.get("content-type", ""), f"{what}: a page answered JSON"
    words = said(response, limit=None)
    found = DEVELOPER_WORDS.search(words)
    assert not found, f"{what}: the page says {found.group(0)!r}: {words[:400]}"
    if response.status_code in summary_on:
        error_summary(response.text, what)


def error_summary(html: str, what: str) -> None:
    """The GOV.UK pattern: a summary headed "There is a problem" whose every item links to the
    field it is about (or to the form, for an error about the whole form), and a message at each
    field the summary names."""
    box = re.search(r'<div\s[^>]*class="nhsuk-error-summary\b.*?</ul>', html, flags=re.S)
    assert box and "There is a problem" in box.group(0), (what, "no error summary", said_html(html))
    links = re.findall(r'<a\s+href="#([^"]+)"', box.group(0))
    assert links, (what, "the error summary links to no field", said_html(box.group(0)))
    for target in links:
        found = re.search(rf'<(\w+)[^>]*\sid="{re.escape(target)}"', html)
        assert found, (what, f"the error summary links to #{target}, which is not on the page")
        if found.group(1) not in ("form", "main"):  # an error about a whole form, or the page
            assert "nhsuk-error-message" in html, (what, "no message at the field", said_html(html))


def said_html(html: str, limit: int | None = 600) -> str:
    main = html.split('id="maincontent"', 1)[-1]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)))
    return text[:limit] if limit else text


def said(response: Any, limit: int | None = 600) -> str:
    """A page's words (what a person reads, not its markup)."""
    return said_html(response.text, limit)


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def stored(dx: Discharge) -> dict[str, list[tuple[Any, ...]]]:
    """Every row a form can change, table by table, without bookkeeping rows and stamps."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with dx.session() as s:
        for table in metadata.sorted_tables:
            if table.name in BOOKKEEPING:
                continue
            columns = [c for c in table.columns if c.name not in STAMPS]
            rows = s.execute(select(*columns)).all()
            out[table.name] = sorted((tuple(_plain(v) for v in row) for row in rows), key=repr)
    return out


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
        if value[:1] in "[{":
            with contextlib.suppress(ValueError):
                yield from _texts(json.loads(value))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _texts(k)
            yield from _texts(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _texts(v)


def clean(rows: dict[str, list[tuple[Any, ...]]], what: str) -> None:
    """No stored text holds unreadable characters or markup turned into entities, nor passes
    5000 characters (no field's answer may be that long)."""
    for text in _texts(list(rows.values())):
        if text[:1] in "[{" and len(text) > 5000:
            continue  # a whole JSON document; its strings are read one by one
        assert not GARBAGE.search(text), f"{what}: garbage stored: {text[:80]!r}"
        assert "&lt;" not in text and len(text) <= 5000, f"{what}: {text[:80]!r}"


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no form"
    return match.group(1)


def poster(case: FormCase, dx: Discharge, client_as: Any, anon: TestClient) -> Poster:
    """A client for the case's persona (or `anon`), its form's CSRF token, and the form readied."""
    client = anon if case.persona is None else client_as(case.persona)
    page = client.get(case.csrf_page)
    assert page.status_code == 200, (case.csrf_page, page.status_code)
    token = csrf_of(page.text)
    stage = Stage(dx, client, token)
    return Poster(client, token, case.setup(stage), stage, case)
