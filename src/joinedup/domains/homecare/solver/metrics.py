"""Roster metrics: travel, lateness, workforce use and continuity of carer."""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel

from .model import Instance
from .roster import Roster


class Metrics(BaseModel):
    objective: float
    travel_time: float
    paid_time: float  # departure to return, summed over carers
    travel_share: float  # travel / paid time
    travel_per_visit: float
    total_lateness: float
    max_lateness: float
    late_services: int
    services_served: int
    unassigned: int
    carers_used: int
    mean_distinct_carers: float  # per recipient with at least one visit served
    max_distinct_carers: int
    usual_carer_share: float | None  # of services for recipients that have usual carers
    max_arrival_spread: float  # same recipient and slot label, minutes


def compute_metrics(instance: Instance, roster: Roster) -> Metrics:
    owners = instance.visit_owner()
    carers = {c.id: c for c in instance.carers}
    travel = paid = late_total = late_max = 0.0
    late_count = served = 0
    by_recipient: dict[str, set[str]] = defaultdict(set)
    usual_hits = usual_total = 0
    arrivals: dict[tuple[str, str], list[float]] = defaultdict(list)
    for route in roster.routes:
        if not route.stops:
            continue
        matrix = instance.travel_times[carers[route.carer_id].travel_mode]
        paid += route.return_time - route.departure
        loc = carers[route.carer_id].home
        for stop in sorted(route.stops, key=lambda s: s.start):
            rec, visit = owners[stop.visit_id]
            travel += matrix[loc][rec.location]
            loc = rec.location
            served += 1
            late = max(0.0, stop.start - visit.window.end)
            if late > 1e-9:
                late_count += 1
                late_total += late
                late_max = max(late_max, late)
            by_recipient[rec.id].add(route.carer_id)
            if rec.usual_carers:
                usual_total += 1
                usual_hits += route.carer_id in rec.usual_carers
            if visit.slot is not None:
                arrivals[(rec.id, visit.slot)].append(stop.arrival % 1440.0)
        travel += matrix[loc][carers[route.carer_id].end]
    distinct = [len(c) for c in by_recipient.values()]
    obj = instance.objective
    return Metrics(
        objective=obj.travel * travel + obj.total_lateness * late_total + obj.max_lateness * late_max,
        travel_time=travel,
        paid_time=paid,
        travel_share=travel / paid if paid > 0 else 0.0,
        travel_per_visit=travel / served if served else 0.0,
        total_lateness=late_total,
        max_lateness=late_max,
        late_services=late_count,
        services_served=served,
        unassigned=len(roster.unassigned),
        carers_used=sum(1 for r in roster.routes if r.stops),
        mean_distinct_carers=sum(distinct) / len(distinct) if distinct else 0.0,
        max_distinct_carers=max(distinct, default=0),
        usual_carer_share=usual_hits / usual_total if usual_total else None,
        max_arrival_spread=max((max(a) - min(a) for a in arrivals.values()), default=0.0),
    )


def summary_rows(metrics: Metrics, violations: int | None = None) -> list[tuple[str, str]]:
    """(label, value) rows for a two-column summary table (CLI, web)."""
    rows = [
        ("Objective", f"{metrics.objective:.2f}"),
        ("Travel time (min)", f"{metrics.travel_time:.1f}"),
        ("Travel share of paid time", f"{100 * metrics.travel_share:.1f}%"),
        ("Travel per visit (min)", f"{metrics.travel_per_visit:.1f}"),
        ("Total lateness (min)", f"{metrics.total_lateness:.1f}"),
        ("Max lateness (min)", f"{metrics.max_lateness:.1f}"),
        ("Services served", str(metrics.services_served)),
        ("Unassigned services", str(metrics.unassigned)),
        ("Carers used", str(metrics.carers_used)),
        (
            "Distinct carers per person (mean / max)",
            f"{metrics.mean_distinct_carers:.2f} / {metrics.max_distinct_carers}",
        ),
        (
            "Services by a usual carer",
            "n/a" if metrics.usual_carer_share is None else f"{100 * metrics.usual_carer_share:.0f}%",
        ),
        ("Arrival-time spread, same slot (min)", f"{metrics.max_arrival_spread:.0f}"),
    ]
    if violations is not None:
        rows.append(("Constraint violations", str(violations)))
    return rows
