"""Exact timing and cost of a set of routes, double-up synchronisation included.

All timing rules are "start no earlier than" constraints (travel, window
start, sync minimum gap, and the sync maximum gap read backwards), so the
earliest schedule is a longest path. It is found by alternating forward passes
over routes with sync-pair updates; if it does not settle, the sync rules form
a positive cycle and the routes cannot be timed. Because every start time is
as early as possible, this schedule also minimises total and maximum lateness
for the given routes, so the Mankowska objective is evaluated exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from .problem import Problem

HARD_PENALTY = 1000.0  # per minute (or unit) of broken hard constraint


@dataclass
class Evaluation:
    cost: float
    travel: float
    total_late: float
    max_late: float
    non_usual: int
    unassigned: int
    hard_excess: float
    timeable: bool
    start: dict[int, float]  # slot -> service start
    break_start: dict[int, float]  # break -> start
    departure: list[float]
    back: list[float]
    route_excess: list[float]  # hard-rule excess attributed to each route

    @property
    def feasible(self) -> bool:
        return self.timeable and self.hard_excess <= 1e-6


def route_travel(p: Problem, k: int, route: list[int]) -> float:
    travel = p.travel[k]
    loc = p.start_loc[k]
    total = 0.0
    for item in route:
        if item >= 0:
            nxt = p.loc[item]
            total += travel[loc][nxt]
            loc = nxt
    return total + travel[loc][p.end_loc[k]] if route else 0.0


def _forward(
    p: Problem, k: int, route: list[int], lb: dict[int, float], start: dict[int, float],
    break_start: dict[int, float],
) -> float:
    """Earliest times along one route; returns the time back at the end location."""
    travel = p.travel[k]
    loc = p.start_loc[k]
    t = p.shift_start[k]
    for item in route:
        if item >= 0:
            nxt = p.loc[item]
            arrive = t + travel[loc][nxt]
            s = max(arrive, p.tw_start[item], lb.get(item, 0.0))
            start[item] = s
            t = s + p.duration[item]
            loc = nxt
        else:
            _, earliest, _, dur = p.breaks[-item - 1]
            s = max(t, earliest)
            break_start[-item - 1] = s
            t = s + dur
    return t + travel[loc][p.end_loc[k]]


def evaluate(p: Problem, routes: list[list[int]], unassigned: int) -> Evaluation:
    obj = p.instance.objective
    start: dict[int, float] = {}
    break_start: dict[int, float] = {}
    lb: dict[int, float] = {}
    route_of: dict[int, int] = {}
    for k, route in enumerate(routes):
        for item in route:
            if item >= 0:
                route_of[item] = k
    pairs = [(a, b, lo, hi) for a, b, lo, hi in p.sync_pairs if a in route_of and b in route_of]
    back = [0.0] * len(routes)
    dirty = set(range(len(routes)))
    timeable = True
    for _round in range(2 * len(pairs) + 2):
        for k in dirty:
            if routes[k]:
                back[k] = _forward(p, k, routes[k], lb, start, break_start)
        dirty = set()
        for a, b, lo, hi in pairs:
            if start[b] < start[a] + lo - 1e-9:
                lb[b] = start[a] + lo
                dirty.add(route_of[b])
            if start[a] < start[b] - hi - 1e-9:
                lb[a] = start[b] - hi
                dirty.add(route_of[a])
        if not dirty:
            break
    else:
        timeable = False
    travel_total = 0.0
    departure = [0.0] * len(routes)
    excess = [0.0] * len(routes)
    non_usual = 0
    distinct: dict[int, set[int]] = {}
    total_late = 0.0
    max_late = 0.0
    for k, route in enumerate(routes):
        first = next((i for i in route if i >= 0), None)
        if first is None:
            continue
        travel_total += route_travel(p, k, route)
        departure[k] = start[first] - p.travel[k][p.start_loc[k]][p.loc[first]]
        ex = max(0.0, back[k] - p.shift_end[k]) + max(0.0, back[k] - departure[k] - p.max_work[k])
        load = 0
        for item in route:
            if item < 0:
                _, _, latest, dur = p.breaks[-item - 1]
                ex += max(0.0, break_start[-item - 1] + dur - latest)
                continue
            load += p.demand[item]
            if p.familiar[item] and k not in p.familiar[item]:
                non_usual += 1
            distinct.setdefault(p.recipient[item], set()).add(k)
            late = start[item] - p.tw_end[item]
            if late > 1e-9:
                total_late += late
                max_late = max(max_late, late)
                if obj.lateness_is_hard:
                    ex += late
        ex += max(0, load - p.capacity[k])
        # a break is owed when the working day covers its whole window
        ex += HARD_PENALTY * sum(
            1 for b in p.carer_breaks[k]
            if b not in break_start and departure[k] <= p.breaks[b][1] + 1e-9 and back[k] >= p.breaks[b][2] - 1e-9
        )
        excess[k] = ex
    for r, carers in distinct.items():
        over = max(0, len(carers) - p.max_distinct[r]) * HARD_PENALTY
        for k in carers:
            excess[k] += over / len(carers)
    hard = sum(excess)
    if obj.lateness_is_hard:
        soft_late = 0.0
    else:
        soft_late = obj.total_lateness * total_late + obj.max_lateness * max_late
    cost = (
        obj.travel * travel_total
        + soft_late
        + obj.non_usual_carer * non_usual
        + obj.unassigned * unassigned
        + HARD_PENALTY * hard
        + (0.0 if timeable else HARD_PENALTY * 1e4)
    )
    return Evaluation(
        cost=cost, travel=travel_total, total_late=total_late, max_late=max_late,
        non_usual=non_usual, unassigned=unassigned, hard_excess=hard, timeable=timeable,
        start=start, break_start=break_start, departure=departure, back=back,
        route_excess=excess,
    )
