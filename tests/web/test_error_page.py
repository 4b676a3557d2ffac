"""The error page a person sees when a page cannot be shown: plain words, never a field's path
("body.email"), a count of fields or the validation library's sentences."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from joinedup.core.errors import PROBLEM_BASE, FieldError, Problem
from joinedup.web.views import error_words
from tests.hostile.harness import DEVELOPER_WORDS, said

PARTS = st.sampled_from(["body", "query", "path", "header", "cookie"])
NAMES = st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True)


def _words(context: dict[str, Any]) -> str:
    return " ".join([context["heading"], *context["lines"], *context["messages"]])


@given(part=PARTS, name=NAMES, count=st.integers(1, 4))
def test_a_refused_request_is_told_without_field_paths(part: str, name: str, count: int) -> None:
    errors = [
        FieldError(field=f"{part}.{name}", message="String should have at most 20 characters", code="string_too_long")
    ] * count
    problem = Problem(
        type=PROBLEM_BASE + "validation",
        title="Invalid request",
        status=422,
        detail=f"{count} field(s) are invalid: " + ", ".join(e.field for e in errors),
        errors=errors,
    )
    words = _words(error_words(problem))
    assert f"{part}.{name}" not in words and not DEVELOPER_WORDS.search(words), words
    assert words.strip()


def test_a_service_refusal_keeps_its_plain_words() -> None:
    problem = Problem(
        type=PROBLEM_BASE + "conflict",
        title="Conflict",
        status=409,
        detail="The referral was withdrawn before your answer arrived.",
        errors=[FieldError(field="body.state", message="the referral was withdrawn", code="conflict")],
    )
    words = _words(error_words(problem))
    assert "The referral was withdrawn before your answer arrived." in words and "body.state" not in words


def test_a_web_address_the_service_did_not_make_gets_a_plain_page(client_as: Any, anon: TestClient) -> None:
    alice = client_as("alice_admin")
    for url in ("/visibility/views?done=" + "x" * 40, "/organisations/" + "x" * 100 + "/api-keys"):
        page = alice.get(url)
        assert 400 <= page.status_code < 500 and "text/html" in page.headers["content-type"], url
        words = said(page, limit=None)
        assert not DEVELOPER_WORDS.search(words), words
        assert "web address" in words, words


def test_a_failure_on_a_page_is_a_page_not_problem_json() -> None:
    """A value the database refuses, or any failure, answers a page with a page (the API keeps
    its problem JSON)."""
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse
    from sqlalchemy.exc import DataError

    from joinedup.core.errors import install_problem_handlers

    async def html(request: Any, problem: Problem, headers: Any) -> HTMLResponse:
        return HTMLResponse(" ".join(error_words(problem)["lines"]), status_code=problem.status)

    app = FastAPI()
    install_problem_handlers(app, html_handler=html)

    @app.post("/form")
    @app.post("/api/v1/form")
    def refuse() -> None:
        raise DataError("INSERT", {}, Exception("NUL"))

    @app.post("/broken")
    def broken() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.post("/form")
        assert page.status_code == 422 and page.headers["content-type"].startswith("text/html"), page.text
        assert "cannot be stored" in page.text
        assert client.post("/api/v1/form").headers["content-type"] == "application/problem+json"
        failed = client.post("/broken")
        assert failed.status_code == 500 and failed.headers["content-type"].startswith("text/html")
        assert "Try again later." in failed.text
