"""Independent roster checker.

Reads only the instance and the roster (never the solver's internals) and
lists every broken rule: time windows, skills, exclusions, double-up
synchronisation, breaks, shifts, working time, capacity, travel feasibility
and no carer in two places at once.
"""

from __future__ import annotations

from collections.abc import Callable

from .model import Carer, Instance, Recipient, Visit
from .roster import CarerRoute, Roster, Stop, Violation

EPS = 1e-6
Served = dict[tuple[str, int], list[tuple[str, float]]]  # (visit, service) -> [(carer, start)]
Owners = dict[str, tuple[Recipient, Visit]]
Report = Callable[[str, str, str], None]


def check_roster(instance: Instance, roster: Roster) -> list[Violation]:
    out: list[Violation] = []
    carers = {c.id: c for c in instance.carers}
    owners = instance.visit_owner()
    served: Served = {}
    seen_carers: set[str] = set()

    def bad(code: str, record: str, message: str) -> None:
        out.append(Violation.model_validate({"code": code, "record": record, "message": message}))

    for route in roster.routes:
        carer = carers.get(route.carer_id)
        if carer is None:
            bad("unknown_record", route.carer_id, "route for an unknown carer")
            continue
        if route.carer_id in seen_carers:
            bad("duplicate", route.carer_id, "carer has two routes (two places at once)")
        seen_carers.add(route.carer_id)
        _check_route(instance, carer, route, owners, served, bad)

    listed = {(u.visit_id, u.service_index) for u in roster.unassigned}
    for rec in instance.recipients:
        for visit in rec.visits:
            keys = [(visit.id, i) for i in range(len(visit.services))]
            for key in keys:
                got = served.get(key, [])
                if len(got) > 1:
                    bad("duplicate", visit.id, f"service {key[1]} delivered {len(got)} times")
                if not got and key not in listed:
                    bad("missing", visit.id, f"service {key[1]} neither served nor listed as unassigned")
                if got and key in listed:
                    bad("duplicate", visit.id, f"service {key[1]} both served and listed as unassigned")
            if visit.sync is not None:
                _check_double_up(visit, served, bad)
        _check_distinct(rec.id, rec.max_distinct_carers, [v.id for v in rec.visits], served, bad)
    return out


def _check_route(
    instance: Instance, carer: Carer, route: CarerRoute, owners: Owners, served: Served, bad: Report
) -> None:
    travel = instance.travel_times[carer.travel_mode]
    where = f"carer {carer.id}"
    if route.departure < carer.shift.start - EPS:
        bad("shift", carer.id, f"{where} leaves at {route.departure} before the shift starts")
    if route.return_time > carer.shift.end + EPS:
        bad("shift", carer.id, f"{where} returns at {route.return_time} after the shift ends")
    if carer.max_working_time is not None and route.return_time - route.departure > carer.max_working_time + EPS:
        bad("working_time", carer.id, f"{where} works {route.return_time - route.departure:.1f} min")
    # timeline of places: (start, end, location) for stops; breaks happen where the carer is
    loc = carer.home
    t = route.departure
    load = 0
    stops = sorted(route.stops, key=lambda s: s.start)
    for stop in stops:
        owner = owners.get(stop.visit_id)
        if owner is None or stop.service_index >= len(owner[1].services):
            bad("unknown_record", stop.visit_id, f"{where} serves an unknown visit/service")
            continue
        rec, visit = owner
        service = visit.services[stop.service_index]
        served.setdefault((visit.id, stop.service_index), []).append((carer.id, stop.start))
        load += visit.demand
        need = t + travel[loc][rec.location]
        if stop.arrival < need - EPS:
            bad("travel", visit.id, f"{where} cannot arrive before {need:.2f} (claims {stop.arrival:.2f})")
        if stop.start < stop.arrival - EPS:
            bad("travel", visit.id, f"{where} starts before arriving")
        if stop.start < visit.window.start - EPS:
            bad("window", visit.id, f"starts at {stop.start:.2f} before window {visit.window.start}")
        if instance.objective.lateness_is_hard and stop.start > visit.window.end + EPS:
            bad("window", visit.id, f"starts at {stop.start:.2f} after window end {visit.window.end}")
        if stop.end - stop.start < service.duration - EPS:
            bad("duration", visit.id, f"lasts {stop.end - stop.start:.2f} < {service.duration}")
        if service.skill is not None and service.skill not in carer.skills:
            bad("skill", visit.id, f"{where} lacks skill {service.skill!r}")
        if carer.id in rec.excluded_carers:
            bad("excluded", visit.id, f"{where} is excluded by recipient {rec.id}")
        t, loc = stop.end, rec.location
    if route.return_time < t + travel[loc][carer.end] - EPS:
        bad("travel", carer.id, f"{where} cannot be back by {route.return_time:.2f}")
    if carer.capacity is not None and load > carer.capacity:
        bad("capacity", carer.id, f"{where} carries {load} > capacity {carer.capacity}")
    _check_breaks(instance, carer, route, stops, owners, bad)


def _check_breaks(
    instance: Instance, carer: Carer, route: CarerRoute, stops: list[Stop], owners: Owners, bad: Report
) -> None:
    travel = instance.travel_times[carer.travel_mode]
    taken = sorted(route.breaks, key=lambda b: b.start)
    for rule in carer.breaks:
        # owed when the working day covers the whole break window
        if not stops or route.departure > rule.earliest_start + EPS or route.return_time < rule.latest_end - EPS:
            continue
        fits = [
            b
            for b in taken
            if b.start >= rule.earliest_start - EPS
            and b.end <= rule.latest_end + EPS
            and b.end - b.start >= rule.duration - EPS
        ]
        if not fits:
            bad(
                "break",
                carer.id,
                f"no break of {rule.duration} min within "
                f"{rule.earliest_start}-{rule.latest_end} in a day that covers it",
            )
    for brk in taken:
        if brk.start < route.departure - EPS or brk.end > route.return_time + EPS:
            bad("break", carer.id, "break outside the working day")
        # the break must sit in a gap: after the previous stop ends, and leave time to travel on
        prev = [s for s in stops if s.start < brk.start + EPS]
        nxt = [s for s in stops if s.start >= brk.start + EPS]
        prev_loc = owners[prev[-1].visit_id][0].location if prev else carer.home
        if prev and brk.start < prev[-1].end - EPS:
            bad("overlap", carer.id, f"break at {brk.start:.1f} overlaps visit {prev[-1].visit_id}")
        if nxt:
            need = brk.end + travel[prev_loc][owners[nxt[0].visit_id][0].location]
            if nxt[0].arrival < need - EPS:
                bad("overlap", carer.id, f"break ending {brk.end:.1f} leaves no time to reach {nxt[0].visit_id}")
        elif brk.end + travel[prev_loc][carer.end] > route.return_time + EPS:
            bad("overlap", carer.id, "break ends too late to get back")


def _check_double_up(visit: Visit, served: Served, bad: Report) -> None:
    first, second = served.get((visit.id, 0), []), served.get((visit.id, 1), [])
    if not first or not second:
        if first or second:
            bad("double_up", visit.id, "only one of the two carers is rostered")
        return
    (c1, t1), (c2, t2) = first[0], second[0]
    if c1 == c2:
        bad("double_up", visit.id, f"both services given by the same carer {c1}")
    assert visit.sync is not None
    if visit.sync.kind == "simultaneous":
        if abs(t1 - t2) > EPS:
            bad("sync", visit.id, f"carers start at {t1:.2f} and {t2:.2f}, not together")
    else:
        gap = t2 - t1
        if gap < visit.sync.min_gap - EPS or gap > visit.sync.max_gap + EPS:
            bad("sync", visit.id, f"gap {gap:.2f} outside [{visit.sync.min_gap}, {visit.sync.max_gap}]")


def _check_distinct(rec_id: str, cap: int | None, visit_ids: list[str], served: Served, bad: Report) -> None:
    if cap is None:
        return
    carers = {c for (vid, _i), got in served.items() if vid in visit_ids for c, _t in got}
    if len(carers) > cap:
        bad("continuity", rec_id, f"{len(carers)} distinct carers > limit {cap}")
