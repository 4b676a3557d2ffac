"""Rostering over HTTP: a solve runs as a background job; the answer is a checked roster."""

from __future__ import annotations

import copy
import time

from fastapi.testclient import TestClient

from tests.test_roster_cli import INSTANCE


def _wait(client: TestClient, location: str, seconds: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get(location).json()
        if job["status"] in ("succeeded", "failed"):
            return dict(job)
        time.sleep(0.2)
    raise AssertionError("job did not finish")


def test_a_submitted_solve_finishes_with_a_roster_that_passes_the_checker(client_as) -> None:
    colin = client_as("colin_commissioner")
    r = colin.post("/api/v1/rostering/jobs", json={"instance": INSTANCE, "time_limit_s": 1, "seed": 3})
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued"
    job = _wait(colin, r.headers["location"])
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert isinstance(result, dict)
    assert result["violations"] == []
    stops = sorted(s["visit_id"] for route in result["roster"]["routes"] for s in route["stops"])
    assert stops == ["v1", "v2"]
    assert result["metrics"]["unassigned"] == 0


def test_a_bad_instance_is_refused_naming_the_record_and_nothing_is_queued(client_as) -> None:
    colin = client_as("colin_commissioner")
    bad = copy.deepcopy(INSTANCE)
    bad["recipients"][0]["visits"][0]["services"][0]["duration"] = -5  # type: ignore[index]
    r = colin.post("/api/v1/rostering/jobs", json={"instance": bad})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"].startswith("body.instance.recipients.0.visits.0.services.0.duration")
    assert colin.get("/api/v1/rostering/jobs").json()["items"] == []


def test_one_organisations_jobs_are_invisible_to_another(client_as) -> None:
    colin = client_as("colin_commissioner")
    r = colin.post("/api/v1/rostering/jobs", json={"instance": INSTANCE, "time_limit_s": 0.5})
    job_id = r.json()["id"]
    pam = client_as("pam_provider")
    assert pam.get(f"/api/v1/rostering/jobs/{job_id}").status_code == 404
    assert pam.get("/api/v1/rostering/jobs").json()["items"] == []
    _wait(colin, r.headers["location"])


def test_a_finished_job_is_audited_and_announced_once_it_commits(app, client_as) -> None:
    """The runner only commits: the app's session factory relays the event (core.changes)."""
    from sqlalchemy import select

    from joinedup.core.audit import AuditEvent
    from joinedup.core.events import Event
    from joinedup.db.tenancy import Scope

    heard: list[Event] = []
    state = app.state.joinedup
    state.bus.on(heard.append)
    colin = client_as("colin_commissioner")
    r = colin.post("/api/v1/rostering/jobs", json={"instance": INSTANCE, "time_limit_s": 0.5})
    job_id = r.json()["id"]
    assert _wait(colin, r.headers["location"])["status"] == "succeeded"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(e.topic == "roster_job.succeeded" for e in heard):
        time.sleep(0.05)
    assert [e.record_id for e in heard if e.topic == "roster_job.succeeded"] == [job_id]
    with state.session_factory() as s:
        s.info["scope"] = Scope.system("test")
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.record_id == job_id)).all()
    assert sorted(actions) == ["roster_job.submit", "roster_job.succeeded"]
