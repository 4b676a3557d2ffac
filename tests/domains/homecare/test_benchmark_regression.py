"""Quality and feasibility on a handful of small published instances.

Mankowska et al. (2014) values are (travel + total tardiness + max tardiness)/3
(A1 reproduces the published 218.2). Runs are iteration-limited, so they are
deterministic (``runs`` fixes how many independent runs there are); a drop in
quality or any checker violation fails the test.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from joinedup.domains.homecare.solver import check_roster, compute_metrics, load_instance, solve
from joinedup.domains.homecare.solver.vrplib_io import read_bks

# Whole solver runs on published instances: the slow lane holds them.
pytestmark = pytest.mark.slow

CASES = [  # (file stem, published id, iterations per run, runs, allowed gap to best published)
    ("InstanzCPLEX_HCSRP_10_1", "A1", 200, 1, 0.0005),
    ("InstanzCPLEX_HCSRP_10_2", "A2", 200, 1, 0.0005),
    ("InstanzCPLEX_HCSRP_25_2", "B2", 300, 1, 0.002),
    # B5 and B7 have a wide basin one run seldom leaves: a single run gives 376.38 and
    # 338.75; the best of eight short independent runs reaches the published best.
    ("InstanzCPLEX_HCSRP_25_5", "B5", 100, 8, 0.0005),
    ("InstanzCPLEX_HCSRP_25_7", "B7", 100, 8, 0.0005),
    ("InstanzCPLEX_HCSRP_50_2", "C2", 800, 1, 0.015),
]


def published_best(folder: Path) -> dict[str, float]:
    best: dict[str, float] = {}
    with (folder / "published-results.csv").open() as handle:
        for row in csv.DictReader(handle):
            values = [float(row[c]) for c in ("mk", "lf", "matheur", "brkga") if row[c] != "NA"]
            best[row["instance"]] = min(values)
    return best


@pytest.mark.parametrize(("stem", "ident", "iterations", "runs", "gap"), CASES)
def test_mankowska_quality(benchmarks: Path, stem: str, ident: str, iterations: int, runs: int, gap: float) -> None:
    folder = benchmarks / "hhc-mankowska"
    instance = load_instance(folder / f"{stem}.json")
    roster = solve(instance, time_limit_s=60 * runs, seed=1, iterations=iterations, runs=runs)
    assert check_roster(instance, roster) == []
    assert roster.unassigned == []
    metrics = compute_metrics(instance, roster)
    value = (metrics.travel_time + metrics.total_lateness + metrics.max_lateness) / 3
    assert value == pytest.approx(roster.objective / 3)
    assert value <= published_best(folder)[ident] * (1 + gap)


def test_gehring_homberger_feasible_and_close(benchmarks: Path) -> None:
    folder = benchmarks / "vrptw-gh1000"
    instance = load_instance(folder / "R1_10_1.vrp")
    roster = solve(instance, time_limit_s=4, seed=1)
    assert roster.unassigned == []
    assert check_roster(instance, roster) == []
    gap = roster.objective / read_bks(folder / "R1_10_1.sol") - 1
    assert 0 <= gap < 0.15  # about 8 % after 4 s on one core; BKS cannot be beaten by much
