"""The independent checker accepts a correct hand-made roster and names each
rule broken by a hand-made faulty one."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from joinedup.domains.homecare.solver import Instance, Roster, check_roster

from .conftest import small_instance


def good_roster() -> dict[str, Any]:
    return {
        "instance_name": "small",
        "routes": [
            {
                "carer_id": "ann",
                "departure": 50,
                "return_time": 275,
                "stops": [
                    {"visit_id": "v1", "service_index": 0, "arrival": 60, "start": 60, "end": 90},
                    {"visit_id": "v3", "service_index": 0, "arrival": 110, "start": 200, "end": 245},
                ],
            },
            {
                "carer_id": "bob",
                "departure": 40,
                "return_time": 275,
                "stops": [
                    {"visit_id": "v2", "service_index": 0, "arrival": 60, "start": 60, "end": 90},
                    {"visit_id": "v3", "service_index": 1, "arrival": 100, "start": 200, "end": 245},
                ],
            },
        ],
    }


def codes(instance: Instance, data: dict[str, Any]) -> set[str]:
    return {v.code for v in check_roster(instance, Roster.model_validate(data))}


def test_good_roster_passes(small: Instance) -> None:
    assert check_roster(small, Roster.model_validate(good_roster())) == []


def stop(data: dict[str, Any], carer: int, index: int) -> dict[str, Any]:
    result: dict[str, Any] = data["routes"][carer]["stops"][index]
    return result


@pytest.mark.parametrize(
    ("expected", "mutate"),
    [
        ("window", lambda d: stop(d, 0, 0).update(arrival=50, start=50, end=80)),
        ("window", lambda d: stop(d, 1, 0).update(start=181, end=211)),  # late, windows are hard
        ("travel", lambda d: stop(d, 0, 1).update(arrival=95)),
        ("travel", lambda d: d["routes"][0].update(return_time=250)),
        ("duration", lambda d: stop(d, 0, 0).update(end=80)),
        ("sync", lambda d: stop(d, 1, 1).update(start=210, end=255)),
        ("missing", lambda d: d["routes"][1]["stops"].pop(0)),
        (
            "duplicate",
            lambda d: d["routes"][0]["stops"].insert(1, dict(stop(d, 1, 0), arrival=100, start=100, end=130)),
        ),
        ("duplicate", lambda d: d["routes"].append(copy.deepcopy(d["routes"][0]))),
        ("unknown_record", lambda d: d["routes"][0].update(carer_id="zoe")),
        ("unknown_record", lambda d: stop(d, 0, 0).update(visit_id="nope")),
    ],
)
def test_broken_rosters_are_caught(small: Instance, expected: str, mutate: Any) -> None:
    data = good_roster()
    mutate(data)
    assert expected in codes(small, data)


def test_skill_missing() -> None:
    inst = small_instance()
    data = good_roster()
    # bob (no meds skill) does v1; ann does v2
    data["routes"][0]["stops"][0]["visit_id"] = "v2"
    data["routes"][1]["stops"][0]["visit_id"] = "v1"
    data["routes"][0]["stops"][1].update(arrival=110)
    data["routes"][1]["stops"][1].update(arrival=100)
    data["routes"][0]["stops"][0].update(arrival=60)
    data["routes"][0]["departure"] = 40
    data["routes"][1]["departure"] = 50
    data["routes"][1]["stops"][1].update(arrival=110)
    found = codes(inst, data)
    assert "skill" in found


def test_same_carer_twice_on_a_double_up(small: Instance) -> None:
    data = good_roster()
    moved = data["routes"][1]["stops"].pop(1)
    moved.update(arrival=245, start=245, end=290)
    data["routes"][0]["stops"].append(moved)
    data["routes"][0]["return_time"] = 320
    found = codes(small, data)
    assert {"double_up", "sync"} <= found


def test_two_places_at_once(small: Instance) -> None:
    data = good_roster()
    # ann claims v2 while she is still at v1
    data["routes"][0]["stops"].insert(1, {"visit_id": "v2", "service_index": 0, "arrival": 70, "start": 70, "end": 100})
    data["routes"][1]["stops"].pop(0)
    assert "travel" in codes(small, data)


def test_excluded_carer() -> None:
    inst = small_instance()
    recs = [r.model_dump() for r in inst.recipients]
    recs[0]["excluded_carers"] = ["ann"]
    assert "excluded" in codes(small_instance(recipients=recs), good_roster())


def test_distinct_carer_limit() -> None:
    recs = [r.model_dump() for r in small_instance().recipients]
    recs[2]["max_distinct_carers"] = 1
    assert "continuity" in codes(small_instance(recipients=recs), good_roster())


def test_shift_and_working_time() -> None:
    carers = [c.model_dump() for c in small_instance().carers]
    carers[0]["shift"] = {"start": 0, "end": 260}
    carers[1]["max_working_time"] = 200
    found = codes(small_instance(carers=carers), good_roster())
    assert {"shift", "working_time"} <= found


def test_capacity() -> None:
    recs = [r.model_dump() for r in small_instance().recipients]
    recs[0]["visits"][0]["demand"] = 5
    carers = [c.model_dump() for c in small_instance().carers]
    carers[0]["capacity"] = 3
    assert "capacity" in codes(small_instance(recipients=recs, carers=carers), good_roster())


def test_breaks_must_be_taken_inside_their_window_and_a_gap() -> None:
    carers = [c.model_dump() for c in small_instance().carers]
    carers[0]["breaks"] = [{"earliest_start": 100, "latest_end": 190, "duration": 30}]
    inst = small_instance(carers=carers)
    data = good_roster()
    assert "break" in codes(inst, data)  # not taken
    data["routes"][0]["breaks"] = [{"start": 120, "end": 150}]
    data["routes"][0]["stops"][1].update(arrival=170)
    assert codes(inst, data) == set()  # taken at v1's home, then 20 min to v3
    data["routes"][0]["breaks"] = [{"start": 80, "end": 110}]
    assert {"break", "overlap"} <= codes(inst, data)  # too early and during v1
    data["routes"][0]["breaks"] = [{"start": 160, "end": 190}]
    data["routes"][0]["stops"][1].update(arrival=195, start=200)
    assert codes(inst, data) == {"overlap"}  # 190 + 20 travel > arrival 195
