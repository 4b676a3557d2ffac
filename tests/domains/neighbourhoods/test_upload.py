"""A council's demand extract through the API (CSV body) and the page: a dry run reports every
bad row by row number and field; a bad file stores nothing; a good one makes an audited study."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from joinedup.core.audit import AuditEvent
from joinedup.db.tenancy import Scope
from joinedup.domains.neighbourhoods import Area, generate_demand
from joinedup.domains.neighbourhoods.engine.demand import demand_to_csv
from joinedup.domains.neighbourhoods.models import NeighbourhoodStudy

URL = "/api/v1/neighbourhoods/demand.csv?locality=West"
CSV = {"Content-Type": "text/csv"}


def _good(area: Area) -> str:
    return demand_to_csv(generate_demand(area.localities({"West"}), 20, seed=4))


def _bad(area: Area) -> tuple[str, dict[int, str]]:
    lines = _good(area).splitlines()
    header, first = lines[0], lines[1].split(",")
    bad = {
        len(lines) + 1: ("P-X1,ZZ1 1ZZ," + ",".join(first[2:]), "postcode"),
        len(lines) + 2: ("P-X2," + first[1] + ",brunch," + ",".join(first[3:]), "slot"),
        len(lines) + 3: (",".join([*first[:6], "3", first[7]]), "carers"),
        len(lines) + 4: ("," + ",".join(first[1:]), "person_id"),
    }
    text = "\n".join([header, *lines[1:], *(row for row, _f in bad.values())]) + "\n"
    return text, {n: f for n, (_row, f) in bad.items()}


def _count(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        session.info["scope"] = Scope.system("test")
        return int(session.scalar(select(func.count()).select_from(NeighbourhoodStudy)) or 0)


def test_dry_run_reports_every_bad_row_and_stores_nothing(  # type: ignore[no-untyped-def]
    client_as, area: Area, session_factory: sessionmaker[Session]
) -> None:
    com = client_as("colin_commissioner")
    text, expected = _bad(area)
    checked = com.post(f"{URL}&dry_run=true", content=text, headers=CSV)
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["dry_run"] is True and body["valid"] is False
    assert {(int(e["row"]), e["field"]) for e in body["errors"]} == set(expected.items())
    good = com.post(f"{URL}&dry_run=true", content=_good(area), headers=CSV).json()
    assert good["valid"] is True and good["recipients"] == 20 and good["errors"] == []
    assert _count(session_factory) == 0


def test_a_bad_file_stores_nothing_and_names_each_row(  # type: ignore[no-untyped-def]
    client_as, area: Area, session_factory: sessionmaker[Session]
) -> None:
    com = client_as("colin_commissioner")
    text, expected = _bad(area)
    refused = com.post(URL, content=text, headers=CSV)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in refused.json()["errors"]} == {f"row.{n}.{f}" for n, f in expected.items()}
    assert com.post(URL, content=b"\xff\xfe", headers=CSV).json()["errors"][0]["field"] == "body"
    assert com.post(URL, content="just,a,header\n", headers=CSV).json()["errors"][0]["field"] == "row.1.header"
    assert com.post(URL.replace("West", "Atlantis"), content=text, headers=CSV).status_code == 422
    assert _count(session_factory) == 0


def test_a_good_file_makes_an_audited_study(  # type: ignore[no-untyped-def]
    client_as, area: Area, session_factory: sessionmaker[Session]
) -> None:
    com = client_as("colin_commissioner")
    made = com.post(URL, content=_good(area), headers=CSV)
    assert made.status_code == 201, made.text
    study = made.json()
    assert study["recipients"] == 20 and study["synthetic"] is False and study["area"].endswith("West")
    assert com.get(made.headers["Location"]).json()["id"] == study["id"]
    with session_factory() as session:
        session.info["scope"] = Scope.system("test")
        event = session.scalars(select(AuditEvent).where(AuditEvent.record_id == study["id"])).one()
        assert event.action == "neighbourhoods.demand_uploaded" and event.personal_data is True
    assert client_as("pam_provider").post(URL, content=_good(area), headers=CSV).status_code == 403


def test_the_page_lists_every_bad_row(client_as, area: Area) -> None:  # type: ignore[no-untyped-def]
    com = client_as("colin_commissioner")
    text, expected = _bad(area)
    page = com.post(
        "/neighbourhoods/upload",
        data={"csrf_token": com.headers["X-CSRF-Token"], "locality": "West"},
        files={"file": ("demand.csv", text.encode(), "text/csv")},
    )
    assert page.status_code == 422
    for n, f in expected.items():
        assert f"row {n}" in page.text and f in page.text


def test_an_empty_body_is_refused(client_as) -> None:  # type: ignore[no-untyped-def]
    answer = client_as("colin_commissioner").post(f"{URL}&dry_run=true", content=b"", headers=CSV)
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "body"


def test_a_dry_run_of_something_that_is_not_an_extract_is_refused(client_as) -> None:  # type: ignore[no-untyped-def]
    answer = client_as("colin_commissioner").post(f"{URL}&dry_run=true", content="{}", headers=CSV)
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "row.1.header"
