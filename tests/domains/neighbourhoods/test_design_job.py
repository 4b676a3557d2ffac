"""Designing neighbourhoods leaves the request path (issue 14, item 4): the request checks the
target and answers 202 at once, a background job designs and stores the result, and the study
shows the state and progress until it is done."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from joinedup.core.audit import AuditEvent
from joinedup.db.tenancy import Scope
from joinedup.domains.neighbourhoods.service import designs
from tests.domains.neighbourhoods.test_api import SMALL, wait_while


def _study(com: Any) -> str:
    made = com.post("/api/v1/neighbourhoods/studies", json=SMALL)
    assert made.status_code == 201, made.text
    return str(made.headers["Location"])


def test_the_request_answers_before_the_design_is_made(  # type: ignore[no-untyped-def]
    client_as, monkeypatch: pytest.MonkeyPatch, session_factory: sessionmaker[Session]
) -> None:
    release = threading.Event()
    real = designs.design_neighbourhoods

    def slow(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(designs, "design_neighbourhoods", slow)
    com = client_as("colin_commissioner")
    url = _study(com)
    answer = com.post(f"{url}/design", json={"target": 60})
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "designing" and answer.json()["progress"] == {"done": 0, "total": 1}
    seen = com.get(url).json()
    assert seen["status"] == "designing" and seen["design"] is None
    assert com.post(f"{url}/design", json={"target": 60}).status_code == 409
    assert com.post(f"{url}/runs", json={"days": 1}).status_code == 409
    page = com.get(url.replace("/api/v1/neighbourhoods/studies", "/neighbourhoods"))
    assert page.status_code == 200 and "Designing the neighbourhoods" in page.text and "data-refresh-ms" in page.text
    release.set()
    done = wait_while(com, url, "designing")
    assert done["status"] == "new" and done["design"]["balance"]["neighbourhoods"] == 2
    study_id = url.rsplit("/", 1)[-1]
    with session_factory() as session:
        session.info["scope"] = Scope.system("test")
        audit = session.scalars(
            select(AuditEvent).where(AuditEvent.record_id == study_id).order_by(AuditEvent.id)
        ).all()
    assert [a.action for a in audit][-2:] == ["neighbourhoods.design_started", "neighbourhoods.designed"]
    assert audit[-2].detail is not None and audit[-2].detail["target"] == 60
    assert audit[-1].actor_id is None and audit[-1].detail == {"status": "done", "neighbourhoods": 2}


def test_a_design_that_fails_in_the_background_says_so_and_keeps_the_last_design(  # type: ignore[no-untyped-def]
    client_as, monkeypatch: pytest.MonkeyPatch
) -> None:
    com = client_as("colin_commissioner")
    url = _study(com)
    assert com.post(f"{url}/design", json={"target": 60}).status_code == 202
    first = wait_while(com, url, "designing")["design"]

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("solver fell over")

    monkeypatch.setattr(designs, "design_neighbourhoods", broken)
    assert com.post(f"{url}/design", json={"target": 40}).status_code == 202
    failed = wait_while(com, url, "designing")
    assert failed["status"] == "failed" and "could not be designed" in failed["error"]
    assert failed["design"] == first
    monkeypatch.undo()
    assert com.post(f"{url}/design", json={"target": 40}).status_code == 202
    assert wait_while(com, url, "designing")["status"] == "new"


def test_a_target_no_design_can_meet_is_refused_at_once(client_as) -> None:  # type: ignore[no-untyped-def]
    com = client_as("colin_commissioner")
    url = _study(com)
    refused = com.post(f"{url}/design", json={"target": 5})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "body.target"
    assert com.get(url).json()["status"] == "new"
