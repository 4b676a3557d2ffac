"""The commissioner's API over real HTTP: make a study, design, move an LSOA, run, read, export."""

from __future__ import annotations

import time
from typing import Any

import pytest

SMALL = {"localities": ["West"], "recipients": 120, "seed": 3}


@pytest.fixture
def inline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOINEDUP_EXECUTOR", "inline")  # the web server's background thread rosters in-process


@pytest.mark.slow  # whole designs or rosters: seconds each
def test_commissioner_designs_runs_and_exports(client_as, inline) -> None:  # type: ignore[no-untyped-def]
    com = client_as("colin_commissioner")
    made = com.post("/api/v1/neighbourhoods/studies", json=SMALL)
    assert made.status_code == 201, made.text
    study = made.json()
    assert study["recipients"] == 120 and study["synthetic"] is True
    url = made.headers["Location"]

    designed = com.post(f"{url}/design", json={"target": 60})
    assert designed.status_code == 202, designed.text
    assert designed.json()["status"] == "designing"
    design = wait_while(com, url, "designing")["design"]
    assert design["balance"]["neighbourhoods"] == 2

    refused = com.post(f"{url}/moves", json={"lsoa": "E99999999", "to": 1})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.lsoa"

    ran = com.post(f"{url}/runs", json={"providers": 4, "seconds_per_100_visits": 0.1, "days": 1})
    assert ran.status_code == 202, ran.text
    assert com.post(f"{url}/runs", json={"days": 1}).status_code in (202, 409)  # done already, or still running
    deadline = time.monotonic() + 120
    body = com.get(url).json()
    while body["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.5)
        body = com.get(url).json()
    assert body["status"] == "done", body
    assert set(body["comparison"]) == {"framework", "neighbourhood", "flexible"}
    assert body["headline"]["recipients"] == 120 and body["partial"] is False
    exported = com.get(f"{url}/comparison.csv")
    assert exported.status_code == 200
    assert exported.text.startswith("measure,framework,neighbourhood,flexible")


def wait_while(client: Any, url: str, status: str, seconds: float = 120) -> dict[str, Any]:
    """The study once its status is no longer `status` (a design, or a run, in the background)."""
    deadline = time.monotonic() + seconds
    body: dict[str, Any] = client.get(url).json()
    while body["status"] == status and time.monotonic() < deadline:
        time.sleep(0.2)
        body = client.get(url).json()
    return body


def test_bad_input_names_the_field(client_as) -> None:  # type: ignore[no-untyped-def]
    com = client_as("colin_commissioner")
    wrong = com.post("/api/v1/neighbourhoods/studies", json={"localities": ["Atlantis"], "recipients": 10})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "body.localities"
    url = com.post("/api/v1/neighbourhoods/studies", json=SMALL).headers["Location"]
    assert com.post(f"{url}/runs", json={}).status_code == 409  # no design yet
    too_small = com.post(f"{url}/design", json={"target": 5})
    assert too_small.status_code == 422
    assert "E0" in too_small.json()["detail"]  # names the LSOAs that alone exceed the size


def test_a_study_is_seen_only_by_its_organisation(client_as) -> None:  # type: ignore[no-untyped-def]
    url = client_as("colin_commissioner").post("/api/v1/neighbourhoods/studies", json=SMALL).headers["Location"]
    assert client_as("alice_admin").get(url).status_code == 404
    assert client_as("pam_provider").get(url).status_code == 403
