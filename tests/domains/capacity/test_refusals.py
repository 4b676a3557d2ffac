"""Capacity that cannot be true, or that arrives in a form the document does not describe, is
refused with a problem naming its field, on every channel, and nothing is stored."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from joinedup.db.tenancy import Scope
from joinedup.domains.capacity import csv_io
from joinedup.domains.capacity.models import CapacityUpdateRow
from tests.domains.capacity.conftest import NOW, SERVICE, beds, iso, update

URL = "/api/v1/capacity/updates"
CSV = {"content-type": "text/csv"}


def _stored(session_factory: Any) -> int:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        return int(s.scalar(select(func.count()).select_from(CapacityUpdateRow)) or 0)


def _fields(response: Any) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return [e["field"] for e in response.json()["errors"]]


def _sheet(**cells: str) -> str:
    """The template's header and one care-home row, with some cells replaced."""
    header = csv_io.COLUMNS
    row = {
        "update_id": "r1",
        "provider_service_id": "home-1",
        "as_of": iso(NOW - timedelta(hours=1)),
        "source_system": "Sheet",
        "status": "accepting",
        **{k: str(v) for k, v in beds().items()},
        **cells,
    }
    return ",".join(header) + "\n" + ",".join(row.get(c, "") for c in header) + "\n"


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


# Item: contradictory capacity (status against counts; as_of outside the standard's window).


def test_not_accepting_with_beds_accepting_admissions_is_refused(provider_system, session_factory) -> None:
    closed = update("c1", status="not_accepting", beds=[beds(accepting_admissions=3)])
    r = provider_system.post(URL, json={"updates": [closed]})
    assert r.status_code == 422 and _fields(r) == ["body.updates.0.status"]
    assert "3 bed(s) accepting admissions" in r.json()["errors"][0]["message"]
    places = update("c2", status="not_accepting", reablement=[{"pathway": 1, "places": 2}])
    assert _fields(provider_system.post(URL, json={"updates": [places]})) == ["body.updates.0.status"]
    sheet = provider_system.post(URL + ".csv", content=_sheet(status="not_accepting"), headers=CSV)
    assert sheet.status_code == 422 and _fields(sheet) == ["row.2.status"]
    assert _stored(session_factory) == 0
    # A closed status with nothing open is what it says.
    fine = update("c3", status="not_accepting", beds=[beds(accepting_admissions=0, reserved=1, vacant=1, occupied=35)])
    assert provider_system.post(URL, json={"updates": [fine]}).status_code == 200


def test_not_accepting_with_beds_open_is_refused_on_the_page(provider_system, client_as) -> None:
    provider_system.post(URL, json={"updates": [update("u1")]})
    pam = client_as("pam_provider")
    sid = provider_system.get("/api/v1/capacity/services/home-1").json()["service"]["id"]
    form = pam.get(f"/capacity/services/{sid}")
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.text))
    fields.update({"status": "not_accepting", "csrf_token": _csrf(form.text)})
    r = pam.post(f"/capacity/services/{sid}", data=fields)
    assert r.status_code == 422 and "Admissions are not accepted, yet some beds or places are accepting" in r.text


@pytest.mark.parametrize(
    ("as_of", "code"),
    [
        ("1999-11-23T09:00:00+00:00", "too_old"),
        (iso(NOW - timedelta(days=400)), "too_old"),
        (iso(NOW + timedelta(days=1)), "future"),
        ("2999-11-23T09:00:00+00:00", "future"),
    ],
)
def test_as_of_outside_the_standards_window_is_refused(provider_system, session_factory, as_of, code) -> None:
    r = provider_system.post(URL, json={"updates": [{**update("t1"), "as_of": as_of}]})
    assert r.status_code == 422 and _fields(r) == ["body.updates.0.as_of"]
    assert r.json()["errors"][0]["code"] == code
    sheet = provider_system.post(URL + ".csv", content=_sheet(as_of=as_of), headers=CSV)
    assert sheet.status_code == 422 and _fields(sheet) == ["row.2.as_of"]
    assert _stored(session_factory) == 0


@pytest.mark.parametrize(
    "as_of", [0.5, "0.5", 1764000000, "1764000000", True, "23/11/2026 09:00", "0001-01-01T00:00:00+01:00"]
)
def test_a_number_is_not_a_moment(provider_system, session_factory, as_of) -> None:
    r = provider_system.post(URL, json={"updates": [{**update("n1"), "as_of": as_of}]})
    assert r.status_code == 422 and _fields(r) == ["body.updates.0.as_of"]
    assert _stored(session_factory) == 0


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("beds", 0, "physical"), "40"),
        (("beds", 0, "vacant"), True),
        (("beds", 0, "occupied"), 30.5),
        (("reablement", 0, "pathway"), "1"),
        (("reablement", 0, "hours_per_week"), False),
        (("homecare", 0, "earliest_start"), 20261201),
        (("homecare", 0, "earliest_start"), "1764000000"),
    ],
)
def test_a_batch_keeps_to_its_json_types(provider_system, path, value) -> None:
    body = update(
        "j1",
        status="accepting",
        beds=[beds()],
        reablement=[{"pathway": 1, "places": 1, "hours_per_week": 3}],
        homecare=[
            {
                "postcode_districts": ["M41"],
                "time_band": "morning",
                "spare_hours_per_week": 1,
                "earliest_start": "2026-12-01",
            }
        ],
    )
    body[path[0]][path[1]][path[2]] = value
    r = provider_system.post(URL, json={"updates": [body]})
    assert r.status_code == 422, r.text
    assert _fields(r) == [".".join(str(p) for p in ("body.updates.0", *path))]


# Item: a UTF-16 file is named as such, never echoed.


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_is_named_and_not_echoed(provider_system, client_as, session_factory, encoding) -> None:
    data = csv_io.template().encode(encoding)
    r = provider_system.post(URL + ".csv", content=data, headers=CSV)
    assert r.status_code == 422 and _fields(r) == ["body"]
    assert "UTF-16" in r.json()["errors"][0]["message"] and "\x00" not in r.text and "\\u0000" not in r.text
    pam = client_as("pam_provider")
    form = pam.get("/capacity/upload")
    page = pam.post(
        "/capacity/upload", data={"csrf_token": _csrf(form.text)}, files={"file": ("c.csv", data, "text/csv")}
    )
    assert page.status_code == 422 and "UTF-16" in page.text and "\x00" not in page.text
    assert _stored(session_factory) == 0


# Item: a value longer than the csv module's field limit (131,072 characters).


def test_a_value_longer_than_the_csv_field_limit_is_a_row_error(provider_system, client_as, session_factory) -> None:
    sheet = _sheet(note="x" * 140_000)
    r = provider_system.post(URL + ".csv", content=sheet, headers=CSV)
    assert r.status_code == 422 and _fields(r) == ["row.2.note"], r.text
    dry = provider_system.post(URL + ".csv", params={"dry_run": "true"}, content=sheet, headers=CSV)
    assert dry.status_code == 200 and [(e["row"], e["field"]) for e in dry.json()["errors"]] == [(2, "note")]
    broken = provider_system.post(URL + ".csv", content='update_id\n"a\rb\n' + "y" * 140_000, headers=CSV)
    assert broken.status_code == 422
    pam = client_as("pam_provider")
    form = pam.get("/capacity/upload")
    page = pam.post(
        "/capacity/upload",
        data={"csrf_token": _csrf(form.text)},
        files={"file": ("c.csv", sheet.encode(), "text/csv")},
    )
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    # The GOV.UK pattern: an error summary linking to the file field, and the field's own message.
    assert "There is a problem" in page.text and 'href="#file"' in page.text
    assert "Row 2, column note: a value is longer than 131,072 characters" in page.text
    assert "nhsuk-form-group--error" in page.text and "problem+json" not in page.text
    assert _stored(session_factory) == 0


def test_an_empty_page_upload_asks_for_a_file(client_as) -> None:
    pam = client_as("pam_provider")
    form = pam.get("/capacity/upload")
    page = pam.post(
        "/capacity/upload", data={"csrf_token": _csrf(form.text)}, files={"file": ("c.csv", b"", "text/csv")}
    )
    assert page.status_code == 422 and "The file: choose a CSV file" in page.text


# Item: the OpenAPI document is the contract.


def test_put_service_documents_its_201(provider_system) -> None:
    doc = provider_system.get("/api/v1/openapi.json").json()
    answers = doc["paths"]["/api/v1/capacity/services/{provider_service_id}"]["put"]["responses"]
    assert {"200", "201"} <= set(answers)
    created = provider_system.put("/api/v1/capacity/services/new-one", json={**SERVICE, "name": "New"})
    assert created.status_code == 201


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "field"),
    [
        ("GET", "/api/v1/capacity/services/home-1", {"params": {"at": "0.5"}}, "query.at"),
        ("GET", "/api/v1/capacity/services/home-1", {"params": {"at": "1764000000"}}, "query.at"),
        # A moment before year 1 in UTC: nothing can store or compare it.
        ("GET", "/api/v1/capacity/services/home-1", {"params": {"at": "0001-01-01T00:00:00+01:00"}}, "query.at"),
        ("GET", "/api/v1/capacity/search", {"params": {"accepting": "0"}}, "query.accepting"),
        ("GET", "/api/v1/capacity/search", {"params": {"fresh": "yes"}}, "query.fresh"),
        ("GET", "/api/v1/capacity/search", {"params": {"latitude": "53.4", "longitude": "false"}}, "query.longitude"),
        (
            "PUT",
            "/api/v1/capacity/services/home-1",
            {"json": {**SERVICE, "latitude": 53.4, "longitude": False}},
            "body.longitude",
        ),
        ("PUT", "/api/v1/capacity/services/home-1", {"json": {**SERVICE, "active": 0}}, "body.active"),
        (
            "PUT",
            "/api/v1/capacity/services/home-1",
            {"json": {**SERVICE, "latitude": "53.4", "longitude": -2.3}},
            "body.latitude",
        ),
        ("POST", URL, {"params": {"per_item": "1"}, "json": {"updates": [update("q1")]}}, "query.per_item"),
    ],
)
def test_values_of_another_type_than_the_document_says_are_refused(
    provider_system, method, path, kwargs, field
) -> None:
    r = provider_system.request(method, path, **kwargs)
    assert r.status_code == 422 and _fields(r) == [field], r.text


def test_updates_csv_takes_only_a_csv_body(provider_system, session_factory) -> None:
    sheet = _sheet()
    as_json = provider_system.post(URL + ".csv", json={"updates": [update("u1")]})
    assert as_json.status_code == 415 and _fields(as_json) == ["header.Content-Type"]
    untyped = provider_system.post(URL + ".csv", content=sheet.encode())
    assert untyped.status_code == 415
    empty = provider_system.post(URL + ".csv", content=b"", headers=CSV)
    assert empty.status_code == 422 and _fields(empty) == ["body"]
    blank = provider_system.post(URL + ".csv", content=b"  \n", headers=CSV)
    assert blank.status_code == 422
    assert _stored(session_factory) == 0
    assert provider_system.post(URL + ".csv", content=sheet, headers=CSV).status_code == 200
    doc = provider_system.get("/api/v1/openapi.json").json()
    assert "415" in doc["paths"]["/api/v1/capacity/updates.csv"]["post"]["responses"]
