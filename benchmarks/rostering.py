"""Rostering engine against published results, in one harness on one machine.

1. Mankowska et al. (2014) HHCRSP sets A-G (UHHC JSON): our mean objective per
   set against the mean of the best published value per instance, and against
   the published BRKGA-MP-IPR mean. Objective = (travel + total tardiness +
   maximum tardiness) / 3, which reproduces the published A1 = 218.2.
2. Gehring-Homberger 1000-customer VRPTW (subset): gap to the best-known
   solutions for our engine, plain PyVRP and OR-Tools at the same time limit.

Every roster is checked by the independent checker; the last line printed is
one JSON object with the headline figures.

    PYTHONPATH=src python benchmarks/rostering.py            # full run
    PYTHONPATH=src python benchmarks/rostering.py --quick    # under a minute
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import pyvrp
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from pyvrp.stop import MaxRuntime

from joinedup.domains.homecare.solver import check_roster, compute_metrics, load_instance, solve
from joinedup.domains.homecare.solver.vrplib_io import read_bks

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "benchmarks"
SET_SIZES = {"A": 10, "B": 25, "C": 50, "D": 75, "E": 100, "F": 200, "G": 300}
# Published BRKGA-MP-IPR set means (20 runs) and mean run time in seconds, from
# afkummer/phd-thesis-results-2021 brkga-mp-ipr/Tables.ods via the data README.
BRKGA_MP_IPR = {
    "A": (227.51, 97),
    "B": (414.92, 105),
    "C": (629.79, 129),
    "D": (797.20, 164),
    "E": (847.18, 218),
    "F": (1260.56, 569),
    "G": (1665.69, 1210),
}
GH_FULL = ["C1_10_1", "C2_10_1", "R1_10_1", "R2_10_1", "RC1_10_1", "RC2_10_1"]


def mankowska_file(folder: Path, letter: str, k: int) -> Path:
    kind = "CPLEX" if letter in "ABCD" else "VNS"
    return folder / f"Instanz{kind}_HCSRP_{SET_SIZES[letter]}_{k}.json"


def published(folder: Path) -> dict[str, float]:
    best: dict[str, float] = {}
    with (folder / "published-results.csv").open() as handle:
        for row in csv.DictReader(handle):
            values = [float(row[c]) for c in ("mk", "lf", "matheur", "brkga") if row[c] != "NA"]
            best[row["instance"]] = min(values)
    return best


def set_time_limit(letter: str, args: argparse.Namespace) -> float:
    """The fixed limit, or BRKGA-MP-IPR's published mean time for the set (capped)."""
    if args.brkga_time:
        return float(min(BRKGA_MP_IPR[letter][1], args.max_time))
    return float(args.time_limit)


def solve_mankowska(folder: Path, letter: str, k: int, limit: float, seed: int) -> dict[str, Any]:
    """One instance: our objective, checker violations, unassigned visits, time."""
    inst = load_instance(mankowska_file(folder, letter, k))
    roster = solve(inst, time_limit_s=limit, seed=seed)
    found = check_roster(inst, roster)
    m = compute_metrics(inst, roster)
    return {
        "objective": (m.travel_time + m.total_lateness + m.max_lateness) / 3,
        "violations": len(found),
        "unassigned": len(roster.unassigned),
        "time": roster.runtime_s,
    }


def run_mankowska(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Every instance of the chosen sets, `--jobs` at a time (one core each: the engine is single-threaded)."""
    best = published(folder)
    work = [(letter, k) for letter in args.sets for k in range(1, args.per_set + 1)]
    # Longest first, so that parallel workers finish together.
    work.sort(key=lambda item: -set_time_limit(item[0], args))
    results: dict[tuple[str, int], dict[str, Any]] = {}

    def report(letter: str, k: int, result: dict[str, Any]) -> None:
        results[(letter, k)] = result
        print(
            f"  {letter}{k}: ours {result['objective']:.2f}  best published {best[f'{letter}{k}']:.2f}  "
            f"violations {result['violations']}  unassigned {result['unassigned']}  {result['time']:.1f}s",
            file=sys.stderr,
            flush=True,
        )

    if args.jobs <= 1:
        for letter, k in work:
            report(letter, k, solve_mankowska(folder, letter, k, set_time_limit(letter, args), args.seed))
    else:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            futures = {
                pool.submit(solve_mankowska, folder, letter, k, set_time_limit(letter, args), args.seed): (letter, k)
                for letter, k in work
            }
            for future in as_completed(futures):
                report(*futures[future], future.result())

    rows: list[dict[str, Any]] = []
    for letter in args.sets:
        mine = [results[(letter, k)] for k in range(1, args.per_set + 1)]
        ours = [r["objective"] for r in mine]
        theirs = [best[f"{letter}{k}"] for k in range(1, args.per_set + 1)]
        mean_ours, mean_best = statistics.mean(ours), statistics.mean(theirs)
        rows.append(
            {
                "set": letter,
                "n": args.per_set,
                "ours": mean_ours,
                "best": mean_best,
                "gap": 100 * (mean_ours / mean_best - 1),
                "brkga": BRKGA_MP_IPR[letter] if args.per_set == 10 else None,
                "time": statistics.mean(r["time"] for r in mine),
                "unassigned": sum(r["unassigned"] for r in mine),
            }
        )
    return {"rows": rows, "violations": sum(r["violations"] for r in results.values())}


def ortools_vrptw(path: Path, limit: float) -> float | None:
    """OR-Tools routing on a DIMACS-rounded VRPTW; returns distance or None."""
    data = pyvrp.read(path, round_func="dimacs")
    dist = data.distance_matrix(0).tolist()
    n = data.num_locations
    clients = data.clients()
    service = [0] + [c.service_duration for c in clients]
    early = [data.depot(0).tw_early] + [c.tw_early for c in clients]
    late = [min(data.depot(0).tw_late, 10**9)] + [c.tw_late for c in clients]
    demand = [0] + [c.delivery[0] for c in clients]
    vt = data.vehicle_type(0)
    manager = pywrapcp.RoutingIndexManager(n, vt.num_available, 0)
    routing = pywrapcp.RoutingModel(manager)
    arc = routing.RegisterTransitMatrix(dist)
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    times = [[dist[i][j] + service[i] for j in range(n)] for i in range(n)]
    routing.AddDimension(routing.RegisterTransitMatrix(times), late[0], late[0], False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for node in range(1, n):
        time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(early[node], late[node])
    routing.AddDimensionWithVehicleCapacity(
        routing.RegisterUnaryTransitVector(demand), 0, [vt.capacity[0]] * vt.num_available, True, "load"
    )
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(limit * 1000))
    solution = routing.SolveWithParameters(params)
    return None if solution is None else solution.ObjectiveValue() / 10


def run_gh(folder: Path, names: list[str], limit: float, seed: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    violations = 0
    for name in names:
        vrp, bks = folder / f"{name}.vrp", read_bks(folder / f"{name}.sol")
        inst = load_instance(vrp)
        roster = solve(inst, time_limit_s=limit, seed=seed)
        found = check_roster(inst, roster)
        violations += len(found)
        ours = roster.objective if not roster.unassigned else float("inf")
        result = pyvrp.solve(pyvrp.read(vrp, round_func="dimacs"), MaxRuntime(limit), seed=seed)
        plain = result.cost() / 10 if result.is_feasible() else float("inf")
        ort = ortools_vrptw(vrp, limit)
        row: dict[str, Any] = {
            "instance": name,
            "bks": bks,
            "ours": ours,
            "pyvrp": plain,
            "ortools": ort if ort is not None else float("inf"),
        }
        for key in ("ours", "pyvrp", "ortools"):
            row[f"gap_{key}"] = 100 * (row[key] / bks - 1)
        rows.append(row)
        print(
            f"  {name}: bks {bks:.1f} ours {ours:.1f} pyvrp {plain:.1f} ortools {row['ortools']:.1f}"
            f"  violations {len(found)}",
            file=sys.stderr,
            flush=True,
        )
    return {"rows": rows, "violations": violations}


def print_tables(mk: dict[str, Any], gh: dict[str, Any], args: argparse.Namespace) -> None:
    limits = "BRKGA-MP-IPR's mean time per set" if args.brkga_time else f"{args.time_limit:g} s per instance"
    if args.brkga_time and args.max_time < 1e9:
        limits += f", capped at {args.max_time:g} s"
    print(f"\nMankowska et al. (2014), {limits}, seed {args.seed}")
    print(
        "| set | n | ours (mean) | best published (mean of per-instance min) | gap % "
        "| BRKGA-MP-IPR mean (time) | our time s | unassigned |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in mk["rows"]:
        brkga = f"{r['brkga'][0]:.2f} ({r['brkga'][1]} s)" if r["brkga"] else "n/a (subset)"
        print(
            f"| {r['set']} | {r['n']} | {r['ours']:.2f} | {r['best']:.2f} | {r['gap']:+.2f} | {brkga} "
            f"| {r['time']:.1f} | {r['unassigned']} |"
        )
    if not gh["rows"]:
        return
    print(f"\nGehring-Homberger 1000 VRPTW, {args.gh_time_limit:g} s per instance and solver, seed {args.seed}")
    print("| instance | BKS | ours | gap % | PyVRP | gap % | OR-Tools | gap % |")
    print("|---|---|---|---|---|---|---|---|")
    for r in gh["rows"]:
        print(
            f"| {r['instance']} | {r['bks']:.1f} | {r['ours']:.1f} | {r['gap_ours']:.2f} | {r['pyvrp']:.1f} "
            f"| {r['gap_pyvrp']:.2f} | {r['ortools']:.1f} | {r['gap_ortools']:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small subset, under a minute")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sets", default="ABCDEFG")
    parser.add_argument("--per-set", type=int, default=10)
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per Mankowska instance")
    parser.add_argument("--gh", default=",".join(GH_FULL), help="comma-separated GH instance names")
    parser.add_argument("--gh-time-limit", type=float, default=30.0)
    parser.add_argument("--brkga-time", action="store_true", help="per set, BRKGA-MP-IPR's mean time")
    parser.add_argument("--max-time", type=float, default=1e9, help="cap on --brkga-time limits")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--jobs", type=int, default=1, help="Mankowska instances solved at once, one process each (one per core)"
    )
    args = parser.parse_args()
    if args.quick:
        args.sets, args.per_set, args.time_limit, args.brkga_time = "ABCDE", 1, 3.0, False
        args.gh, args.gh_time_limit = "R1_10_1", 5.0
    warnings.simplefilter("ignore")  # PyVRP penalty warnings on the relaxation are expected
    began = time.perf_counter()
    mk = run_mankowska(args.data / "hhc-mankowska", args)
    names = [n for n in args.gh.split(",") if n]
    gh = run_gh(args.data / "vrptw-gh1000", names, args.gh_time_limit, args.seed)
    print_tables(mk, gh, args)

    def mean_gap(key: str) -> float | None:
        return round(statistics.mean(r[key] for r in gh["rows"]), 3) if gh["rows"] else None

    summary = {
        "mankowska_gap_pct_by_set": {r["set"]: round(r["gap"], 3) for r in mk["rows"]},
        "mankowska_gap_to_brkga_mp_ipr_pct_by_set": {
            r["set"]: round(100 * (r["ours"] / r["brkga"][0] - 1), 3) for r in mk["rows"] if r["brkga"]
        },
        "mankowska_unassigned": sum(r["unassigned"] for r in mk["rows"]),
        "violations": mk["violations"] + gh["violations"],
        "gh_instances": names,
        "gh_gap_pct_ours": mean_gap("gap_ours"),
        "gh_gap_pct_pyvrp": mean_gap("gap_pyvrp"),
        "gh_gap_pct_ortools": mean_gap("gap_ortools"),
        "time_limit_s": {r["set"]: set_time_limit(r["set"], args) for r in mk["rows"]}
        if args.brkga_time
        else args.time_limit,
        "gh_time_limit_s": args.gh_time_limit,
        "per_set": args.per_set,
        "seed": args.seed,
        "wall_s": round(time.perf_counter() - began, 1),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
