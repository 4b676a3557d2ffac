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


def _forward(p: Problem, k: int, route: list[int], lb: dict[int, float]) -> tuple[list[float], float]:
    """Earliest start of every item (visit or break) along one route, and the time back."""
    travel = p.travel[k]
    loc = p.start_loc[k]
    t = p.shift_start[k]
    times: list[float] = []
    for item in route:
        if item >= 0:
            nxt = p.loc[item]
            s = max(t + travel[loc][nxt], p.tw_start[item], lb.get(item, 0.0))
            times.append(s)
            t = s + p.duration[item]
            loc = nxt
        else:
            _, earliest, _, dur = p.breaks[-item - 1]
            s = max(t, earliest)
            times.append(s)
            t = s + dur
    return times, t + travel[loc][p.end_loc[k]]


# (travel, departure, hard excess, non-usual count, lateness sum, lateness max, recipients)
RouteSummary = tuple[float, float, float, int, float, float, frozenset[int]]
_CACHE_LIMIT = 200_000


def _summary(p: Problem, k: int, route: list[int], times: list[float], back: float) -> RouteSummary:
    lateness_is_hard = p.instance.objective.lateness_is_hard
    first = next(n for n, i in enumerate(route) if i >= 0)
    departure = times[first] - p.travel[k][p.start_loc[k]][p.loc[route[first]]]
    ex = max(0.0, back - p.shift_end[k]) + max(0.0, back - departure - p.max_work[k])
    load = non_usual = 0
    late_sum = late_max = 0.0
    recipients = set()
    for item, t in zip(route, times, strict=True):
        if item < 0:
            _, _, latest, dur = p.breaks[-item - 1]
            ex += max(0.0, t + dur - latest)
            continue
        load += p.demand[item]
        if p.familiar[item] and k not in p.familiar[item]:
            non_usual += 1
        recipients.add(p.recipient[item])
        late = t - p.tw_end[item]
        if late > 1e-9:
            late_sum += late
            late_max = max(late_max, late)
    if lateness_is_hard:
        ex += late_sum
    ex += max(0, load - p.capacity[k])
    # a break is owed when the working day covers its whole window
    taken = {-i - 1 for i in route if i < 0}
    ex += HARD_PENALTY * sum(
        1
        for b in p.carer_breaks[k]
        if b not in taken and departure <= p.breaks[b][1] + 1e-9 and back >= p.breaks[b][2] - 1e-9
    )
    return (route_travel(p, k, route), departure, ex, non_usual, late_sum, late_max, frozenset(recipients))


def evaluate(p: Problem, routes: list[list[int]], unassigned: int) -> Evaluation:
    obj = p.instance.objective
    cache = p.cache
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    times: list[list[float]] = [[] for _ in routes]
    back = [0.0] * len(routes)
    keys: list[tuple[int, ...] | None] = [None] * len(routes)
    start: dict[int, float] = {}
    route_of: dict[int, int] = {}
    for k, route in enumerate(routes):
        if not route:
            continue
        key = (k, *route)
        keys[k] = key
        hit = cache.get(key)
        if hit is None:
            free_times, free_back = _forward(p, k, route, {})
            hit = (free_times, free_back, _summary(p, k, route, free_times, free_back))
            cache[key] = hit
        times[k], back[k] = hit[0], hit[1]
        for item, t in zip(route, times[k], strict=True):
            if item >= 0:
                start[item] = t
                route_of[item] = k
    # sync rules raise start times; re-time only the routes they touch
    pairs = [(a, b, lo, hi) for a, b, lo, hi in p.sync_pairs if a in route_of and b in route_of]
    lb: dict[int, float] = {}
    raised: set[int] = set()
    timeable = True
    for _round in range(2 * len(pairs) + 2):
        dirty: set[int] = set()
        for a, b, lo, hi in pairs:
            if start[b] < start[a] + lo - 1e-9:
                lb[b] = start[a] + lo
                dirty.add(route_of[b])
            if start[a] < start[b] - hi - 1e-9:
                lb[a] = start[b] - hi
                dirty.add(route_of[a])
        if not dirty:
            break
        raised |= dirty
        for k in dirty:
            times[k], back[k] = _forward(p, k, routes[k], lb)
            for item, t in zip(routes[k], times[k], strict=True):
                if item >= 0:
                    start[item] = t
    else:
        timeable = False
    travel_total = total_late = max_late = 0.0
    non_usual = 0
    departure = [0.0] * len(routes)
    excess = [0.0] * len(routes)
    break_start: dict[int, float] = {}
    distinct: dict[int, set[int]] = {}
    for k, route in enumerate(routes):
        route_key = keys[k]
        if route_key is None or not any(i >= 0 for i in route):
            continue
        summary = _summary(p, k, route, times[k], back[k]) if k in raised else cache[route_key][2]
        travel, departure[k], excess[k], usual_misses, late_sum, late_max, recipients = summary
        travel_total += travel
        non_usual += usual_misses
        total_late += late_sum
        max_late = max(max_late, late_max)
        for r in recipients:
            distinct.setdefault(r, set()).add(k)
        for item, t in zip(route, times[k], strict=True):
            if item < 0:
                break_start[-item - 1] = t
    for r, carers in distinct.items():
        over = max(0, len(carers) - p.max_distinct[r]) * HARD_PENALTY
        for k in carers:
            excess[k] += over / len(carers)
    hard = sum(excess)
    soft_late = 0.0 if obj.lateness_is_hard else obj.total_lateness * total_late + obj.max_lateness * max_late
    cost = (
        obj.travel * travel_total
        + soft_late
        + obj.non_usual_carer * non_usual
        + obj.unassigned * unassigned
        + HARD_PENALTY * hard
        + (0.0 if timeable else HARD_PENALTY * 1e4)
    )
    return Evaluation(
        cost=cost,
        travel=travel_total,
        total_late=total_late,
        max_late=max_late,
        non_usual=non_usual,
        unassigned=unassigned,
        hard_excess=hard,
        timeable=timeable,
        start=start,
        break_start=break_start,
        departure=departure,
        back=back,
        route_excess=excess,
    )
