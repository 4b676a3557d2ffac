"""A council's demand extract has limits a real extract never reaches, and makes sense (issue 14,
items 4 and 11): one upload stalled the server (1.25 million rows) and stored "1 care recipient,
1,250,000 visits a day"; a bare carriage return in the header was a 500."""

from __future__ import annotations

import contextlib
import functools
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from joinedup.core.errors import ProblemError
from joinedup.core.uploads import decode_csv
from joinedup.db.tenancy import Scope
from joinedup.domains.neighbourhoods import Area, generate_demand, load_area
from joinedup.domains.neighbourhoods.engine import demand as demand_engine
from joinedup.domains.neighbourhoods.engine.demand import CSV_COLUMNS, DemandError, demand_to_csv, load_demand_csv
from joinedup.domains.neighbourhoods.models import NeighbourhoodStudy

URL = "/api/v1/neighbourhoods/demand.csv?locality=West"
CSV = {"Content-Type": "text/csv"}
HEADER = ",".join(CSV_COLUMNS)


_whole_area = functools.cache(load_area)


def _postcode(area: Area) -> str:
    return next(iter(area.localities({"West"}).postcodes))


def _visits(postcode: str, person: str, n: int) -> str:
    return "".join(f"{person},{postcode},morning,07:30,08:30,30,1,yes\n" for _ in range(n))


def _count(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        session.info["scope"] = Scope.system("test")
        return int(session.scalar(select(func.count()).select_from(NeighbourhoodStudy)) or 0)


def test_one_person_with_more_visits_than_a_day_holds_is_refused_naming_the_field(  # type: ignore[no-untyped-def]
    client_as, area: Area, session_factory: sessionmaker[Session]
) -> None:
    text = HEADER + "\n" + _visits(_postcode(area), "P1", demand_engine.MAX_VISITS_PER_PERSON + 1)
    refused = client_as("colin_commissioner").post(URL, content=text, headers=CSV)
    assert refused.status_code == 422, refused.text
    errors = refused.json()["errors"]
    row = demand_engine.MAX_VISITS_PER_PERSON + 2  # the header is row 1
    assert [e["field"] for e in errors] == [f"row.{row}.person_id"]
    assert f"more than {demand_engine.MAX_VISITS_PER_PERSON} visits a day" in errors[0]["message"]
    assert _count(session_factory) == 0
    ok = HEADER + "\n" + _visits(_postcode(area), "P1", demand_engine.MAX_VISITS_PER_PERSON)
    assert client_as("colin_commissioner").post(URL, content=ok, headers=CSV).status_code == 201


def test_more_care_recipients_than_a_study_holds_are_refused(area: Area) -> None:
    postcode = _postcode(area)
    people = demand_engine.MAX_RECIPIENTS + 1
    text = HEADER + "\n" + "".join(_visits(postcode, f"P{n}", 1) for n in range(people))
    with pytest.raises(DemandError) as refused:
        load_demand_csv(text, area.localities({"West"}))
    assert [(e["row"], e["field"]) for e in refused.value.errors] == [(str(people + 1), "person_id")]
    assert f"more than {demand_engine.MAX_RECIPIENTS:,} care recipients" in refused.value.errors[0]["message"]


def test_an_extract_past_the_row_limit_is_refused_before_it_is_parsed(client_as, area: Area) -> None:  # type: ignore[no-untyped-def]
    rows = demand_engine.MAX_VISIT_ROWS + 1
    text = HEADER + "\n" + _visits(_postcode(area), "P1", rows)
    assert len(text.encode()) <= demand_engine.MAX_UPLOAD_BYTES  # refused for its rows, not its size
    refused = client_as("colin_commissioner").post(URL, content=text, headers=CSV)
    assert refused.status_code == 422, refused.text
    error = refused.json()["errors"][0]
    assert error["field"] == "body" and f"at most {demand_engine.MAX_VISIT_ROWS} rows" in error["message"]


def test_an_extract_past_the_size_limit_is_refused_by_its_declared_length(client_as) -> None:  # type: ignore[no-untyped-def]
    big = b"x" * (demand_engine.MAX_UPLOAD_BYTES + 1)
    refused = client_as("colin_commissioner").post(URL, content=big, headers=CSV)
    assert refused.status_code in (413, 422), refused.text
    assert refused.json()["errors"][0]["field"] == "body"


def test_the_limits_hold_what_a_real_extract_needs(area: Area) -> None:
    """The largest study the generator makes (5,000 people, up to four visits each) fits."""
    largest = demand_to_csv(generate_demand(area, demand_engine.MAX_RECIPIENTS, seed=1))
    assert largest.count("\n") - 1 <= demand_engine.MAX_VISIT_ROWS
    assert len(largest.encode()) <= demand_engine.MAX_UPLOAD_BYTES / 2


def test_the_bad_rows_listed_are_capped_and_all_are_counted(client_as, area: Area) -> None:  # type: ignore[no-untyped-def]
    text = HEADER + "\n" + "".join(f"P{n},ZZ1 1ZZ,morning,07:30,08:30,30,1,yes\n" for n in range(3000))
    with pytest.raises(DemandError) as refused:
        load_demand_csv(text, area)
    assert len(refused.value.errors) == demand_engine.MAX_REPORTED_ERRORS and refused.value.bad_rows == 3000
    answer = client_as("colin_commissioner").post(URL, content=text, headers=CSV)
    assert answer.status_code == 422
    assert len(answer.json()["errors"]) == demand_engine.MAX_REPORTED_ERRORS
    assert answer.json()["detail"].startswith("3,000 row(s) with errors (the first 500 are listed)")
    checked = client_as("colin_commissioner").post(f"{URL}&dry_run=true", content=text, headers=CSV).json()
    assert checked["rows_with_errors"] == 3000 and len(checked["errors"]) == demand_engine.MAX_REPORTED_ERRORS


def test_a_short_row_is_a_row_error_not_a_crash(area: Area) -> None:
    text = HEADER + "\n" + _visits(_postcode(area), "P1", 1) + f"P2,{_postcode(area)},morning\n"
    with pytest.raises(DemandError) as refused:
        load_demand_csv(text, area)
    assert [(e["row"], e["field"]) for e in refused.value.errors] == [("3", "earliest/latest/duration_min/carers")]


def test_a_bare_carriage_return_in_the_header_names_the_line(client_as, area: Area) -> None:  # type: ignore[no-untyped-def]
    com = client_as("colin_commissioner")
    text = "person_id,post\rcode,slot\n" + _visits(_postcode(area), "P1", 1)
    for url in (URL, f"{URL}&dry_run=true"):
        refused = com.post(url, content=text, headers=CSV)
        assert refused.status_code == 422, refused.text
        error = refused.json()["errors"][0]
        assert error["field"] == "body" and error["message"].startswith("line 1:")
    page = com.post(
        "/neighbourhoods/upload",
        data={"csrf_token": com.headers["X-CSRF-Token"], "locality": "West"},
        files={"file": ("demand.csv", text.encode(), "text/csv")},
    )
    assert page.status_code == 422 and "line 1" in page.text


def test_the_engine_names_the_line_of_a_broken_record(area: Area) -> None:
    """The CLI reads files without core's upload checks; the engine names the line itself."""
    text = HEADER + "\n" + _visits(_postcode(area), "P1", 2) + "P2,M41\r5BU,morning,07:30,08:30,30,1,yes\n"
    with pytest.raises(DemandError) as refused:
        load_demand_csv(text, area)
    assert refused.value.errors[0]["field"] == "body" and refused.value.errors[0]["row"] == "4"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=string.printable + '"\r\n,é', max_size=300))
def test_no_text_makes_the_csv_reader_fail_past_the_upload_check(text: str) -> None:
    """Whatever the text, the upload check either refuses it (a 422 naming the line) or the
    demand loader reads it without a csv.Error (the same reader, the same dialect)."""
    try:
        checked = decode_csv(text.encode(), max_rows=100)
    except ProblemError as exc:
        refused = exc
    else:
        with contextlib.suppress(DemandError):
            load_demand_csv(checked, _whole_area())
        return
    assert refused.status == 422
