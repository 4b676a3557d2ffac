"""Capacity API: services, updates, history, freshness, search, and bad input named by field."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from joinedup.core.audit import AuditEvent
from joinedup.core.auth.models import AccessLevel
from joinedup.core.outbox import OutboxEvent
from joinedup.db.tenancy import Scope
from joinedup.domains.capacity.models import CapacityUpdateRow
from tests.domains.capacity.conftest import NOW, SERVICE, api_key_for, approve, beds, iso, update

URL = "/api/v1/capacity/updates"


def _count(session_factory: Any, model: Any, *where: Any) -> int:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _fields(response: Any) -> set[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return {e["field"] for e in response.json()["errors"]}


def test_put_service_creates_then_updates(provider_system) -> None:
    again = provider_system.put("/api/v1/capacity/services/home-1", json={**SERVICE, "name": "Home One (renamed)"})
    assert again.status_code == 200 and again.json()["name"] == "Home One (renamed)"
    located = again.json()
    assert located["postcode"] == "M41 5BU" and located["latitude"] and located["longitude"]


def test_update_is_stored_audited_evented_and_read_back_with_its_age(provider_system, session_factory) -> None:
    r = provider_system.post(URL, json={"updates": [update("u1", note="no vacancies until January")]})
    assert r.status_code == 200, r.text
    assert r.json()["applied"] == 1 and r.json()["items"][0]["outcome"] == "applied"
    got = provider_system.get("/api/v1/capacity/services/home-1").json()
    assert got["status"] == "accepting" and got["note"] == "no vacancies until January"
    bed = got["sections"]["beds"]["value"][0]
    assert bed == beds()
    assert got["sections"]["beds"]["source_system"] == "TestRoster 1.0"
    # NOW is fixed when the suite starts, so the age grows with the time the suite has run.
    since_now = (datetime.now(UTC) - NOW).total_seconds()
    assert 590 <= got["sections"]["beds"]["age_seconds"] <= 600 + since_now + 5 and got["stale"] is False
    assert got["accepting_now"] is True
    assert _count(session_factory, AuditEvent, AuditEvent.action == "capacity.update") == 1
    assert _count(session_factory, OutboxEvent, OutboxEvent.topic == "capacity.updated") == 1


def test_a_batch_is_audited_and_evented_once_per_service_naming_every_update(provider_system, session_factory) -> None:
    home_2 = provider_system.put("/api/v1/capacity/services/home-2", json={**SERVICE, "name": "Home Two"})
    assert home_2.status_code == 201
    batch = [update("a1", minutes_ago=30), update("a2", minutes_ago=20), update("a0", minutes_ago=40)]
    batch += [update("b1", service="home-2"), update("b2", service="home-2", minutes_ago=5)]
    r = provider_system.post(URL, json={"updates": batch})
    assert r.status_code == 200, r.text
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        audits = s.scalars(select(AuditEvent).where(AuditEvent.action == "capacity.update")).all()
        events = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "capacity.updated")).all()
    assert sorted(sorted(a.detail["update_ids"]) for a in audits) == [["a0", "a1", "a2"], ["b1", "b2"]]
    # a0 arrived after a1 but is older, so it went to history without changing the state.
    home_1 = next(a for a in audits if "a0" in a.detail["update_ids"])
    assert home_1.detail["applied"] == ["a1", "a2"]
    assert sorted(e.payload["provider_service_id"] for e in events) == ["home-1", "home-2"]
    assert {e.payload["newest_as_of"] for e in events} == {batch[1]["as_of"], batch[4]["as_of"]}


def test_resending_an_update_id_is_harmless_and_different_content_conflicts(provider_system, session_factory) -> None:
    first = provider_system.post(URL, json={"updates": [update("u1")]})
    again = provider_system.post(URL, json={"updates": [update("u1")]})
    assert first.status_code == again.status_code == 200
    assert again.json()["duplicates"] == 1 and again.json()["accepted"] == 0
    clash = provider_system.post(URL, json={"updates": [update("u1", beds=[beds(occupied=29, vacant=7)])]})
    assert clash.status_code == 409 and _fields(clash) == {"body.updates.0.update_id"}
    assert _count(session_factory, CapacityUpdateRow) == 1


def test_out_of_order_update_joins_history_but_never_overwrites(provider_system) -> None:
    newer = update("new", minutes_ago=5, beds=[beds(occupied=31, vacant=5, accepting_admissions=3)])
    older = update("old", minutes_ago=60, beds=[beds(occupied=20, vacant=16, accepting_admissions=10)])
    assert provider_system.post(URL, json={"updates": [newer]}).json()["applied"] == 1
    late = provider_system.post(URL, json={"updates": [older]}).json()
    assert late["applied"] == 0 and late["items"][0]["outcome"] == "kept_in_history"
    now = provider_system.get("/api/v1/capacity/services/home-1").json()
    assert now["sections"]["beds"]["value"][0]["occupied"] == 31
    past = provider_system.get(
        "/api/v1/capacity/services/home-1", params={"at": iso(NOW - timedelta(minutes=30))}
    ).json()
    assert past["sections"]["beds"]["value"][0]["occupied"] == 20
    before = provider_system.get(
        "/api/v1/capacity/services/home-1", params={"at": iso(NOW - timedelta(hours=5))}
    ).json()
    assert before["sections"] == {} and before["stale"] is True
    history = provider_system.get("/api/v1/capacity/services/home-1/history").json()
    assert [h["update_id"] for h in history["items"]] == ["old", "new"]
    assert [h["applied"] for h in history["items"]] == [False, True]


def test_sections_merge_independently(provider_system) -> None:
    provider_system.post(URL, json={"updates": [update("a", minutes_ago=30)]})
    rules = {
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "from_time": "00:00:00",
        "to_time": "23:59:59",
        "funding": ["council", "self_funder"],
    }
    provider_system.post(URL, json={"updates": [update("b", minutes_ago=5, admission_rules=rules)]})
    got = provider_system.get("/api/v1/capacity/services/home-1").json()
    assert set(got["sections"]) == {"status", "beds", "admission_rules"}
    assert got["sections"]["beds"]["update_id"] == "a" and got["sections"]["admission_rules"]["update_id"] == "b"


def test_stale_values_are_flagged(provider_system) -> None:
    provider_system.post(URL, json={"updates": [update("old", minutes_ago=60 * 30)]})
    got = provider_system.get("/api/v1/capacity/services/home-1").json()
    assert got["stale"] is True and got["sections"]["beds"]["stale"] is True
    assert got["stale_after_seconds"] == 24 * 3600


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"beds": [beds(bed_type="spaceship")]}, "body.updates.0.beds.0.bed_type"),
        ({"beds": [beds(occupied=-1)]}, "body.updates.0.beds.0.occupied"),
        ({"beds": [beds(occupied=33, vacant=6)]}, "body.updates.0.beds.0.vacant"),
        ({"beds": [beds(staffed=41)]}, "body.updates.0.beds.0.staffed"),
        ({"beds": [beds(reserved=7)]}, "body.updates.0.beds.0.reserved"),
        ({"beds": [beds(accepting_admissions=6)]}, "body.updates.0.beds.0.accepting_admissions"),
        ({"beds": [beds(), beds()]}, "body.updates.0.beds"),
        ({"as_of": iso(NOW + timedelta(hours=1))}, "body.updates.0.as_of"),
        ({"as_of": "2026-01-01T10:00:00"}, "body.updates.0.as_of"),
        ({"provider_service_id": "not-mine"}, "body.updates.0.provider_service_id"),
        ({"colour": "blue"}, "body.updates.0.colour"),
        ({"status": "maybe"}, "body.updates.0.status"),
        (
            {
                "homecare": [
                    {
                        "time_band": "morning",
                        "spare_hours_per_week": 10,
                        "earliest_start": "2026-12-01",
                        "postcode_districts": ["M41 5BU"],
                    }
                ]
            },
            "body.updates.0.homecare.0.postcode_districts.0",
        ),
        (
            {"homecare": [{"time_band": "morning", "spare_hours_per_week": 10, "earliest_start": "2026-12-01"}]},
            "body.updates.0.homecare.0.postcode_districts",
        ),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(provider_system, session_factory, change, field) -> None:
    good = update("good", minutes_ago=1)
    bad = {**update("bad"), **change}
    r = provider_system.post(URL, json={"updates": [bad, good]})
    assert r.status_code == 422, r.text
    assert field in _fields(r)
    assert _count(session_factory, CapacityUpdateRow) == 0
    assert _count(session_factory, OutboxEvent, OutboxEvent.topic == "capacity.updated") == 0


def test_per_item_stores_the_good_and_reports_the_bad(provider_system, session_factory) -> None:
    bad = update("bad", service="not-mine")
    r = provider_system.post(URL, params={"per_item": "true"}, json={"updates": [update("good"), bad]})
    assert r.status_code == 200
    outcomes = [i["outcome"] for i in r.json()["items"]]
    assert outcomes == ["applied", "rejected"]
    assert r.json()["items"][1]["errors"][0]["field"] == "body.updates.1.provider_service_id"
    assert _count(session_factory, CapacityUpdateRow) == 1


def test_per_item_holds_back_updates_that_break_the_standard(provider_system, session_factory) -> None:
    broken = update("broken", beds=[beds(occupied=40, vacant=6)])  # occupied + vacant > staffed
    shapeless = {"update_id": "shapeless", "provider_service_id": "home-1"}
    batch = [update("good-1", minutes_ago=20), broken, shapeless, 7, update("good-2")]
    whole = provider_system.post(URL, json={"updates": batch})
    assert whole.status_code == 422
    assert {"body.updates.2.as_of", "body.updates.2.source_system", "body.updates.3"} <= _fields(whole)
    assert any(f.startswith("body.updates.1.beds.0") for f in _fields(whole))
    assert _count(session_factory, CapacityUpdateRow) == 0

    r = provider_system.post(URL, params={"per_item": "true"}, json={"updates": batch})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["outcome"] for i in items] == ["applied", "rejected", "rejected", "rejected", "applied"]
    assert [i["update_id"] for i in items] == ["good-1", "broken", "shapeless", None, "good-2"]
    assert all(e["field"].startswith("body.updates.1.beds.0") for e in items[1]["errors"])
    assert r.json()["accepted"] == 2 and r.json()["rejected"] == 3
    assert _count(session_factory, CapacityUpdateRow) == 2


def test_batches_over_1000_are_refused(provider_system) -> None:
    r = provider_system.post(URL, json={"updates": [update(f"u{i}") for i in range(1001)]})
    assert r.status_code == 422 and "body.updates" in _fields(r)


def test_a_batch_of_1000_is_accepted(provider_system) -> None:
    batch = [update(f"u{i}", minutes_ago=1000 - i, beds=[beds(occupied=i % 30, vacant=6)]) for i in range(1000)]
    r = provider_system.post(URL, json={"updates": batch})
    assert r.status_code == 200 and r.json()["accepted"] == 1000
    got = provider_system.get("/api/v1/capacity/services/home-1").json()
    assert got["sections"]["beds"]["update_id"] == "u999"


def test_malformed_postcode_is_refused(provider_system) -> None:
    r = provider_system.put("/api/v1/capacity/services/home-2", json={**SERVICE, "postcode": "NOT A CODE"})
    assert r.status_code == 422 and _fields(r) == {"body.postcode"}
    s = provider_system.get("/api/v1/capacity/search", params={"postcode": "XX"})
    assert s.status_code == 422 and _fields(s) == {"query.postcode"}


def test_a_provider_cannot_write_another_providers_services(provider_system, client_as, world) -> None:
    bob = client_as("bob_provider")
    assert bob.put("/api/v1/capacity/services/b-1", json=SERVICE).status_code == 201
    # Bob's own namespace: his "home-1" is not Pam's.
    r = bob.post(URL, json={"updates": [update("x")]})
    assert r.status_code == 422 and _fields(r) == {"body.updates.0.provider_service_id"}
    other = bob.put(
        "/api/v1/capacity/services/home-1",
        params={"organisation_id": world.org_id("care_home_a")},
        json=SERVICE,
    )
    assert other.status_code == 403 and _fields(other) == {"query.organisation_id"}
    assert (
        bob.get("/api/v1/capacity/services/home-1", params={"organisation_id": world.org_id("care_home_a")}).status_code
        == 404
    )


def test_read_only_keys_cannot_write(app, world, session_factory, provider_system) -> None:
    from fastapi.testclient import TestClient

    key = api_key_for(session_factory, world, "care_home_a", "pam_provider", AccessLevel.READ)
    with TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": key}) as ro:
        assert ro.post(URL, json={"updates": [update("u1")]}).status_code == 403
        assert ro.get("/api/v1/capacity/services/home-1").status_code == 200


def test_discharge_coordinators_and_commissioners_search_by_radius_and_care_type(
    provider_system, client_as, world, session_factory
) -> None:
    provider_system.post(URL, json={"updates": [update("u1")]})
    provider_system.put(
        "/api/v1/capacity/services/far", json={"name": "Far", "kind": "care_home", "latitude": 51.5, "longitude": -0.1}
    )
    approve(session_factory, world, "far")
    provider_system.post(URL, json={"updates": [update("u2", service="far")]})
    for persona in ("dan_discharge", "colin_commissioner"):
        client = client_as(persona)
        r = client.get(
            "/api/v1/capacity/search",
            params={"care_type": "nursing", "postcode": "M41 5BU", "radius_km": 10, "accepting": "true"},
        )
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        assert [i["service"]["provider_service_id"] for i in items] == ["home-1"]
        assert items[0]["distance_km"] < 1 and items[0]["stale"] is False and items[0]["age_seconds"] >= 0
    dan = client_as("dan_discharge")
    none = dan.get("/api/v1/capacity/search", params={"care_type": "dementia_nursing", "postcode": "M41 5BU"})
    assert none.json()["items"] == []
    everywhere = dan.get("/api/v1/capacity/search", params={"care_type": "nursing"}).json()["items"]
    assert {i["service"]["provider_service_id"] for i in everywhere} == {"home-1", "far"}
    # A provider from another system sees none of it; a care worker may not search at all.
    assert client_as("cara_careworker").get("/api/v1/capacity/search").status_code == 403


def test_search_paginates_with_a_cursor(provider_system, client_as, world, session_factory) -> None:
    for i in range(5):
        provider_system.put(
            f"/api/v1/capacity/services/s{i}",
            json={"name": f"S{i}", "kind": "care_home", "latitude": 53.44 + i * 0.01, "longitude": -2.36},
        )
        approve(session_factory, world, f"s{i}")
        provider_system.post(URL, json={"updates": [update(f"s{i}", service=f"s{i}")]})
    dan = client_as("dan_discharge")
    seen: list[str] = []
    params: dict[str, Any] = {"latitude": 53.44, "longitude": -2.36, "limit": 2, "care_type": "nursing"}
    while True:
        page = dan.get("/api/v1/capacity/search", params=params).json()
        seen += [i["service"]["provider_service_id"] for i in page["items"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert seen[:5] == ["s0", "s1", "s2", "s3", "s4"] or set(seen) == {"s0", "s1", "s2", "s3", "s4", "home-1"}
    assert len(seen) == len(set(seen)) == 5


def test_fresh_filter_and_skills_for_homecare(provider_system, client_as, world, session_factory) -> None:
    provider_system.put("/api/v1/capacity/services/hc", json={"name": "HC", "kind": "homecare", "postcode": "M41 5BU"})
    approve(session_factory, world, "hc")
    slot = {
        "postcode_districts": ["M41", "M32"],
        "time_band": "morning",
        "spare_hours_per_week": 12.5,
        "skills": ["double_up", "dementia"],
        "earliest_start": "2026-12-01",
    }
    provider_system.post(URL, json={"updates": [update("h1", service="hc", status="accepting", homecare=[slot])]})
    provider_system.post(URL, json={"updates": [update("old", minutes_ago=60 * 30)]})
    dan = client_as("dan_discharge")
    found = dan.get(
        "/api/v1/capacity/search", params={"care_type": "homecare", "skill": "double_up", "area": "M32"}
    ).json()["items"]
    assert [i["service"]["provider_service_id"] for i in found] == ["hc"]
    fresh = dan.get("/api/v1/capacity/search", params={"fresh": "true"}).json()["items"]
    assert {i["service"]["provider_service_id"] for i in fresh} == {"hc"}
    stale = dan.get("/api/v1/capacity/search", params={"fresh": "false"}).json()["items"]
    assert {i["service"]["provider_service_id"] for i in stale} == {"home-1"}


def test_confirm_nothing_changed_refreshes_every_value(provider_system) -> None:
    provider_system.post(URL, json={"updates": [update("old", minutes_ago=60 * 30)]})
    r = provider_system.post("/api/v1/capacity/services/home-1/confirm")
    assert r.status_code == 200 and r.json()["applied"] == 1
    got = provider_system.get("/api/v1/capacity/services/home-1").json()
    assert got["stale"] is False and got["sections"]["beds"]["value"] == [beds()]


def test_the_standard_is_published_as_json_schema(anon) -> None:
    r = anon.get("/api/v1/capacity/standard/v1.schema.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["version"] == "1.0"
    bed = doc["$defs"]["BedCount"]
    assert set(bed["required"]) >= {"physical", "staffed", "occupied", "reserved", "vacant", "accepting_admissions"}
    assert bed["additionalProperties"] is False


def test_area_search_finds_a_care_home_by_its_own_lsoa_and_district(
    provider_system, client_as, world, session_factory
) -> None:
    provider_system.post(URL, json={"updates": [update("u1")]})  # home-1 is at M41 5BU, LSOA E01006197
    dan = client_as("dan_discharge")

    def found(area: str) -> list[str]:
        items = dan.get("/api/v1/capacity/search", params={"area": area}).json()["items"]
        return [i["service"]["provider_service_id"] for i in items]

    assert found("E01006197") == ["home-1"] and found("M41") == ["home-1"]
    assert found("E01006112") == [] and found("M32") == []
    # Moving the home moves what an area search finds, without a new capacity update.
    moved = provider_system.put("/api/v1/capacity/services/home-1", json={**SERVICE, "postcode": "M15 4AD"})
    assert moved.status_code == 200
    assert found("E01006112") == [] and found("M41") == []  # a new place is verified before it is found
    approve(session_factory, world, "home-1")
    assert found("E01006112") == ["home-1"] and found("E01006197") == []


def test_a_batch_that_is_not_json_is_refused_by_media_type_or_syntax_and_stores_nothing(
    provider_system, session_factory
) -> None:
    """The batch body is validated from its bytes (core.json_body): the answers are the same
    problems as for any other body, and nothing is stored."""
    good = {"updates": [update("ok-1")]}
    as_form = provider_system.post(
        URL, content=b"updates=1", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert as_form.status_code == 415, as_form.text
    assert as_form.json()["type"].endswith("/unsupported-media-type")
    cut_short = provider_system.post(URL, content=b'{"updates": [', headers={"content-type": "application/json"})
    assert cut_short.status_code == 422 and _fields(cut_short) == {"body"}
    assert "Invalid JSON" in cut_short.json()["errors"][0]["message"]
    empty = provider_system.post(URL, content=b"", headers={"content-type": "application/json"})
    assert empty.status_code == 422 and _fields(empty) == {"body"}
    wrong_field = provider_system.post(URL, json={"updates": [{**update("bad-1"), "beds": "many"}]})
    assert wrong_field.status_code == 422 and _fields(wrong_field) == {"body.updates.0.beds"}
    assert _count(session_factory, CapacityUpdateRow) == 0
    # A JSON media type with parameters, or a +json one, is JSON.
    charset = provider_system.post(
        URL, content=json.dumps(good), headers={"content-type": "application/json; charset=utf-8"}
    )
    assert charset.status_code == 200, charset.text
    assert _count(session_factory, CapacityUpdateRow) == 1
