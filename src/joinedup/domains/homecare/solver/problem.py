"""Flat, index-based view of an instance that the routing and timing code use.

Each *slot* is one service of one visit (a double-up gives two slots linked
by a sync pair). Slots nobody can serve are found here, with the reason, so
the search never sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import Instance

HORIZON = 1e7


@dataclass
class Problem:
    instance: Instance
    # per slot
    visit_id: list[str] = field(default_factory=list)
    service_index: list[int] = field(default_factory=list)
    recipient: list[int] = field(default_factory=list)
    loc: list[int] = field(default_factory=list)
    duration: list[float] = field(default_factory=list)
    tw_start: list[float] = field(default_factory=list)
    tw_end: list[float] = field(default_factory=list)
    demand: list[int] = field(default_factory=list)
    eligible: list[frozenset[int]] = field(default_factory=list)
    familiar: list[frozenset[int]] = field(default_factory=list)  # usual or preferred carers
    partner: list[int] = field(default_factory=list)  # other slot of a double-up, or -1
    # (first slot, second slot, min gap, max gap): start[b] - start[a] in [lo, hi]
    sync_pairs: list[tuple[int, int, float, float]] = field(default_factory=list)
    sync_pairs_of: dict[int, tuple[int, int, float, float]] = field(default_factory=dict)
    unassignable: dict[int, str] = field(default_factory=dict)
    # per carer
    travel: list[list[list[float]]] = field(default_factory=list)
    start_loc: list[int] = field(default_factory=list)
    end_loc: list[int] = field(default_factory=list)
    shift_start: list[float] = field(default_factory=list)
    shift_end: list[float] = field(default_factory=list)
    max_work: list[float] = field(default_factory=list)
    capacity: list[int] = field(default_factory=list)
    # breaks: (carer, earliest start, latest end, duration); route items use -(index + 1)
    breaks: list[tuple[int, float, float, float]] = field(default_factory=list)
    carer_breaks: list[list[int]] = field(default_factory=list)
    # per recipient
    max_distinct: list[int] = field(default_factory=list)
    # route key -> (free start times, time back, summary), shared by all evaluations
    cache: dict[tuple[int, ...], Any] = field(default_factory=dict)

    @property
    def n_slots(self) -> int:
        return len(self.loc)

    @property
    def n_carers(self) -> int:
        return len(self.start_loc)


def build_problem(instance: Instance) -> Problem:
    p = Problem(instance=instance)
    carer_index = {c.id: k for k, c in enumerate(instance.carers)}
    for k, carer in enumerate(instance.carers):
        p.travel.append(instance.travel_times[carer.travel_mode])
        p.start_loc.append(carer.home)
        p.end_loc.append(carer.end)
        p.shift_start.append(carer.shift.start)
        p.shift_end.append(carer.shift.end)
        p.max_work.append(carer.max_working_time or HORIZON)
        p.capacity.append(carer.capacity if carer.capacity is not None else 10**9)
        ids = []
        for b in carer.breaks:
            ids.append(len(p.breaks))
            p.breaks.append((k, b.earliest_start, b.latest_end, b.duration))
        p.carer_breaks.append(ids)
    all_skills = {s for c in instance.carers for s in c.skills}
    for r_index, rec in enumerate(instance.recipients):
        p.max_distinct.append(rec.max_distinct_carers or 10**9)
        excluded = {carer_index[c] for c in rec.excluded_carers}
        familiar = frozenset(carer_index[c] for c in rec.usual_carers + rec.preferred_carers)
        for visit in rec.visits:
            first = p.n_slots
            for s_index, service in enumerate(visit.services):
                slot = p.n_slots
                p.visit_id.append(visit.id)
                p.service_index.append(s_index)
                p.recipient.append(r_index)
                p.loc.append(rec.location)
                p.duration.append(service.duration)
                p.tw_start.append(visit.window.start)
                p.tw_end.append(visit.window.end)
                p.demand.append(visit.demand)
                p.familiar.append(familiar)
                p.partner.append(-1)
                eligible = frozenset(
                    k
                    for k, c in enumerate(instance.carers)
                    if (service.skill is None or service.skill in c.skills)
                    and k not in excluded
                    and visit.demand <= p.capacity[k]
                    and _reachable(p, k, slot)
                )
                p.eligible.append(eligible)
                if not eligible:
                    p.unassignable[slot] = _why_nobody(p, instance, service.skill, slot, excluded, all_skills)
            if visit.sync is not None:
                one, two = first, first + 1
                p.partner[one], p.partner[two] = two, one
                lo, hi = (0.0, 0.0) if visit.sync.kind == "simultaneous" else (visit.sync.min_gap, visit.sync.max_gap)
                p.sync_pairs.append((one, two, lo, hi))
                p.sync_pairs_of[one] = p.sync_pairs_of[two] = (one, two, lo, hi)
                _check_double_up(p, one, two)
    return p


def _reachable(p: Problem, k: int, slot: int) -> bool:
    """Can carer k reach this slot and get home within shift and window?"""
    travel = p.travel[k]
    loc = p.loc[slot]
    arrive = p.shift_start[k] + travel[p.start_loc[k]][loc]
    start = max(arrive, p.tw_start[slot])
    if p.instance.objective.lateness_is_hard and start > p.tw_end[slot] + 1e-9:
        return False
    back = start + p.duration[slot] + travel[loc][p.end_loc[k]]
    return back <= p.shift_end[k] + 1e-9 and back - (start - travel[p.start_loc[k]][loc]) <= p.max_work[k]


def _why_nobody(
    p: Problem, instance: Instance, skill: str | None, slot: int, excluded: set[int], all_skills: set[str]
) -> str:
    if skill is not None and skill not in all_skills:
        return f"no carer has skill {skill!r}"
    skilled = [k for k, c in enumerate(instance.carers) if skill is None or skill in c.skills]
    if skilled and all(k in excluded for k in skilled):
        return f"every carer with skill {skill!r} is excluded by the recipient"
    if all(p.demand[slot] > p.capacity[k] for k in skilled):
        return "demand exceeds every carer's capacity"
    return "no eligible carer can reach it within their shift, working time and the visit window"


def _check_double_up(p: Problem, a: int, b: int) -> None:
    if a in p.unassignable or b in p.unassignable:
        reason = p.unassignable.get(a) or p.unassignable.get(b) or ""
        p.unassignable[a] = p.unassignable[b] = f"double-up: other service unassignable ({reason})"
        return
    ea, eb = p.eligible[a], p.eligible[b]
    if not any(x != y for x in ea for y in eb):
        names = sorted(ea | eb)
        reason = f"double-up needs two different carers but only {len(names)} is eligible"
        p.unassignable[a] = p.unassignable[b] = reason
