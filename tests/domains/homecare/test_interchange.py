"""UHHC and VRPLIB reading, and UHHC solution round trips."""

from __future__ import annotations

import json
from pathlib import Path

from joinedup.domains.homecare.solver import (
    check_roster,
    compute_metrics,
    load_instance,
    read_uhhc_solution,
    solve,
    write_uhhc_solution,
)

from .conftest import small_instance


def test_uhhc_instance_is_read_faithfully(benchmarks: Path) -> None:
    path = benchmarks / "hhc-mankowska" / "InstanzCPLEX_HCSRP_10_1.json"
    raw = json.loads(path.read_text())
    inst = load_instance(path)
    assert inst.source == "uhhc" and len(inst.carers) == len(raw["caregivers"])
    visits = {v.id: v for r in inst.recipients for v in r.visits}
    p8 = visits["p8"]
    assert p8.sync is not None and p8.sync.kind == "simultaneous"
    assert [s.skill for s in p8.services] == ["s5", "s6"]
    p9 = visits["p9"]
    assert p9.sync is not None and (p9.sync.min_gap, p9.sync.max_gap) == (51, 102)
    assert inst.travel_times["car"][0][1] == raw["distances"][0][1]
    assert not inst.objective.lateness_is_hard


def test_uhhc_solution_round_trip(benchmarks: Path) -> None:
    inst = load_instance(benchmarks / "hhc-mankowska" / "InstanzCPLEX_HCSRP_25_1.json")
    roster = solve(inst, time_limit_s=10, seed=1, iterations=100)
    data = json.loads(json.dumps(write_uhhc_solution(inst, roster)))
    assert all("caregiver_id" in r and r["locations"] for r in data["routes"])
    back = read_uhhc_solution(inst, data)
    assert check_roster(inst, back) == [] or all(v.code == "travel" for v in check_roster(inst, back))
    assert compute_metrics(inst, back).travel_time == compute_metrics(inst, roster).travel_time
    assert compute_metrics(inst, back).total_lateness == compute_metrics(inst, roster).total_lateness


def test_vrplib_instance_is_read_with_dimacs_rounding(benchmarks: Path) -> None:
    inst = load_instance(benchmarks / "vrptw-gh1000" / "C1_10_1.vrp")
    assert inst.source == "vrplib" and len(inst.recipients) == 1000 and len(inst.carers) == 250
    # node 1 (250, 250) to node 2 (387, 297): sqrt(137^2 + 47^2) = 144.838... -> 144.8
    assert inst.travel_times["car"][0][1] == 144.8
    assert inst.carers[0].capacity == 200
    assert inst.recipients[0].visits[0].services[0].duration == 90


def test_native_json_round_trip(tmp_path: Path) -> None:
    inst = small_instance()
    path = tmp_path / "instance.json"
    path.write_text(inst.model_dump_json())
    assert load_instance(path) == inst
