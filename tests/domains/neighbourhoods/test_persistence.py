"""Studies live in the database: a second server on the same database sees and changes them,
and every change (the end of a run included) is audited and announced."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from joinedup.config import Settings
from joinedup.core.audit import AuditEvent
from joinedup.core.deps import SESSION_COOKIE
from joinedup.core.outbox import OutboxEvent
from joinedup.db.tenancy import Scope
from joinedup.domains.neighbourhoods.models import NeighbourhoodRun, NeighbourhoodStudy
from tests.domains.neighbourhoods.test_api import wait_while

SMALL = {"localities": ["West"], "recipients": 120, "seed": 3}


@pytest.fixture
def inline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOINEDUP_EXECUTOR", "inline")


def _wait(client: TestClient, url: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    body: dict[str, Any] = client.get(url).json()
    while body["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.3)
        body = client.get(url).json()
    return body


@pytest.mark.slow  # whole designs or rosters: seconds each
def test_a_study_survives_a_restart_and_is_shared_by_two_servers(  # type: ignore[no-untyped-def]
    client_as, settings: Settings, session_factory: sessionmaker[Session], inline
) -> None:
    from joinedup.main import create_app

    first = client_as("colin_commissioner")
    url = first.post("/api/v1/neighbourhoods/studies", json=SMALL).headers["Location"]
    assert first.post(f"{url}/design", json={"target": 60}).status_code == 202
    assert wait_while(first, url, "designing")["status"] == "new"
    assert first.post(f"{url}/runs", json={"providers": 3, "seconds_per_100_visits": 0.1, "days": 1}).status_code == 202
    done = _wait(first, url)
    assert done["status"] == "done", done

    # a second server (or the first after a restart) on the same database
    with TestClient(
        create_app(settings), raise_server_exceptions=False, headers={"X-CSRF-Token": first.headers["X-CSRF-Token"]}
    ) as second:
        second.cookies.set(SESSION_COOKIE, first.cookies[SESSION_COOKIE])
        seen = second.get(url)
        assert seen.status_code == 200, seen.text
        assert seen.json() == done
        assert second.get(f"{url}/comparison.csv").text == first.get(f"{url}/comparison.csv").text
        # the second server changes the design; the first sees it, and the old results are gone
        assignment: dict[str, int] = done["design"]["assignment"]
        moved = None
        for code, region in sorted(assignment.items()):
            answer = second.post(f"{url}/moves", json={"lsoa": code, "to": 3 - region})
            if answer.status_code == 200:
                moved = (code, 3 - region)
                break
            assert answer.status_code == 422
        assert moved is not None
    after = first.get(url).json()
    assert after["design"]["assignment"][moved[0]] == moved[1]
    assert after["design"]["previous_balance"] == done["design"]["balance"]
    assert after["status"] == "new" and after["comparison"] is None

    study_id = url.rsplit("/", 1)[-1]
    with session_factory() as session:
        session.info["scope"] = Scope.system("test")
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.record_id == study_id).order_by(AuditEvent.id)
        ).all()
        changes = [
            "neighbourhoods.study_created",
            "neighbourhoods.design_started",
            "neighbourhoods.designed",
            "neighbourhoods.run_started",
            "neighbourhoods.run_finished",
            "neighbourhoods.lsoa_moved",
        ]
        assert actions == changes  # every change, the run's end included, is audited and announced
        events = session.scalars(
            select(OutboxEvent).where(OutboxEvent.record_id == study_id).order_by(OutboxEvent.id)
        ).all()
        assert [e.topic for e in events] == changes
        finished = next(e for e in events if e.topic == "neighbourhoods.run_finished")
        assert finished.payload["status"] == "done"
        run = session.scalars(select(NeighbourhoodRun).where(NeighbourhoodRun.study_id == study_id)).one()
        assert run.status == "done" and run.results is not None and run.done == run.total > 0
        row = session.get(NeighbourhoodStudy, study_id)
        assert row is not None and {e.organisation_id for e in events} == {row.organisation_id}


def test_studies_are_scoped_to_the_organisation_in_the_database(  # type: ignore[no-untyped-def]
    client_as, session_factory: sessionmaker[Session], world
) -> None:
    url = client_as("colin_commissioner").post("/api/v1/neighbourhoods/studies", json=SMALL).headers["Location"]
    study_id = url.rsplit("/", 1)[-1]
    with session_factory() as session:
        session.info["scope"] = Scope.of(frozenset({"not-an-organisation"}))
        assert session.scalars(select(NeighbourhoodStudy).where(NeighbourhoodStudy.id == study_id)).first() is None


def test_a_run_whose_server_stopped_can_be_run_again(  # type: ignore[no-untyped-def]
    client_as, session_factory: sessionmaker[Session]
) -> None:
    from datetime import timedelta

    from joinedup.core.clock import utcnow

    com = client_as("colin_commissioner")
    url = com.post("/api/v1/neighbourhoods/studies", json=SMALL).headers["Location"]
    assert com.post(f"{url}/design", json={"target": 60}).status_code == 202
    assert wait_while(com, url, "designing")["status"] == "new"
    study_id = url.rsplit("/", 1)[-1]
    with session_factory() as session:  # as if a server had started a run and stopped
        session.info["scope"] = Scope.system("test")
        row = session.get(NeighbourhoodStudy, study_id)
        assert row is not None
        run = NeighbourhoodRun(
            study_id=study_id,
            organisation_id=row.organisation_id,
            requested_by="x",
            settings={},
            design=row.design or {},
            status="running",
            done=1,
            total=6,
        )
        session.add(run)
        session.flush()
        row.status, row.latest_run_id = "running", run.id
        session.commit()
        run_id = run.id
    assert com.get(url).json()["status"] == "running"
    assert com.post(f"{url}/design", json={"target": 60}).status_code == 409
    with session_factory() as session:
        session.info["scope"] = Scope.system("test")
        found = session.get(NeighbourhoodRun, run_id)
        assert found is not None
        found.updated_at = utcnow() - timedelta(hours=1)
        session.commit()
    body = com.get(url).json()
    assert body["status"] == "failed" and "interrupted" in body["error"]
    assert com.post(f"{url}/design", json={"target": 60}).status_code == 202
    assert wait_while(com, url, "designing")["status"] == "new"
