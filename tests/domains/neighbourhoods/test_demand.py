from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.domains.neighbourhoods import Area, Demand, DemandError, demand_to_csv, generate_demand, load_demand_csv


def test_generation_is_seeded_and_labelled_synthetic(area: Area) -> None:
    a, b = generate_demand(area, 300, seed=7), generate_demand(area, 300, seed=7)
    c = generate_demand(area, 300, seed=8)
    assert a.synthetic and a.seed == 7
    assert [(p.postcode, p.visits) for p in a.people] == [(p.postcode, p.visits) for p in b.people]
    assert [p.postcode for p in a.people] != [p.postcode for p in c.people]
    assert len(a.people) == 300


def test_people_follow_the_older_population(area: Area, demand: Demand) -> None:
    counts = {code: len(people) for code, people in demand.by_lsoa().items()}
    codes = sorted(area.lsoas)
    older = np.array([area.lsoas[c].aged_65_plus + 4 * area.lsoas[c].aged_85_plus for c in codes], dtype=float)
    placed = np.array([counts.get(c, 0) for c in codes], dtype=float)
    assert np.corrcoef(older, placed)[0, 1] > 0.7
    for person in demand.people:  # every person sits at a real postcode of their LSOA
        assert area.postcodes[person.postcode].lsoa_code == person.lsoa_code


def test_packages_are_realistic(demand: Demand) -> None:
    per_person = [len(p.visits) for p in demand.people]
    assert 2.0 <= np.mean(per_person) <= 3.2
    visits = [v for p in demand.people for v in p.visits]
    doubles = sum(v.carers == 2 for v in visits) / len(visits)
    critical = sum(v.time_critical for v in visits) / len(visits)
    assert 0.01 < doubles < 0.15
    assert 0.3 < critical < 0.8
    assert all(v.earliest < v.latest and v.duration >= 30 for v in visits)


def test_csv_round_trip(area: Area) -> None:
    original = generate_demand(area, 50, seed=3)
    loaded = load_demand_csv(demand_to_csv(original), area)
    assert not loaded.synthetic
    assert [(p.id, p.postcode, p.visits) for p in loaded.people] == [
        (p.id, p.postcode, p.visits) for p in original.people
    ]


def test_bad_rows_are_all_named(area: Area) -> None:
    text = (
        "person_id,postcode,slot,earliest,latest,duration_min,carers,time_critical\n"
        "A1,M41 5BU,morning,07:30,08:30,45,1,yes\n"
        "A2,SW1A 1AA,morning,07:30,08:30,45,1,yes\n"
        "A3,not a postcode,lunch,12:00,13:00,30,1,no\n"
        "A4,M41 5BU,lunch,13:00,12:00,30,3,maybe\n"
    )
    with pytest.raises(DemandError) as caught:
        load_demand_csv(text, area)
    records = {(e["record"], e["field"]) for e in caught.value.errors}
    assert ("row 3 (person A2)", "postcode") in records
    assert ("row 4 (person A3)", "postcode") in records
    assert {("row 5 (person A4)", f) for f in ("latest", "carers", "time_critical")} <= records
    assert "SW1A 1AA" in str(caught.value)


def test_missing_columns_are_named(area: Area) -> None:
    with pytest.raises(DemandError, match="slot"):
        load_demand_csv("person_id,postcode\nA,M41 5BU\n", area)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), min_size=8, max_size=8), max_size=5))
def test_any_rows_load_or_fail_with_named_records(rows: list[list[str]]) -> None:
    from joinedup.domains.neighbourhoods import load_area

    area = load_area()
    lines = ["person_id,postcode,slot,earliest,latest,duration_min,carers,time_critical"]
    lines += [
        ",".join(cell.replace(",", " ").replace("\n", " ").replace("\r", " ").replace('"', " ") for cell in r)
        for r in rows
    ]
    errors: list[dict[str, str]] = []
    try:
        load_demand_csv("\n".join(lines) + "\n", area)
    except DemandError as exc:
        errors = exc.errors
    assert all(e["record"] and e["message"] for e in errors)
