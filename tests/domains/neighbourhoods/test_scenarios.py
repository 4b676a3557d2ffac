"""The three scenarios on a small area: same demand, same engine, a checked roster, figures that
favour the neighbourhood model where the geography says they should."""

from __future__ import annotations

import csv
import io

import pytest

from joinedup.domains.neighbourhoods import Area, TravelModel, calibrated_travel, design_neighbourhoods, generate_demand
from joinedup.domains.neighbourhoods.engine.cover import Run
from joinedup.domains.neighbourhoods.engine.measures import travel_cut_pct
from joinedup.domains.neighbourhoods.engine.pipeline import Comparison, compare
from joinedup.domains.neighbourhoods.engine.scenarios import ScenarioSettings, tasks_for
from joinedup.domains.neighbourhoods.engine.week import GroupTask
from joinedup.domains.neighbourhoods.report import plot_comparison, plot_map, rows_for_display, to_csv


@pytest.fixture(scope="module")
def result(area: Area) -> Comparison:
    part = area.localities({"West"})
    demand = generate_demand(part, 160, seed=2)
    design = design_neighbourhoods(part, demand, 80)
    settings = ScenarioSettings(providers=6, seconds_per_100_visits=0.25, days=2, seed=2)
    return compare(part, demand, design, calibrated_travel(), settings, executor="inline")


@pytest.mark.slow  # whole designs or rosters: seconds each
def test_every_scenario_rosters_the_same_demand(result: Comparison) -> None:
    table = result.table
    assert set(table) == {"framework", "neighbourhood", "flexible"}
    assert {row["recipients"] for row in table.values()} == {160}
    assert len({row["visits_per_day"] for row in table.values()}) == 1
    assert table["framework"]["groups"] == 6 and table["neighbourhood"]["groups"] == 2
    assert all(row["violations"] == 0 for row in table.values())
    assert not result.run.partial


def test_neighbourhoods_travel_less_than_scattered_providers(result: Comparison) -> None:
    table = result.table
    assert table["neighbourhood"]["travel_min_per_visit"] < table["framework"]["travel_min_per_visit"]
    assert table["flexible"]["travel_min_per_visit"] <= table["neighbourhood"]["travel_min_per_visit"] * 1.1
    cut = travel_cut_pct(table)
    assert cut is not None and cut > 10


def test_continuity_figures_are_shares(result: Comparison) -> None:
    for row in result.table.values():
        assert 0 < row["usual_carer_share_pct"] <= 100
        assert row["usual_carer_share_pct"] <= row["familiar_carer_share_pct"] <= 100
        assert row["distinct_carers"] >= 1


def test_same_limits_in_every_scenario(area: Area) -> None:
    part = area.localities({"West"})
    demand = generate_demand(part, 160, seed=2)
    design = design_neighbourhoods(part, demand, 80)
    tasks = tasks_for(part, demand, design, TravelModel(), ScenarioSettings(providers=6))
    assert {t.seconds_per_100_visits for t in tasks} == {0.6}
    assert {t.days for t in tasks} == {7}
    flexible = {t.scenario: t.flexible for t in tasks}
    assert flexible == {"framework": False, "neighbourhood": False, "flexible": True}
    for scenario in ("framework", "neighbourhood"):
        people = sorted(p.id for t in tasks if t.scenario == scenario for p in t.people)
        assert people == sorted(p.id for p in demand.people)


def test_report_exports(result: Comparison) -> None:
    rows = list(csv.reader(io.StringIO(to_csv(result.table, result.design))))
    assert rows[0] == ["measure", "framework", "neighbourhood", "flexible"]
    assert any(r[0] == "travel_min_per_visit" for r in rows)
    assert any(r[0] == "design_cv_pct" for r in rows)
    assert len(rows_for_display(result.table)[0]) == 4
    assert plot_comparison(result.table).startswith(b"<?xml")
    assert plot_comparison(result.table, "png").startswith(b"\x89PNG")
    assert b"<svg" in plot_map(result.design, result.area)


def test_headline_names_the_figures_the_issue_asks_for(result: Comparison) -> None:
    headline = result.headline()
    for key in (
        "recipients",
        "travel_min_per_visit_framework",
        "travel_min_per_visit_neighbourhood",
        "travel_cut_pct",
        "travel_min_per_visit_neighbourhood_flexible",
        "travel_cut_pct_flexible",
        "usual_carer_share",
        "runtime_s",
    ):
        assert headline[key] is not None


def test_named_reliefs_keep_most_visits_with_the_usual_team(result: Comparison) -> None:
    table = result.table
    for scenario in ("neighbourhood", "flexible"):
        row = table[scenario]
        assert row["runs_relieved_pct"] > 50
        assert row["relief_share_pct"] > 0
        assert row["usual_carer_share_pct"] >= 80
        assert row["team_size"] >= 1


def _setup_runs(area: Area, recipients: int, seed: int, seconds: float) -> tuple[GroupTask, dict[str, Run]]:
    """A West neighbourhood's week task and the runs of its set-up day."""
    from joinedup.domains.neighbourhoods.engine.instances import on_duty
    from joinedup.domains.neighbourhoods.engine.week import _solve

    part = area.localities({"West"})
    demand = generate_demand(part, recipients, seed=seed)
    design = design_neighbourhoods(part, demand, recipients)
    task = next(
        t
        for t in tasks_for(part, demand, design, TravelModel(), ScenarioSettings(seconds_per_100_visits=0.2, days=7))
        if t.scenario == "neighbourhood"
    )
    _day, runs = _solve(task, task.people, on_duty(task.workers, 0), "setup", seconds, None, 1)
    return task, runs


def test_reliefs_are_spare_workers_on_duty_when_the_main_carer_is_off(area: Area) -> None:
    from joinedup.domains.neighbourhoods.engine.cover import MAX_RELIEFS, choose_reliefs, days_needing_cover
    from joinedup.domains.neighbourhoods.engine.instances import SHIFTS

    task, runs = _setup_runs(area, 80, seed=3, seconds=0.5)
    reliefs, unreachable = choose_reliefs(task, runs)
    assert reliefs
    workers = {w.id: w for w in task.workers}
    booked: dict[str, set[int]] = {}
    for main, named in reliefs.items():
        assert main not in unreachable
        assert 1 <= len(named) <= MAX_RELIEFS
        covered: set[int] = set()
        for relief in named:
            assert relief.carer not in runs  # a relief has no run of their own
            assert workers[relief.carer].shift == workers[main].shift
            assert not covered & relief.days  # each day off has one named relief
            covered |= relief.days
            start, end = SHIFTS[workers[relief.carer].shift]
            assert start <= relief.departure and relief.back <= end and relief.back - relief.departure <= 8 * 60
            for d in relief.days:
                assert d % 7 in workers[main].days_off and d % 7 not in workers[relief.carer].days_off
                assert d not in booked.setdefault(relief.carer, set())  # one run a day
                booked[relief.carer].add(d)
    # most runs are covered on every day off; a second relief takes the day the first is booked
    full = sum(days_needing_cover(task, workers[m]) <= {d for r in reliefs.get(m, []) for d in r.days} for m in runs)
    assert full >= 0.8 * len(runs)


def test_a_late_relief_moves_the_other_carer_of_a_double_up_and_the_day_is_checked(area: Area) -> None:
    from dataclasses import replace

    from joinedup.domains.neighbourhoods.engine.cover import retime, time_the_day
    from joinedup.domains.neighbourhoods.engine.instances import SHIFTS
    from joinedup.domains.neighbourhoods.engine.week import _replay

    task, runs = _setup_runs(area, 160, seed=2, seconds=1.0)
    shifts = {w.id: w.shift for w in task.workers}
    spare = [w for w in task.workers if w.id not in runs]
    holders: dict[str, list[str]] = {}
    for worker, run in runs.items():
        for _p, _c, vid in run.served:
            holders.setdefault(vid, []).append(worker)
    moved = 0
    for worker, run in runs.items():
        assert run.route is not None
        first = min(run.route.stops, key=lambda s: s.start)
        if not run.fixed[0] or run.latest[0] - first.start < 5 or len(holders[first.visit_id]) != 2:
            continue
        relief = next(w for w in spare if w.shift == shifts[worker])
        legs = task.travel.matrix([relief.home, run.first, run.last], "car")
        timed = retime(run, relief, legs[0][1], legs[2][0], hold_double_ups=False)
        if timed is None:
            continue
        # the relief leaves five minutes later than they could, so reaches the double-up late
        late = replace(timed, departure=max(SHIFTS[relief.shift][0], first.start - timed.out_leg) + 5)
        working = {w: (w, None) for w in runs if w != worker} | {worker: (relief.id, late)}
        tables, failed = time_the_day(runs, working, shifts, set())
        if failed:
            continue
        other = next(w for w in holders[first.visit_id] if w != worker)
        other_route = runs[other].route
        assert other_route is not None
        k = next(
            i for i, s in enumerate(sorted(other_route.stops, key=lambda s: s.start)) if s.visit_id == first.visit_id
        )
        assert tables[worker][1][0][1] == tables[other][1][k][1] > first.start  # together, later
        assert _replay(task, runs, working, tables, set(), "late") == 0  # the independent checker agrees
        moved += 1
    assert moved > 0
