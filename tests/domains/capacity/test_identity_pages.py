"""The administrator's pages: services awaiting approval (approve; reject only after confirming),
each decision audited; a provider's CQC locations registered; the flags providers see."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.core.audit import AuditEvent
from joinedup.core.auth.models import AccessLevel
from joinedup.db.tenancy import Scope
from joinedup.domains.capacity.models import CapacityService
from tests.domains.capacity.conftest import SERVICE, api_key_for, update


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def _pending(app: Any, session_factory: Any, world: Any, name: str = "Birch House") -> str:
    key = api_key_for(session_factory, world, "care_home_b", "bob_provider", AccessLevel.READ_WRITE)
    with TestClient(app, headers={"X-API-Key": key}) as bob:
        put = bob.put("/api/v1/capacity/services/birch", json={**SERVICE, "name": name})
        assert put.status_code == 201 and put.json()["identity_status"] == "unverified"
        assert (
            bob.post("/api/v1/capacity/updates", json={"updates": [update("b1", service="birch")]}).status_code == 200
        )
        return str(put.json()["id"])


def _status(session_factory: Any, service_id: str) -> str:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        return str(s.get(CapacityService, service_id).identity_status)  # type: ignore[union-attr]


def _audited(session_factory: Any, action: str) -> list[AuditEvent]:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_administrator_approves_a_new_service(app, world, session_factory, client_as) -> None:  # type: ignore[no-untyped-def]
    sid = _pending(app, session_factory, world)
    alice = client_as("alice_admin")
    search = alice.get("/capacity", params={"search": "1"})
    assert 'href="/capacity/approvals"' in search.text and "1 service awaiting your approval" in search.text
    listing = alice.get("/capacity/approvals")
    assert listing.status_code == 200 and "Birch House" in listing.text and "Awaiting approval" in listing.text
    done = alice.post(f"/capacity/approvals/{sid}/approve", data={"csrf_token": _csrf(listing.text)})
    assert done.status_code == 200 and "The service is approved" in done.text  # followed the redirect
    assert _status(session_factory, sid) == "verified"
    assert "No service is waiting for approval" in done.text
    [audit] = _audited(session_factory, "capacity_service.approve")
    assert audit.record_id == sid and audit.actor_id == world.users["alice_admin"].id


def test_rejecting_asks_first(app, world, session_factory, client_as) -> None:  # type: ignore[no-untyped-def]
    sid = _pending(app, session_factory, world)
    alice = client_as("alice_admin")
    listing = alice.get("/capacity/approvals")
    assert f'href="/capacity/approvals/{sid}/reject"' in listing.text  # a link to a question, not a button that acts
    question = alice.get(f"/capacity/approvals/{sid}/reject")
    assert question.status_code == 200 and "Reject “Birch House”?" in question.text
    assert _status(session_factory, sid) == "unverified" and _audited(session_factory, "capacity_service.reject") == []
    done = alice.post(f"/capacity/approvals/{sid}/reject", data={"csrf_token": _csrf(question.text)})
    assert done.status_code == 200 and "The service is rejected" in done.text
    assert _status(session_factory, sid) == "rejected"
    assert len(_audited(session_factory, "capacity_service.reject")) == 1
    bob = client_as("bob_provider")
    mine = bob.get("/capacity")
    assert "Not approved" in mine.text and "did not approve" in mine.text


def test_a_provider_sees_its_own_service_awaiting_approval(app, world, session_factory, client_as) -> None:  # type: ignore[no-untyped-def]
    _pending(app, session_factory, world)
    mine = client_as("bob_provider").get("/capacity")
    assert "Awaiting approval" in mine.text and "Hospitals do not see this service yet" in mine.text
    assert "Birch House" not in client_as("dan_discharge").get("/capacity", params={"search": "1"}).text


def test_only_the_administrator_reaches_the_approvals(app, world, session_factory, client_as) -> None:  # type: ignore[no-untyped-def]
    sid = _pending(app, session_factory, world)
    for persona in ("bob_provider", "dan_discharge", "colin_commissioner"):
        client = client_as(persona)
        assert client.get("/capacity/approvals").status_code == 403
        assert client.post(f"/capacity/approvals/{sid}/approve", data={}).status_code == 403
    other = client_as("otto_other_admin")  # another care system's administrator does not see it
    assert "Birch House" not in other.get("/capacity/approvals").text
    page = other.get("/capacity/approvals")
    assert other.post(f"/capacity/approvals/{sid}/approve", data={"csrf_token": _csrf(page.text)}).status_code == 404
    assert _status(session_factory, sid) == "unverified"


def test_the_administrator_registers_a_providers_cqc_location(app, world, session_factory, client_as) -> None:  # type: ignore[no-untyped-def]
    alice = client_as("alice_admin")
    org_id = world.org_id("care_home_b")
    detail = alice.get(f"/organisations/{org_id}")
    assert f'href="/organisations/{org_id}/locations"' in detail.text
    form = alice.get(f"/organisations/{org_id}/locations")
    assert form.status_code == 200 and world.orgs["care_home_b"].cqc_location_id in form.text
    token = _csrf(form.text)
    bad = alice.post(
        f"/organisations/{org_id}/locations",
        data={"csrf_token": token, "cqc_location_id": "12345", "name": "", "postcode": "nowhere"},
    )
    assert bad.status_code == 422 and "There is a problem" in bad.text
    assert 'href="#cqc_location_id"' in bad.text and 'href="#name"' in bad.text and 'href="#postcode"' in bad.text
    assert 'value="12345"' in bad.text  # what was typed is kept
    taken = alice.post(
        f"/organisations/{org_id}/locations",
        data={"csrf_token": token, "cqc_location_id": world.orgs["care_home_a"].cqc_location_id, "name": "Copy"},
    )
    assert taken.status_code == 422 and "already registered" in taken.text
    ok = alice.post(
        f"/organisations/{org_id}/locations",
        data={"csrf_token": token, "cqc_location_id": "1-777777777", "name": "Elm Annexe", "postcode": "m41 5bu"},
    )
    assert ok.status_code == 200 and "The location is registered" in ok.text and "M41 5BU" in ok.text
    [audit] = _audited(session_factory, "provider_location.create")
    assert audit.record_organisation_id == org_id and audit.actor_id == world.users["alice_admin"].id
    assert client_as("bob_provider").get(f"/organisations/{org_id}/locations").status_code == 403
