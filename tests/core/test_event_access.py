"""The live stream tells each listener no more than the API would.

A scenario written through the API produces events of every topic (organisations, sites, users,
credentials, capacity, every discharge step, roster jobs, saved views, neighbourhood studies), in
two care systems. Then, for every role, what `/api/v1/events` replays is compared, event by
event, with what the same caller can read through the API:

- the event's subject is readable  -> the event is delivered whole (a change shared by several
  organisations, such as a referral step, is written once for each: a party hears its own copy);
- else, for a discharge event, the organisation's figures are readable (the system picture)
  -> an id-free notice (topic and organisation, no record id, no payload), so live pages refresh;
- else -> the event is not delivered at all.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.core import outbox
from joinedup.core.outbox import OutboxEvent
from joinedup.db.tenancy import Scope
from tests.domains.discharge.conftest import Discharge, assessment_body, dx, patient_body  # noqa: F401
from tests.personas import PERSONAS
from tests.test_roster_cli import INSTANCE

LISTENERS = (
    "alice_admin",
    "otto_other_admin",
    "dan_discharge",
    "pam_provider",
    "bob_provider",
    "cleo_clinician",
    "colin_commissioner",
    "ivy_inspector",
    "machine",
)
NOT_LISTENERS = ("cara_careworker", "nora_nobody")

# Every topic the scenario below must produce (each kind of change the product announces).
EXPECTED_TOPICS = {
    "organisation.created",
    "organisation.updated",
    "site.created",
    "user.created",
    "user.updated",
    "credential.created",
    "credential.revoked",
    "capacity.service_created",
    "capacity.service_updated",
    "capacity.updated",
    "discharge.patient_added",
    "discharge.patient_updated",
    "discharge.assessment_added",
    "discharge.referral_sent",
    "discharge.referral_opened",
    "discharge.referral_question",
    "discharge.referral_offered",
    "discharge.referral_declined",
    "discharge.referral_accepted",
    "discharge.referral_withdrawn",
    "discharge.delay_added",
    "discharge.delay_ended",
    "discharge.patient_discharged",
    "roster_job.queued",
    "roster_job.succeeded",
    "visibility.view_saved",
    "visibility.view_deleted",
    "neighbourhoods.study_created",
}


@dataclass
class Scenario:
    clients: dict[str, TestClient]
    # Saved views are deleted in the scenario: who could read each one, read before it went.
    view_readers: dict[str, set[str]]


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json() if response.content else {}


def _run_scenario(client_as: Callable[[str], TestClient], anon: TestClient, world: Any, dx_: Discharge) -> Scenario:
    clients = {p: client_as(p) for p in (*LISTENERS[:-1], *NOT_LISTENERS)}
    alice, otto, dan = clients["alice_admin"], clients["otto_other_admin"], clients["dan_discharge"]
    pam, bob, colin = clients["pam_provider"], clients["bob_provider"], clients["colin_commissioner"]
    home_a, home_b = world.org_id("care_home_a"), world.org_id("care_home_b")

    # Organisations, sites, users and credentials, in both care systems.
    _ok(alice.patch(f"/api/v1/organisations/{home_a}", json={"name": "Renamed A"}))
    _ok(alice.post(f"/api/v1/organisations/{home_b}/sites", json={"name": "Annexe"}), 201)
    _ok(alice.post("/api/v1/organisations", json={"name": "New Home", "type": "care_home_provider"}), 201)
    _ok(otto.patch(f"/api/v1/organisations/{world.org_id('other_care_home')}", json={"name": "Far"}))
    far = world.org_id("other_care_home")
    for admin, org, email in ((alice, home_b, "new.b@example.org"), (otto, far, "far@example.org")):
        made = _ok(
            admin.post(
                "/api/v1/users",
                json={
                    "email": email,
                    "display_name": "New Person",
                    "password": "a long enough password",
                    "memberships": [{"organisation_id": org, "role": "provider_manager"}],
                },
            ),
            201,
        )
        _ok(admin.patch(f"/api/v1/users/{made['id']}", json={"display_name": "Renamed Person"}))
    key_b = _ok(alice.post(f"/api/v1/organisations/{home_b}/api-keys", json={"name": "b"}), 201)
    _ok(alice.delete(f"/api/v1/organisations/{home_b}/api-keys/{key_b['id']}"))
    key_a = _ok(pam.post(f"/api/v1/organisations/{home_a}/api-keys", json={"name": "a", "access": "read_write"}), 201)
    anon.headers["X-API-Key"] = key_a["key"]
    clients["machine"] = anon

    # Capacity: a new service, renamed, and an update.
    svc = {"name": "Pam's Annexe", "kind": "care_home", "postcode": "M41 5BU"}
    _ok(pam.put("/api/v1/capacity/services/annexe", json=svc), 201)
    _ok(pam.put("/api/v1/capacity/services/annexe", json={**svc, "name": "Pam's Annexe 2"}))

    # Discharge: every step of a referral, on both parties' streams.
    pid = _ok(dan.post("/api/v1/discharge/patients", json=patient_body(1)), 201)["id"]
    _ok(dan.patch(f"/api/v1/discharge/patients/{pid}", json={"ward": "Ward 9"}))
    _ok(dan.post(f"/api/v1/discharge/patients/{pid}/assessments", json=assessment_body()), 201)
    sent = _ok(
        dan.post(
            f"/api/v1/discharge/patients/{pid}/referrals",
            json={"service_ids": [dx_.services["oak"], dx_.services["elm"]]},
        ),
        201,
    )
    oak = next(r["id"] for r in sent if r["service_id"] == dx_.services["oak"])
    elm = next(r["id"] for r in sent if r["service_id"] == dx_.services["elm"])
    opened = _ok(pam.post(f"/api/v1/discharge/incoming/{oak}/open"))
    _ok(pam.post(f"/api/v1/discharge/incoming/{oak}/question", json={"text": "Stairs at home?"}))
    _ok(dan.post(f"/api/v1/discharge/referrals/{oak}/answer", json={"text": "No"}))
    _ok(pam.post(f"/api/v1/discharge/incoming/{oak}/offer", json={"start_date": opened["summary"]["start_date"]}))
    _ok(bob.post(f"/api/v1/discharge/incoming/{elm}/decline", json={"reason": "no_vacancy"}))
    _ok(dan.post(f"/api/v1/discharge/referrals/{oak}/accept"))
    delay = _ok(dan.post(f"/api/v1/discharge/patients/{pid}/delays", json={"reason_code": "I06"}), 201)
    _ok(dan.post(f"/api/v1/discharge/patients/{pid}/delays/{delay['id']}/end"))
    _ok(dan.post(f"/api/v1/discharge/patients/{pid}/discharge", json={}))
    other = _ok(dan.post("/api/v1/discharge/patients", json=patient_body(2)), 201)["id"]
    _ok(dan.post(f"/api/v1/discharge/patients/{other}/assessments", json=assessment_body()), 201)
    withdrawn = _ok(
        dan.post(f"/api/v1/discharge/patients/{other}/referrals", json={"service_ids": [dx_.services["elm"]]}), 201
    )[0]["id"]
    _ok(dan.post(f"/api/v1/discharge/referrals/{withdrawn}/withdraw"))

    # A roster job, saved views (shared, personal, another role's), a neighbourhood study.
    job = colin.post("/api/v1/rostering/jobs", json={"instance": INSTANCE, "time_limit_s": 0.2})
    assert job.status_code == 202, job.text
    deadline = time.monotonic() + 30
    while colin.get(job.headers["location"]).json()["status"] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, "the roster job did not finish"
        time.sleep(0.1)
    _ok(colin.post("/api/v1/visibility/views", json={"name": "Shared", "path": "/visibility", "shared": True}), 201)
    mine = _ok(colin.post("/api/v1/visibility/views", json={"name": "Mine", "path": "/visibility"}), 201)
    _ok(dan.post("/api/v1/visibility/views", json={"name": "Dan's", "path": "/visibility", "shared": True}), 201)
    view_readers: dict[str, set[str]] = {}
    for persona in LISTENERS:
        listed = clients[persona].get("/api/v1/visibility/views")
        for view in listed.json() if listed.status_code == 200 else []:
            view_readers.setdefault(view["id"], set()).add(persona)
    assert colin.delete(f"/api/v1/visibility/views/{mine['id']}").status_code == 204
    _ok(colin.post("/api/v1/neighbourhoods/studies", json={"localities": ["West"], "recipients": 60, "seed": 1}), 201)
    return Scenario(clients=clients, view_readers=view_readers)


class Reader:
    """What one caller can read through the API (each address asked once)."""

    def __init__(self, persona: str, client: TestClient, scenario: Scenario) -> None:
        self.persona, self.client, self.scenario = persona, client, scenario
        self._seen: dict[str, Any] = {}

    def get(self, url: str) -> Any:
        if url not in self._seen:
            r = self.client.get(url)
            assert r.status_code in (200, 403, 404), f"{self.persona} GET {url}: {r.status_code} {r.text}"
            self._seen[url] = r.json() if r.status_code == 200 else None
        return self._seen[url]

    def listed(self, url: str, record_id: str) -> bool:
        found = self.get(url)
        return found is not None and record_id in {row["id"] for row in found}

    def subject(self, e: dict[str, Any]) -> bool:
        """Could this caller read the event's subject through the API?"""
        topic, rid, org = e["topic"], e["record_id"], e["organisation_id"]
        family = topic.split(".")[0]
        if family == "organisation":
            return self.get(f"/api/v1/organisations/{rid}") is not None
        if family == "site":
            org_out = self.get(f"/api/v1/organisations/{org}")
            return org_out is not None and rid in {s["id"] for s in org_out["sites"]}
        if family == "user":
            return self.get(f"/api/v1/users/{rid}") is not None
        if family == "credential":
            return self.listed(f"/api/v1/organisations/{org}/api-keys", rid) or self.listed(
                f"/api/v1/organisations/{org}/oauth-clients", rid
            )
        if family == "capacity":
            return self.get(f"/fhir/R4/HealthcareService/{rid}") is not None
        if topic.startswith("discharge.referral_"):
            return (
                self.get(f"/api/v1/discharge/referrals/{rid}") is not None
                or self.get(f"/api/v1/discharge/incoming/{rid}") is not None
            )
        if family == "discharge":
            return self.get(f"/api/v1/discharge/patients/{e['payload']['patient_id']}") is not None
        if family == "roster_job":
            return self.get(f"/api/v1/rostering/jobs/{rid}") is not None
        if family == "visibility":
            return self.persona in self.scenario.view_readers.get(rid, set())
        if family == "neighbourhoods":
            return self.get(f"/api/v1/neighbourhoods/studies/{rid}") is not None
        raise AssertionError(f"no API subject known for topic {topic!r}: say how the API reads it")

    def figures(self, e: dict[str, Any]) -> bool:
        """Could this caller read the figures of the event's organisation (the system picture)?"""
        return self.get(f"/api/v1/visibility/organisations/{e['organisation_id']}") is not None


def _stream(client: TestClient) -> tuple[int, list[dict[str, Any]]]:
    """Everything the live stream replays to this caller, from the first event."""
    with client.stream("GET", "/api/v1/events", params={"max_seconds": 0}, headers={"Last-Event-ID": "0"}) as r:
        if r.status_code != 200:
            return r.status_code, []
        got, event = [], ""
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event not in ("ready", ""):
                got.append(json.loads(line.split(":", 1)[1]))
    return 200, got


def _copies(written: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """A change shared by several organisations (a referral is the hospital's and the
    provider's) is written once per organisation, one after another: event id -> its copies."""
    groups: list[list[dict[str, Any]]] = []
    for e in written:
        last = groups[-1][-1] if groups else None
        same = last is not None and last["id"] == e["id"] - 1
        if same and (last["topic"], last["record_id"], last["payload"]) == (e["topic"], e["record_id"], e["payload"]):
            groups[-1].append(e)
        else:
            groups.append([e])
    return {e["id"]: group for group in groups for e in group}


def _addressed_to(e: dict[str, Any], copies: list[dict[str, Any]], own: str) -> bool:
    """Which copy of a shared change a reader of its subject hears whole: the one for its own
    organisation (else the first), so a party hears each change once."""
    mine = [c for c in copies if c["organisation_id"] == own]
    return e is (mine or copies)[0]


def _kind(heard: dict[str, Any] | None, written: dict[str, Any]) -> str:
    if heard is None:
        return "nothing"
    if heard == written:
        return "the whole event"
    if heard == {**written, "record_id": None, "payload": {}}:
        return "a notice"
    return f"something else: {heard}"


@pytest.mark.slow
def test_every_role_hears_only_what_the_api_would_let_it_read(app, client_as, anon, world, dx) -> None:  # noqa: F811
    scenario = _run_scenario(client_as, anon, world, dx)
    state = app.state.joinedup
    while outbox.relay_pending(state.session_factory, state.bus):
        pass
    with state.session_factory() as s:
        s.info["scope"] = Scope.system("test")
        written = [
            r.to_event().as_json()
            for r in s.scalars(select(OutboxEvent).where(OutboxEvent.relayed_at.is_not(None)).order_by(OutboxEvent.id))
        ]
    missing = EXPECTED_TOPICS - {e["topic"] for e in written}
    assert not missing, missing
    assert len(written) < 500  # the replay's page

    copies = _copies(written)
    for persona in NOT_LISTENERS:
        assert _stream(scenario.clients[persona])[0] == 403
    mismatches: list[str] = []
    for persona in LISTENERS:
        client = scenario.clients[persona]
        status, heard = _stream(client)
        assert status == 200
        by_id = {e["id"]: e for e in heard}
        assert len(by_id) == len(heard), f"{persona}: an event heard twice"
        reader = Reader(persona, client, scenario)
        own = world.org_id("care_home_a" if persona == "machine" else PERSONAS[persona][0])
        for e in written:
            got = by_id.pop(e["id"], None)
            if reader.subject(e) and _addressed_to(e, copies[e["id"]], own):
                expected: dict[str, Any] | None = e
            elif e["topic"].startswith("discharge.") and reader.figures(e):
                expected = {**e, "record_id": None, "payload": {}}
            else:
                expected = None
            if got != expected:
                heard_as, expected_as = _kind(got, e), _kind(expected, e)
                mismatches.append(f"{persona} {e['topic']} #{e['id']}: heard {heard_as}, expected {expected_as}")
        assert not by_id, f"{persona} heard events that were never written: {by_id}"
    assert not mismatches, "\n".join(mismatches)
