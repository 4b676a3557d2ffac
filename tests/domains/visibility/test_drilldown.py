"""The drill-down over real HTTP: each level's figures, and that no role reaches a level or a
record outside its visibility set, through a page, the JSON API or an export."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.core.audit import AuditEvent
from joinedup.domains.visibility import presentation as exports
from joinedup.domains.visibility.schemas import Table
from tests.domains.capacity.conftest import approve
from tests.domains.capacity.conftest import update as capacity_update
from tests.domains.visibility.conftest import push


def _row(level: dict, table: str, first: str) -> list:  # type: ignore[type-arg]
    rows = next(t for t in level["tables"] if t["key"] == table)["rows"]
    return next(r for r in rows if r[0] == first)


def test_system_level_counts_only_what_the_commissioner_may_see(client_as, capacity) -> None:  # type: ignore[no-untyped-def]
    body = client_as("colin_commissioner").get("/api/v1/visibility/system").json()
    # care homes A (4) and B (3) are in Colin's place; "elsewhere" (7) and the other system's (11) are not.
    assert _row(body, "capacity", "Nursing care")[2] == 7.0
    admin = client_as("alice_admin").get("/api/v1/visibility/system").json()
    assert _row(admin, "capacity", "Nursing care")[2] == 14.0  # the whole system, not the other one
    provider = client_as("pam_provider").get("/api/v1/visibility/system").json()
    assert _row(provider, "capacity", "Nursing care")[2] == 4.0


def test_page_drills_from_system_to_place_to_provider(client_as, capacity, world) -> None:  # type: ignore[no-untyped-def]
    colin = client_as("colin_commissioner")
    system = colin.get("/visibility")
    assert system.status_code == 200
    assert f"/visibility/places/{world.place_id}" in system.text
    place = colin.get(f"/visibility/places/{world.place_id}")
    assert place.status_code == 200
    assert f"/visibility/organisations/{world.org_id('care_home_a')}" in place.text
    provider = colin.get(f"/visibility/organisations/{world.org_id('care_home_a')}")
    assert provider.status_code == 200 and "Home a-1" in provider.text


@pytest.mark.parametrize(
    "path",
    [
        "/visibility/organisations/{elsewhere}",
        "/api/v1/visibility/organisations/{elsewhere}",
        "/api/v1/visibility/organisations/{other}",
        "/visibility/places/{other_place}",
        "/api/v1/visibility/places/{other_place}",
        "/api/v1/visibility/export.csv?level=organisation&table=services&organisation_id={elsewhere}",
        "/api/v1/visibility/export.csv?level=place&table=capacity&place_id={other_place}",
    ],
)
def test_levels_outside_the_visibility_set_are_not_found(client_as, capacity, world, system_session, path) -> None:  # type: ignore[no-untyped-def]
    from joinedup.domains.organisations.models import Place

    other_place = system_session.scalars(select(Place.id).where(Place.name == "Elsewhere")).one()
    url = path.format(
        elsewhere=world.org_id("care_home_elsewhere"), other=world.org_id("other_care_home"), other_place=other_place
    )
    r = client_as("colin_commissioner").get(url)
    assert r.status_code == 404, r.text
    if url.startswith("/api/"):
        assert "that you can see" in r.text
    else:  # the page says so in plain words, without the record's kind or id
        assert "Page not found" in r.text and "your organisation may not be able to see it" in r.text


def test_unknown_keys_and_tables_get_clear_messages(client_as, capacity, world) -> None:  # type: ignore[no-untyped-def]
    colin = client_as("colin_commissioner")
    r = colin.get("/api/v1/visibility/places/no-such-place")
    assert r.status_code == 404 and "No place 'no-such-place'" in r.json()["detail"]
    r = colin.get(f"/api/v1/visibility/places/{world.place_id}/neighbourhoods/Atlantis")
    assert r.status_code == 404
    r = colin.get("/api/v1/visibility/export.csv", params={"level": "system", "table": "nope"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "table"
    r = colin.get("/api/v1/visibility/export.csv", params={"level": "organisation", "table": "services"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "organisation_id"


def test_date_ranges_outside_the_data_are_refused_with_the_range(client_as, trust_history, world) -> None:  # type: ignore[no-untyped-def]
    dan = client_as("dan_discharge")
    trust = world.org_id("trust")
    ok = dan.get(f"/api/v1/visibility/organisations/{trust}", params={"from": "2024-01-01", "to": "2024-03-31"})
    assert ok.status_code == 200
    chart = next(c for c in ok.json()["charts"] if c["key"] == "not-meeting-criteria")
    assert len(chart["points"]) == 91 and chart["points"][0]["day"] == "2024-01-01"
    assured = dan.get(f"/api/v1/visibility/organisations/{trust}", params={"to": "2025-02-28", "target": 10}).json()
    chart = next(c for c in assured["charts"] if c["key"] == "not-meeting-criteria")
    # Hundreds of patients wait every day: a target of 10 is below the lower limit, always missed.
    assert chart["target"] == 10 and chart["assurance"] == "consistent_fail"
    r = dan.get(f"/api/v1/visibility/organisations/{trust}", params={"from": "2019-01-01"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "from"
    assert "covers 2022-04-01 to 2025-02-28" in r.json()["detail"]
    r = dan.get(f"/visibility/organisations/{trust}", params={"to": "2030-01-01"})
    assert r.status_code == 422 and "covers 2022-04-01 to 2025-02-28" in r.text


def test_trust_page_shows_real_history_as_an_spc_chart_with_a_table(client_as, trust_history, world) -> None:  # type: ignore[no-untyped-def]
    page = client_as("dan_discharge").get(f"/visibility/organisations/{world.org_id('trust')}")
    assert page.status_code == 200
    assert 'data-testid="spc-not-meeting-criteria"' in page.text
    assert 'data-testid="chart-table-not-meeting-criteria"' in page.text
    assert "2025-02-28" in page.text  # the last published day


def test_shortfall_uses_demand_and_ranks_by_share_unmet(client_as, capacity, discharge, world) -> None:  # type: ignore[no-untyped-def]
    body = client_as("alice_admin").get("/api/v1/visibility/system").json()
    rows = {r["care_group"]: r for r in body["shortfall"]}
    # 10 waiting for a care home, 7 + 3 + 4 nursing beds free in the system (elsewhere included for an ICB admin).
    assert rows["care_home"]["waiting"] == 10 and rows["care_home"]["capacity"] == 14.0
    assert rows["care_home"]["shortfall"] == 0.0
    assert rows["homecare"]["ratio"] == 1.0  # 2 waiting, no homecare hours
    assert body["shortfall"][0]["care_group"] == "homecare"


def test_patient_level_only_for_the_caring_team(client_as, discharge, world) -> None:  # type: ignore[no-untyped-def]
    trust = world.org_id("trust")
    ward_api = f"/api/v1/visibility/organisations/{trust}/wards/w-12"
    dan = client_as("dan_discharge")
    ward = dan.get(ward_api).json()
    assert ward["patients_href"] == f"/visibility/organisations/{trust}/wards/w-12/patients"
    names = [r[0] for r in dan.get(ward_api + "/patients").json()["tables"][0]["rows"]]
    assert names == ["Ada Example", "Bo Example"]
    page = dan.get(f"/visibility/organisations/{trust}/wards/w-12/patients")
    assert page.status_code == 200 and "Ada Example" in page.text
    csv = dan.get(
        "/api/v1/visibility/export.csv",
        params={"level": "patients", "table": "patients", "organisation_id": trust, "ward_id": "w-12"},
    )
    assert csv.status_code == 200 and "Ada Example" in csv.text
    for persona in ("colin_commissioner", "pam_provider", "cleo_clinician", "alice_admin", "ivy_inspector"):
        client = client_as(persona)
        for url in (ward_api + "/patients", f"/visibility/organisations/{trust}/wards/w-12/patients"):
            r = client.get(url)
            assert r.status_code in (403, 404), (persona, url, r.status_code)
            assert "Ada Example" not in r.text
        r = client.get(
            "/api/v1/visibility/export.csv",
            params={"level": "patients", "table": "patients", "organisation_id": trust, "ward_id": "w-12"},
        )
        assert r.status_code in (403, 404) and "Ada Example" not in r.text
    # Those who may see the ward see counts, never names.
    colin_ward = client_as("colin_commissioner").get(ward_api)
    assert colin_ward.status_code == 200
    assert colin_ward.json()["patients_href"] is None
    assert "Ada Example" not in colin_ward.text
    assert client_as("pam_provider").get(ward_api).status_code == 404  # the trust is not in a provider's set


def test_reading_patients_is_audited_as_personal_data(client_as, discharge, world, system_session) -> None:  # type: ignore[no-untyped-def]
    trust = world.org_id("trust")
    assert (
        client_as("dan_discharge").get(f"/api/v1/visibility/organisations/{trust}/wards/w-12/patients").status_code
        == 200
    )
    rows = system_session.scalars(select(AuditEvent).where(AuditEvent.record_type == "discharge_patients")).all()
    assert len(rows) == 1 and rows[0].personal_data and rows[0].record_organisation_id == trust
    assert "Ada" not in str(rows[0].detail)


def test_export_limit_and_formula_cells(client_as, capacity, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    colin = client_as("colin_commissioner")
    ok = colin.get("/api/v1/visibility/export.csv", params={"level": "system", "table": "capacity"})
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/csv")
    assert ok.text.splitlines()[0] == "Type of care,Pathway,Free now,Unit,Services,Out of date"
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 2)
    big = colin.get("/api/v1/visibility/export.csv", params={"level": "system", "table": "capacity"})
    assert big.status_code == 413
    assert "limited to 2" in big.json()["detail"]
    table = Table("t", "T", ["a"], [["=HYPERLINK(1)"]])
    assert "'=HYPERLINK" in exports.table_csv(table)


def test_a_capacity_change_shows_at_once(app, client_as, capacity, keys) -> None:  # type: ignore[no-untyped-def]
    colin = client_as("colin_commissioner")
    assert _row(colin.get("/api/v1/visibility/system").json(), "capacity", "Nursing care")[2] == 7.0
    push(app, keys["care_home_a"], "a-1", 1, "a-1-second", minutes_ago=1)
    assert _row(colin.get("/api/v1/visibility/system").json(), "capacity", "Nursing care")[2] == 4.0


def test_saved_views_per_role(client_as, world) -> None:  # type: ignore[no-untyped-def]
    colin = client_as("colin_commissioner")
    r = colin.post(
        "/api/v1/visibility/views", json={"name": "My place", "path": f"/visibility/places/{world.place_id}"}
    )
    assert r.status_code == 201, r.text
    shared = colin.post("/api/v1/visibility/views", json={"name": "Shared", "path": "/visibility/map", "shared": True})
    assert shared.status_code == 201
    bad = colin.post("/api/v1/visibility/views", json={"name": "x", "path": "https://evil.example/visibility"})
    assert bad.status_code == 422
    assert {v["name"] for v in colin.get("/api/v1/visibility/views").json()} == {"My place", "Shared"}
    # Someone in another role and organisation sees none of them, and cannot delete them.
    dan = client_as("dan_discharge")
    assert dan.get("/api/v1/visibility/views").json() == []
    assert dan.delete(f"/api/v1/visibility/views/{r.json()['id']}").status_code == 404
    assert colin.delete(f"/api/v1/visibility/views/{r.json()['id']}").status_code == 204
    page = colin.get("/visibility/views")
    assert page.status_code == 200 and "Shared" in page.text and "My place" not in page.text


def test_map_is_drawn_offline_with_localities_and_providers(client_as, capacity, discharge) -> None:  # type: ignore[no-untyped-def]
    for colour in ("shortfall", "freshness"):
        page = client_as("alice_admin").get("/visibility/map", params={"colour": colour})
        assert page.status_code == 200
        assert 'data-testid="map"' in page.text and "<svg" in page.text
        for locality in ("North", "West", "Central", "South"):
            assert f'data-area="{locality}"' in page.text
        assert "http" not in page.text.split('data-testid="map"')[1].split("</svg>")[0]  # no tiles, no links out
    assert client_as("alice_admin").get("/visibility/map", params={"colour": "rainbow"}).status_code == 422


def test_services_fall_in_their_trafford_locality() -> None:
    from joinedup.domains.visibility.engine import localities as maps

    # Postcodes from Trafford's postcode file: M15 4AB is in North, WA15 0AB in South.
    points = [(-2.26046, 53.465578), (-2.313833, 53.36618), (None, None), (0.0, 51.5)]
    assert maps.locality_of(points) == ["North", "South", None, None]
    assert maps.locality_names() == ["Central", "North", "South", "West"]


def test_reablement_reported_in_hours_counts_as_free(app, client_as, keys, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    """The standard allows a reablement pathway to report only spare hours a week: the system
    picture counts them, as capacity search and discharge matching do (one reading of sections)."""
    with TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": keys["care_home_a"]}) as provider:
        r = provider.put(
            "/api/v1/capacity/services/r-1",
            json={"name": "Reablement r-1", "kind": "reablement", "postcode": "M41 5BU"},
        )
        assert r.status_code < 300, r.text
        approve(session_factory, world, "r-1")
        body = capacity_update(
            "r-1-first", service="r-1", status="accepting", reablement=[{"pathway": 1, "hours_per_week": 20}]
        )
        r = provider.post("/api/v1/capacity/updates", json={"updates": [body]})
        assert r.status_code < 300, r.text
    body = client_as("colin_commissioner").get("/api/v1/visibility/system").json()
    assert _row(body, "capacity", "Reablement at home")[2] == 20.0
