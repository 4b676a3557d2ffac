"""CSV template, upload with a dry run and per-row errors, the Capacity Tracker export, and pages."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from joinedup.db.tenancy import Scope
from joinedup.domains.capacity import csv_io
from joinedup.domains.capacity.models import CapacityService, CapacityUpdateRow
from tests.domains.capacity.conftest import NOW, update

CSV = {"content-type": "text/csv"}
HEADER = (
    "update_id,provider_service_id,as_of,source_system,status,note,bed_type,physical,staffed,occupied,reserved,"
    "vacant,accepting_admissions,time_band,spare_hours_per_week,postcode_districts,lsoa_codes,skills,earliest_start"
)


def _rows(session_factory: Any) -> int:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        return int(s.scalar(select(func.count()).select_from(CapacityUpdateRow)) or 0)


def _csv(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


AS_OF = (NOW - timedelta(days=2)).replace(hour=9, minute=0, second=0).isoformat()
GOOD = f"c1,home-1,{AS_OF},Sheet,accepting,,nursing,40,36,30,1,6,4,,,,,,"
GOOD2 = f"c1,home-1,{AS_OF},Sheet,accepting,,residential,10,10,8,0,2,2,,,,,,"
BAD = f"c2,home-1,{AS_OF},Sheet,accepting,,nursing,40,36,33,1,6,4,,,,,,"
UNKNOWN = f"c3,home-1,{AS_OF},Sheet,accepting,,spaceship,40,36,30,1,6,4,,,,,,"


def test_template_downloads_and_is_itself_valid(provider_system) -> None:
    r = provider_system.get("/api/v1/capacity/updates/template.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines()[0].startswith(HEADER)  # older files (fewer columns) still upload
    updates, _, errors = csv_io.parse(r.text)
    assert errors == []
    sections = {name for u in updates for name, value in u.section_values().items() if value}
    assert sections == {"status", "beds", "homecare", "reablement", "admission_rules"}


def _sheet(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=csv_io.COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_reablement_and_admission_rule_columns_become_sections(provider_system) -> None:
    head = {"provider_service_id": "home-1", "as_of": AS_OF, "source_system": "Sheet"}
    rules = {"admission_days": "mon tue", "admission_from_time": "08:00", "admission_to_time": "20:00"}
    rules["admission_funding"] = "council nhs_continuing_healthcare"
    r1 = {**head, **rules, "update_id": "r1", "status": "accepting"}
    rows = [
        {
            **r1,
            "bed_type": "nursing",
            "physical": "40",
            "staffed": "36",
            "occupied": "30",
            "reserved": "1",
            "vacant": "6",
            "accepting_admissions": "4",
        },
        {**r1, "reablement_pathway": "1", "reablement_places": "3", "reablement_hours_per_week": "20"},
        {**r1, "reablement_pathway": "2", "reablement_hours_per_week": "-4"},
        {
            **head,
            "update_id": "r2",
            "admission_days": "mon",
            "admission_from_time": "20:00",
            "admission_to_time": "08:00",
            "admission_funding": "council",
        },
    ]
    r = provider_system.post(
        "/api/v1/capacity/updates.csv", params={"dry_run": "true"}, content=_sheet(rows), headers=CSV
    ).json()
    # Errors land on the row and column they came from, named as the CSV names them.
    assert {(e["row"], e["field"]) for e in r["errors"]} == {(4, "reablement_hours_per_week"), (5, "admission_to_time")}
    rows[2]["reablement_hours_per_week"] = "4"
    rows[3].update(admission_from_time="08:00", admission_to_time="20:00")
    ok = provider_system.post("/api/v1/capacity/updates.csv", content=_sheet(rows), headers=CSV)
    assert ok.status_code == 200 and ok.json()["stored"] == 2, ok.text
    got = provider_system.get("/api/v1/capacity/services/home-1").json()["sections"]
    assert got["reablement"]["value"] == [
        {"pathway": 1, "places": 3, "hours_per_week": 20.0},
        {"pathway": 2, "places": None, "hours_per_week": 4.0},
    ]
    assert got["admission_rules"]["update_id"] == "r2" and got["admission_rules"]["value"]["days"] == ["mon"]
    rows[1]["admission_days"] = "sun"  # one update, two different sets of rules
    clash = provider_system.post(
        "/api/v1/capacity/updates.csv", params={"dry_run": "true"}, content=_sheet(rows), headers=CSV
    )
    assert (3, "admission_days") in {(e["row"], e["field"]) for e in clash.json()["errors"]}


def test_dry_run_reports_every_row_error_and_stores_nothing(provider_system, session_factory) -> None:
    body = _csv(GOOD, GOOD2, BAD, UNKNOWN)
    r = provider_system.post(
        "/api/v1/capacity/updates.csv", params={"dry_run": "true"}, content=body, headers={"content-type": "text/csv"}
    )
    assert r.status_code == 200, r.text
    errors = {(e["row"], e["field"]) for e in r.json()["errors"]}
    assert errors == {(4, "vacant"), (5, "bed_type")}
    assert _rows(session_factory) == 0
    real = provider_system.post("/api/v1/capacity/updates.csv", content=body, headers={"content-type": "text/csv"})
    assert real.status_code == 422
    assert {e["field"] for e in real.json()["errors"]} == {"row.4.vacant", "row.5.bed_type"}
    assert _rows(session_factory) == 0


def test_valid_upload_is_stored_as_one_update_per_update_id(provider_system, session_factory) -> None:
    dry = provider_system.post(
        "/api/v1/capacity/updates.csv", params={"dry_run": "true"}, content=_csv(GOOD, GOOD2), headers=CSV
    ).json()
    assert dry["errors"] == [] and dry["stored"] == 0 and _rows(session_factory) == 0
    r = provider_system.post("/api/v1/capacity/updates.csv", content=_csv(GOOD, GOOD2), headers=CSV)
    assert r.status_code == 200 and r.json()["stored"] == 1
    got = provider_system.get("/api/v1/capacity/services/home-1").json()
    assert [b["bed_type"] for b in got["sections"]["beds"]["value"]] == ["nursing", "residential"]


def test_unknown_service_and_bad_columns_are_row_errors(provider_system) -> None:
    other = f"c9,not-mine,{AS_OF},Sheet,accepting,,nursing,40,36,30,1,6,4,,,,,,"
    r = provider_system.post(
        "/api/v1/capacity/updates.csv", params={"dry_run": "true"}, content=_csv(other), headers=CSV
    ).json()
    assert [(e["row"], e["field"]) for e in r["errors"]] == [(2, "provider_service_id")]
    # A file not in the template's columns cannot be checked row by row: refused, even on a dry run.
    cols = provider_system.post(
        "/api/v1/capacity/updates.csv", params={"dry_run": "true"}, content="update_id,colour\nx,blue\n", headers=CSV
    )
    assert cols.status_code == 422
    assert {e["field"] for e in cols.json()["errors"]} >= {"row.1.colour", "row.1.provider_service_id", "row.1.as_of"}


def test_capacity_tracker_export_for_a_provider_and_a_place(provider_system, client_as, world) -> None:
    provider_system.post("/api/v1/capacity/updates", json={"updates": [update("u1")]})
    r = client_as("pam_provider").get("/api/v1/capacity/exports/capacity-tracker.csv")
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 1
    row = rows[0]
    assert (row["maximum_capacity"], row["occupied"], row["vacant_reserved"], row["vacant_accepting_admissions"]) == (
        "40",
        "30",
        "1",
        "4",
    )
    place = client_as("colin_commissioner").get(
        "/api/v1/capacity/exports/capacity-tracker.csv", params={"place_id": world.place_id}
    )
    assert [r["provider_service_id"] for r in csv.DictReader(io.StringIO(place.text))] == ["home-1"]
    assert client_as("dan_discharge").get("/api/v1/capacity/exports/capacity-tracker.csv").status_code == 403


def _service_id(session_factory: Any) -> str:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        return str(s.scalars(select(CapacityService.id)).one())


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def test_provider_screens_update_and_confirm_in_one_click(provider_system, client_as, session_factory) -> None:
    provider_system.post("/api/v1/capacity/updates", json={"updates": [update("u1", minutes_ago=60 * 30)]})
    pam = client_as("pam_provider")
    home = pam.get("/capacity")
    assert home.status_code == 200 and 'data-testid="stale"' in home.text and "1 day ago" in home.text
    sid = _service_id(session_factory)
    confirmed = pam.post(f"/capacity/services/{sid}/confirm", data={"csrf_token": _csrf(home.text)})
    assert confirmed.status_code == 200 and "Confirmed: nothing changed." in confirmed.text
    assert 'data-testid="stale"' not in confirmed.text and "just now" in confirmed.text
    form = pam.get(f"/capacity/services/{sid}")
    assert form.status_code == 200 and 'inputmode="numeric"' in form.text
    fields = {
        "csrf_token": _csrf(form.text),
        "status": "accepting",
        "note": "Two beds from Monday",
        "beds-0-bed_type": "nursing",
        "beds-0-physical": "40",
        "beds-0-staffed": "36",
        "beds-0-occupied": "34",
        "beds-0-vacant": "2",
        "beds-0-reserved": "0",
        "beds-0-accepting_admissions": "2",
    }
    saved = pam.post(f"/capacity/services/{sid}", data=fields)
    assert saved.status_code == 200 and "Capacity updated." in saved.text and "Two beds from Monday" in saved.text
    bad = pam.post(f"/capacity/services/{sid}", data={**fields, "beds-0-occupied": "35"})
    assert bad.status_code == 422
    assert "Occupied and vacant nursing beds together cannot be more than staffed nursing beds" in bad.text
    assert 'value="35"' in bad.text  # what was typed is kept


def test_discharge_coordinator_search_page(provider_system, client_as) -> None:
    provider_system.post("/api/v1/capacity/updates", json={"updates": [update("u1")]})
    page = client_as("dan_discharge").get(
        "/capacity", params={"care_type": "nursing", "postcode": "M41 5BU", "accepting": "yes"}
    )
    assert page.status_code == 200 and "Home One" in page.text and "km" in page.text
    bad = client_as("dan_discharge").get("/capacity", params={"postcode": "nonsense"})
    assert bad.status_code == 422 and "real postcode" in bad.text


def test_csv_upload_page_dry_run(provider_system, client_as) -> None:
    pam = client_as("pam_provider")
    form = pam.get("/capacity/upload")
    files = {"file": ("cap.csv", _csv(GOOD, BAD), "text/csv")}
    r = pam.post("/capacity/upload", data={"csrf_token": _csrf(form.text), "dry_run": "yes"}, files=files)
    assert r.status_code == 422 and "Row 3, column vacant" in r.text and "There is a problem" in r.text


def _inputs(page: str) -> dict[str, str]:
    """Every named input's value, as a browser would submit the form unchanged."""
    out = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name:
            out[name.group(1)] = value.group(1) if value else ""
    return out


def _homecare_manager(client_as, world, session_factory):  # type: ignore[no-untyped-def]
    """Cara, promoted to manage her homecare branch, signed in."""
    from joinedup.core.auth.models import Membership
    from joinedup.core.permissions import Role

    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        membership = s.scalars(select(Membership).where(Membership.user_id == world.users["cara_careworker"].id)).one()
        membership.role = Role.PROVIDER_MANAGER
        s.commit()
    return client_as("cara_careworker")


def test_homecare_spare_hours_are_updated_from_the_page(client_as, world, session_factory) -> None:
    cara = _homecare_manager(client_as, world, session_factory)
    branch = {"name": "Branch", "kind": "homecare", "postcode": "M41 5BU"}
    put = cara.put("/api/v1/capacity/services/branch-1", json=branch)
    assert put.status_code == 201, put.text
    sid = put.json()["id"]
    form = cara.get(f"/capacity/services/{sid}")
    assert form.status_code == 200
    # A first report offers one row per time band in the branch's own postcode district.
    assert form.text.count('name="homecare-') >= 5 * 6 and 'value="M41"' in form.text
    fields = _inputs(form.text)
    fields.update(
        {"status": "accepting", "homecare-0-spare_hours_per_week": "12.5", "homecare-0-earliest_start": "2026-12-01"}
    )
    saved = cara.post(f"/capacity/services/{sid}", data=fields)
    assert saved.status_code == 200, saved.text
    got = cara.get("/api/v1/capacity/services/branch-1").json()
    slots = got["sections"]["homecare"]["value"]
    assert slots[0]["spare_hours_per_week"] == 12.5 and slots[0]["earliest_start"] == "2026-12-01"
    assert slots[0]["postcode_districts"] == ["M41"] and len(slots) == 5
    bad = cara.post(f"/capacity/services/{sid}", data={**fields, "homecare-1-spare_hours_per_week": "-3"})
    assert bad.status_code == 422 and 'id="homecare-1-spare_hours_per_week-error"' in bad.text
    assert cara.get("/api/v1/capacity/services/branch-1").json()["sections"]["homecare"]["value"] == slots
