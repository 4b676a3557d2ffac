"""PyVRP as the routing core: builds the relaxed routing model and solves it.

What PyVRP models natively: home starts, shifts, working time, capacity, time
windows, travel modes (profiles) and optional visits. Skills and excluded
carers become load dimensions (a carer has capacity only in the dimensions it
may serve). Double-up synchronisation and breaks are left to the homecare
layer; here the second service of a sequential double-up only gets its window
shifted by the minimum gap, a valid relaxation.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from pyvrp import Client, Depot, Location, ProblemData, VehicleType, solve
from pyvrp.Result import Result

from .problem import Problem

ProgressFn = Callable[[float, float], None]
MAX_ELIGIBILITY_DIMS = 40


def time_scale(p: Problem) -> int:
    # DIMACS one-decimal distances are exact at x10; other data keep 3 decimals
    return 10 if p.instance.source == "vrplib" else 1000


class TimedStop:
    """Stops after ``limit_s`` seconds and reports progress on the way."""

    def __init__(
        self,
        limit_s: float,
        on_progress: ProgressFn | None,
        offset_s: float,
        total_s: float,
        max_iterations: int | None = None,
    ):
        self._iterations_left = max_iterations
        self._deadline = time.perf_counter() + limit_s
        self._began = time.perf_counter()
        self._on_progress = on_progress
        self._offset = offset_s
        self._total = total_s
        self._last = 0.0

    def __call__(self, best_cost: float) -> bool:
        now = time.perf_counter()
        if self._on_progress is not None and now - self._last > 0.1:
            self._last = now
            self._on_progress(min(self._total, self._offset + now - self._began), self._total)
        if self._iterations_left is not None:
            self._iterations_left -= 1
            if self._iterations_left < 0:
                return True
        return now >= self._deadline


def build_data(p: Problem, slots: list[int], required: bool) -> tuple[ProblemData, list[list[int]]]:
    """Returns the PyVRP data and, per vehicle type, the carers it stands for."""
    scale = time_scale(p)
    inst = p.instance
    n_locs = len(next(iter(inst.travel_times.values())))
    coords = inst.coordinates or [(0.0, 0.0)] * n_locs
    locations = [Location(x=int(x * scale), y=int(y * scale)) for x, y in coords]
    depot_locs = sorted(set(p.start_loc) | set(p.end_loc))
    depot_index = {loc: i for i, loc in enumerate(depot_locs)}
    depots = [Depot(location=loc) for loc in depot_locs]

    groups = sorted({p.eligible[s] for s in slots}, key=sorted)
    use_eligibility = 1 < len(groups) <= MAX_ELIGIBILITY_DIMS
    dim_of = {g: i for i, g in enumerate(groups)} if use_eligibility else {}
    has_demand = any(p.demand[s] for s in slots)
    n_dims = len(dim_of) + (1 if has_demand else 0)
    big = max(1, len(slots))

    partner_lo = {b: lo for a, b, lo, _hi in p.sync_pairs}
    clients = []
    for s in slots:
        delivery = [0] * n_dims
        if use_eligibility:
            delivery[dim_of[p.eligible[s]]] = 1
        if has_demand:
            delivery[-1] = p.demand[s]
        early = p.tw_start[s] + partner_lo.get(s, 0.0)
        late = max(p.tw_end[s], early)
        clients.append(
            Client(
                location=p.loc[s],
                delivery=delivery,
                service_duration=round(p.duration[s] * scale),
                tw_early=round(early * scale),
                tw_late=round(late * scale),
                required=required,
                prize=0 if required else round(inst.objective.unassigned * scale),
            )
        )

    modes = sorted(inst.travel_times)
    matrices = [np.rint(np.asarray(inst.travel_times[m]) * scale).astype(np.int64) for m in modes]
    by_key: dict[tuple[int, int, tuple[int, ...], int, int, int, int], list[int]] = {}
    for k, carer in enumerate(inst.carers):
        cap = [big if k in g else 0 for g in groups] if use_eligibility else []
        if has_demand:
            cap.append(p.capacity[k])
        breaks = sum(p.breaks[b][3] for b in p.carer_breaks[k])
        key = (
            depot_index[p.start_loc[k]],
            depot_index[p.end_loc[k]],
            tuple(cap),
            round(p.shift_start[k] * scale),
            round(p.shift_end[k] * scale),
            round(min(p.max_work[k] - breaks, 1e9) * scale),
            modes.index(carer.travel_mode),
        )
        by_key.setdefault(key, []).append(k)
    vehicle_types = []
    members = []
    for key, carers in by_key.items():
        start, end, capacity, early, late, duration, profile = key
        vehicle_types.append(
            VehicleType(
                num_available=len(carers),
                capacity=list(capacity),
                start_depot=start,
                end_depot=end,
                tw_early=early,
                tw_late=late,
                shift_duration=duration,
                profile=profile,
            )
        )
        members.append(carers)
    dist = [m for m in matrices]
    data = ProblemData(locations, clients, depots, vehicle_types, dist, dist)
    return data, members


def solve_routes(
    p: Problem,
    slots: list[int],
    time_limit_s: float,
    seed: int,
    on_progress: ProgressFn | None = None,
    total_s: float | None = None,
    max_iterations: int | None = None,
    offset_s: float = 0.0,
) -> tuple[list[list[int]], Result]:
    """Routes per carer (lists of slot ids) from a PyVRP solve of the relaxation.

    ``offset_s`` is the time already spent, for progress reports.
    """
    required = p.instance.source == "vrplib"
    data, members = build_data(p, slots, required)
    stop = TimedStop(time_limit_s, on_progress, offset_s, total_s or time_limit_s, max_iterations)
    result = solve(data, stop, seed=seed, collect_stats=False, display=False)
    routes: list[list[int]] = [[] for _ in range(p.n_carers)]
    used = [0] * len(members)
    for route in result.best.routes():
        vt = route.vehicle_type()
        carer = members[vt][used[vt]]
        used[vt] += 1
        routes[carer] = [slots[a.idx] for a in route if a.is_client()]
    return routes, result
