"""The hospital's patient extract (POST /discharge/patients.csv) has a row limit, is read with a
size limit, and a file the csv module cannot read is a 422 naming the line, not a 500 (issue 14,
items 4 and 11)."""

from __future__ import annotations

from typing import Any

from joinedup.domains.discharge import csv_io

URL = "/api/v1/discharge/patients.csv"
CSV = {"content-type": "text/csv"}


def test_a_line_break_inside_an_unquoted_value_names_the_line(client_as: Any) -> None:
    dan = client_as("dan_discharge")
    header = csv_io.template().strip()
    for body in (header.replace(",", ",a\rb,", 1) + "\n", header + "\n9434765919,A\rPerson,Ward 1\n"):
        refused = dan.post(URL, content=body, headers=CSV)
        assert refused.status_code == 422, refused.text
        error = refused.json()["errors"][0]
        assert error["field"] == "body" and error["message"].startswith("line ")
    assert dan.get("/api/v1/discharge/patients").json() == []


def test_more_rows_than_a_hospital_extract_holds_are_refused(client_as: Any) -> None:
    rows = "".join(f"{n},Name,Ward,2026-01-01,,P0,\n" for n in range(csv_io.MAX_ROWS + 1))
    refused = client_as("dan_discharge").post(URL, content=csv_io.template() + rows, headers=CSV)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "body"
    assert f"at most {csv_io.MAX_ROWS} rows" in refused.json()["errors"][0]["message"]


def test_a_body_declared_past_the_size_limit_is_refused_unread(client_as: Any) -> None:
    refused = client_as("dan_discharge").post(URL, content=b"x" * (5 * 1024 * 1024 + 1), headers=CSV)
    assert refused.status_code in (413, 422) and refused.json()["errors"][0]["field"] == "body"
