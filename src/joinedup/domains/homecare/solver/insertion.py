"""Fast insertion estimates, used to shortlist positions before exact timing.

For a slot put at (carer, position), the estimate adds the travel change, the
slot's own lateness and the lateness its push-forward causes further down the
same route, and any overrun of the shift. Effects that travel through double-up
partners onto other routes are left to the exact evaluation.
"""

from __future__ import annotations

from .problem import Problem
from .schedule import HARD_PENALTY, Evaluation

Candidate = tuple[float, int, int, float]  # estimate, carer, position, start time


def _route_frame(p: Problem, k: int, route: list[int], ev: Evaluation) -> tuple[list[float], list[int], list[int]]:
    """For each insertion position: end time before it, location before it, location after it."""
    ends: list[float] = []
    prev_locs: list[int] = []
    t, loc = p.shift_start[k], p.start_loc[k]
    for item in route:
        ends.append(t)
        prev_locs.append(loc)
        if item >= 0:
            t, loc = ev.start[item] + p.duration[item], p.loc[item]
        else:
            t = ev.break_start[-item - 1] + p.breaks[-item - 1][3]
    ends.append(t)
    prev_locs.append(loc)
    next_locs = [p.end_loc[k]] * (len(route) + 1)
    nxt = p.end_loc[k]
    for pos in range(len(route) - 1, -1, -1):
        if route[pos] >= 0:
            nxt = p.loc[route[pos]]
        next_locs[pos] = nxt
    return ends, prev_locs, next_locs


def estimate(
    p: Problem,
    route: list[int],
    k: int,
    ev: Evaluation,
    s: int,
    pos: int,
    frame: tuple[list[float], list[int], list[int]],
    min_start: float = 0.0,
) -> tuple[float, float]:
    """(estimated cost change, start time) of putting slot ``s`` at ``pos`` of carer ``k``."""
    obj = p.instance.objective
    hard = obj.lateness_is_hard
    w_late = HARD_PENALTY if hard else obj.total_lateness
    ends, prev_locs, next_locs = frame
    travel = p.travel[k]
    loc, prev, nxt = p.loc[s], prev_locs[pos], next_locs[pos]
    delta_travel = travel[prev][loc] + travel[loc][nxt] - travel[prev][nxt]
    start = max(ends[pos] + travel[prev][loc], p.tw_start[s], min_start)
    late = max(0.0, start - p.tw_end[s])
    new_max = late
    t, cur = start + p.duration[s], loc
    for item in route[pos:]:
        if item >= 0:
            old = ev.start[item]
            new = max(old, t + travel[cur][p.loc[item]])
            if new <= old + 1e-9:
                t = -1.0
                break
            tw_end = p.tw_end[item]
            late += max(0.0, new - tw_end) - max(0.0, old - tw_end)
            new_max = max(new_max, new - tw_end)
            t, cur = new + p.duration[item], p.loc[item]
        else:
            b = -item - 1
            old = ev.break_start[b]
            new = max(old, t)
            if new <= old + 1e-9:
                t = -1.0
                break
            t = new + p.breaks[b][3]
            late += HARD_PENALTY * max(0.0, t - p.breaks[b][2]) / max(w_late, 1e-9)
    overrun = 0.0
    if t >= 0:
        back = t + travel[cur][p.end_loc[k]]
        overrun = max(0.0, back - p.shift_end[k])
    cost = obj.travel * delta_travel + w_late * late + HARD_PENALTY * overrun
    if not hard:
        cost += obj.max_lateness * max(0.0, new_max - ev.max_late)
    return cost, start


def candidates(p: Problem, routes: list[list[int]], ev: Evaluation, s: int, limit: int) -> list[Candidate]:
    out: list[Candidate] = []
    for k in p.eligible[s]:
        route = routes[k]
        frame = _route_frame(p, k, route, ev)
        first_pos = 1 if route and route[0] < 0 else 0
        for pos in range(first_pos, len(route) + 1):
            cost, start = estimate(p, route, k, ev, s, pos, frame)
            out.append((cost, k, pos, start))
    out.sort(key=lambda c: c[0])
    return out[:limit]


def pair_candidates(
    p: Problem,
    routes: list[list[int]],
    ev: Evaluation,
    a: int,
    b: int,
    lo: float,
    hi: float,
    limit: int,
) -> list[tuple[float, tuple[int, int], tuple[int, int]]]:
    """Best (estimate, (carer, pos) for a, (carer, pos) for b) with synced start times."""
    cand_a = candidates(p, routes, ev, a, limit)
    cand_b = candidates(p, routes, ev, b, limit)
    frames: dict[int, tuple[list[float], list[int], list[int]]] = {}
    out: list[tuple[float, tuple[int, int], tuple[int, int]]] = []
    for _ca, ka, pa, sa in cand_a:
        for _cb, kb, pb, sb in cand_b:
            if ka == kb:
                continue
            start_a = max(sa, sb - hi)
            start_b = max(sb, start_a + lo)
            fa = frames.setdefault(ka, _route_frame(p, ka, routes[ka], ev))
            fb = frames.setdefault(kb, _route_frame(p, kb, routes[kb], ev))
            cost_a, _ = estimate(p, routes[ka], ka, ev, a, pa, fa, start_a)
            cost_b, _ = estimate(p, routes[kb], kb, ev, b, pb, fb, start_b)
            out.append((cost_a + cost_b, (ka, pa), (kb, pb)))
    out.sort(key=lambda c: c[0])
    return out
