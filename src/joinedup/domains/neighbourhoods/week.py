"""Rosters one group (a provider's or a neighbourhood's people and workforce) over a week.

Day 0 is the set-up roster: each worker on duty gets a run. Each run then gets a named relief
carer from the same workforce (a worker with no run of their own, on the same shift), who works
that run on the main carer's days off, as homecare services organise cover. A person's usual
carers are their named team, fixed before the measured week: the carers of their runs plus those
runs' named reliefs. Days 1-7 are the measured week. Runs are kept from day to day; what a relief
cannot cover (no relief free that day, or the run does not fit the relief's shift from their
home) is rostered by the engine onto the free workers on duty, preferring carers the person
already knows (``Objective.non_usual_carer``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import linear_sum_assignment

from joinedup.domains.homecare.solver import CarerRoute, Roster, check_roster, compute_metrics, solve

from .demand import Person
from .instances import SHIFTS, Worker, build_instance, on_duty
from .travel import MatrixProvider, Point


@dataclass(frozen=True)
class GroupTask:
    scenario: str
    group: str
    people: list[Person]
    workers: list[Worker]
    travel: MatrixProvider
    flexible: bool
    seconds_per_100_visits: float
    days: int = 7
    seed: int = 1
    non_usual_penalty: float = 30.0


@dataclass
class GroupResult:
    scenario: str
    group: str
    people: int
    visits_per_day: int
    days: int
    travel_min: float = 0.0
    paid_min: float = 0.0
    care_min: float = 0.0
    services: int = 0
    unassigned: int = 0
    late_services: int = 0
    lateness_min: float = 0.0
    carer_days: int = 0  # sum over days of carers with at least one visit
    violations: int = 0
    workforce: int = 0
    usual_services: int = 0  # by one of the person's named team (run carers and their reliefs)
    familiar_services: int = 0  # by a carer who had already visited the person
    person_services: dict[str, int] = field(default_factory=dict)
    person_usual: dict[str, int] = field(default_factory=dict)
    person_carers: dict[str, int] = field(default_factory=dict)
    unassigned_visits: list[str] = field(default_factory=list)
    setup_travel_per_visit: float = 0.0
    setup_unassigned: int = 0
    runtime_s: float = 0.0
    runs: int = 0
    runs_relieved: int = 0  # runs whose named reliefs cover every one of the main carer's days off
    runs_two_reliefs: int = 0  # runs whose days off are split between two named reliefs
    relief_services: int = 0
    engine_services: int = 0  # services rostered by the engine on the day (what the relief could not cover)
    person_team: dict[str, int] = field(default_factory=dict)
    trips: int = 0  # journeys between different places, home legs included
    # days off no named relief covers: no spare worker can work the run at all, or those who can are booked
    uncovered_unreachable: int = 0
    uncovered_booked: int = 0
    overhead_min: float = 0.0  # the travel model's fixed minutes per journey (0 for a supplied matrix)


@dataclass
class _Day:
    travel: float = 0.0
    paid: float = 0.0
    care: float = 0.0
    served: list[tuple[str, str]] = field(default_factory=list)  # (person, carer) per service
    carers: int = 0
    unassigned: int = 0
    late: int = 0
    lateness: float = 0.0
    violations: int = 0
    unassigned_visits: list[str] = field(default_factory=list)
    trips: int = 0  # journeys between two different places (each bears the model's fixed overhead)


@dataclass
class _Run:
    visits: set[str]
    served: list[tuple[str, str, str]]  # (person, carer, visit)
    travel: float
    paid: float
    care: float
    first: Point = (0.0, 0.0)  # where the first and last visits are, for a relief's legs
    last: Point = (0.0, 0.0)
    first_start: float = 0.0
    last_end: float = 0.0
    legs: float = 0.0  # the main carer's travel from home and back home
    route: CarerRoute | None = None  # the set-up route, replayed on later days and checked
    # per stop in time order, for re-timing the run from a relief's home: travel from the stop
    # before, the latest start its window allows, and whether it is a double-up (fixed time)
    gaps: tuple[float, ...] = ()
    latest: tuple[float, ...] = ()
    fixed: tuple[bool, ...] = ()
    trips: int = 0  # journeys between visits at different places, not counting the legs from and to home
    home_trips: int = 0  # the main carer's legs from and to home that are journeys (not the same place)


def _solve(
    task: GroupTask,
    people: list[Person],
    workers: list[Worker],
    name: str,
    limit: float,
    known: dict[str, list[str]] | None,
    seed: int,
) -> tuple[_Day, dict[str, _Run]]:
    """One engine solve; the day's figures and each worker's run."""
    day = _Day()
    if not people:
        return day, {}
    if not workers:
        day.unassigned = sum(v.carers for p in people for v in p.visits)
        day.unassigned_visits = [f"{p.id}-{v.slot}" for p in people for v in p.visits]
        return day, {}
    instance = build_instance(
        name,
        people,
        workers,
        task.travel,
        flexible=task.flexible,
        usual=known,
        non_usual_penalty=task.non_usual_penalty if known else 0.0,
    )
    roster = solve(instance, time_limit_s=limit, seed=seed)
    metrics = compute_metrics(instance, roster)
    owner = {v.id: r for r in instance.recipients for v in r.visits}
    visit = {v.id: v for r in instance.recipients for v in r.visits}
    points = {p.id: (p.lon, p.lat) for p in people}
    carers = {c.id: c for c in instance.carers}
    matrix = instance.travel_times["car"]
    day.travel, day.paid, day.carers = metrics.travel_time, metrics.paid_time, metrics.carers_used
    day.unassigned, day.late, day.lateness = metrics.unassigned, metrics.late_services, metrics.total_lateness
    day.violations = len(check_roster(instance, roster))
    day.unassigned_visits = sorted({u.visit_id for u in roster.unassigned})
    runs: dict[str, _Run] = {}
    for route in roster.routes:
        if not route.stops:
            continue
        loc, travel, care = carers[route.carer_id].home, 0.0, 0.0
        served, gaps = [], list[float]()
        stops = sorted(route.stops, key=lambda s: s.start)
        for stop in stops:
            rec = owner[stop.visit_id]
            gaps.append(matrix[loc][rec.location] if gaps else 0.0)
            travel += matrix[loc][rec.location]
            loc = rec.location
            care += stop.end - stop.start
            served.append((rec.id, route.carer_id, stop.visit_id))
        home, end = carers[route.carer_id].home, carers[route.carer_id].end
        first, last = owner[stops[0].visit_id], owner[stops[-1].visit_id]
        travel += matrix[loc][end]
        home_legs = [matrix[home][first.location], matrix[last.location][end]]
        day.trips += sum(g > 0 for g in gaps) + sum(leg > 0 for leg in home_legs)
        runs[route.carer_id] = _Run(
            {s.visit_id for s in route.stops},
            served,
            travel,
            route.return_time - route.departure,
            care,
            points[first.id],
            points[last.id],
            stops[0].start,
            stops[-1].end,
            sum(home_legs),
            route,
            tuple(gaps),
            tuple(visit[s.visit_id].window.end for s in stops),
            tuple(visit[s.visit_id].sync is not None for s in stops),
            sum(g > 0 for g in gaps),
            sum(leg > 0 for leg in home_legs),
        )
        day.care += care
        day.served += [(person, carer) for person, carer, _v in served]
    return day, runs


def _only(people: list[Person], visit_ids: set[str]) -> list[Person]:
    out = []
    for p in people:
        visits = [v for v in p.visits if f"{p.id}-{v.slot}" in visit_ids]
        if visits:
            out.append(Person(p.id, p.postcode, p.lsoa_code, p.lon, p.lat, visits))
    return out


@dataclass(frozen=True)
class _Relief:
    carer: str
    days: frozenset[int]  # measured days (1..n) on which this relief works the run
    travel: float  # the run's travel with the relief's legs from and to their home
    paid: float
    departure: float
    times: tuple[tuple[float, float, float], ...]  # (arrival, start, end) per stop, in time order
    back: float  # home again
    trips: int


# A main carer has two days off a week and a relief works five, so one relief covers two and a
# half runs: some runs need a second named relief for the day their first is already booked.
MAX_RELIEFS = 2


def _need(task: GroupTask, worker: Worker) -> frozenset[int]:
    """The measured days (1..n) on which ``worker`` is off and their run needs cover."""
    return frozenset(d for d in range(1, task.days + 1) if d % 7 in worker.days_off)


def _retime(run: _Run, relief: Worker, out_leg: float, back_leg: float) -> _Relief | None:
    """The run worked by ``relief`` from their own home: the same visits in the same order, each
    at its set-up time or, when the relief cannot be there yet (a shift starting at 06:30 and a
    longer drive), a little later within its window; double-ups keep their time (the other carer
    comes then). None when the run does not fit the relief's shift and working time."""
    assert run.route is not None
    shift_start, shift_end = SHIFTS[relief.shift]
    stops = sorted(run.route.stops, key=lambda s: s.start)
    departure = max(shift_start, stops[0].start - out_leg)
    t, times = departure + out_leg, list[tuple[float, float, float]]()
    for stop, gap, latest, fixed in zip(stops, run.gaps, run.latest, run.fixed, strict=True):
        arrival = t + gap if times else t
        start = max(arrival, stop.start)
        if start > latest + 1e-6 or (fixed and start > stop.start + 1e-6):
            return None
        t = start + stop.end - stop.start
        times.append((arrival, start, t))
    back = t + back_leg
    if back > shift_end or back - departure > 8 * 60:
        return None
    travel = run.travel - run.legs + out_leg + back_leg
    trips = run.trips + (out_leg > 0) + (back_leg > 0)
    return _Relief(relief.id, frozenset(), travel, back - departure, departure, tuple(times), back, trips)


def _reliefs(task: GroupTask, runs: dict[str, _Run]) -> tuple[dict[str, list[_Relief]], set[str]]:
    """Named reliefs for each run, chosen at set-up from the workers with no run of their own.

    A relief works on the same shift, must be on duty on the days they cover, covers one run a
    day, and must fit the run into their shift from their own home (``_retime``). First each run
    gets one relief covering as many of its days off as possible: runs with fewest reliefs able
    to cover them all choose first, and among reliefs covering the most days the nearest wins.
    Then, day by day, the days still uncovered are matched to the reliefs still free that day
    (an assignment of least travel, preferring a relief the run already has), so a run has at
    most two named reliefs, one for each day off. Also returns the runs no spare worker can work
    (typically a double-up at the very start of the shift, which a relief from further away cannot
    reach in time without moving the other carer too).
    """
    workers = {w.id: w for w in task.workers}
    spare = [w for w in task.workers if w.id not in runs]
    if not spare or not runs:
        return {}, set(runs)
    names = sorted(runs)
    points = [w.home for w in spare] + [runs[r].first for r in names] + [runs[r].last for r in names]
    matrix = task.travel.matrix(points, "car")
    n = len(spare)
    fits: dict[tuple[str, int], _Relief] = {}
    for j, run_id in enumerate(names):
        for i, relief in enumerate(spare):
            if relief.shift == workers[run_id].shift:
                timed = _retime(runs[run_id], relief, matrix[i][n + j], matrix[n + len(names) + j][i])
                if timed is not None:
                    fits[run_id, i] = timed
    col = {r: j for j, r in enumerate(names)}
    booked: dict[int, set[int]] = defaultdict(set)  # spare index -> days booked
    chosen: dict[str, dict[int, set[int]]] = defaultdict(dict)  # run -> spare index -> days
    need = {r: _need(task, workers[r]) for r in names}

    def free_days(run_id: str, i: int, wanted: frozenset[int]) -> frozenset[int]:
        if (run_id, i) not in fits:
            return frozenset()
        return frozenset(d for d in wanted if d % 7 not in spare[i].days_off and d not in booked[i])

    pending = [r for r in names if need[r]]
    while pending:
        options = {r: {i: days for i in range(n) if (days := free_days(r, i, need[r]))} for r in pending}
        run_id = min(pending, key=lambda r: (sum(d == need[r] for d in options[r].values()), r))
        pending.remove(run_id)
        if options[run_id]:
            j = col[run_id]
            i = min(options[run_id], key=lambda i: (-len(options[run_id][i]), matrix[i][n + j]))
            chosen[run_id][i] = set(options[run_id][i])
            booked[i] |= options[run_id][i]
    for d in range(1, task.days + 1):
        short = [r for r in names if d in need[r] and not any(d in days for days in chosen[r].values())]
        short = [
            r
            for r in short
            if len(chosen[r]) < MAX_RELIEFS or any(i for i in chosen[r] if free_days(r, i, frozenset({d})))
        ]
        free = [i for i in range(n) if d % 7 not in spare[i].days_off and d not in booked[i]]
        if not short or not free:
            continue
        cost = np.full((len(short), len(free)), 1e6)
        for a, r in enumerate(short):
            for b, i in enumerate(free):
                if (r, i) in fits and (i in chosen[r] or len(chosen[r]) < MAX_RELIEFS):
                    cost[a, b] = matrix[i][n + col[r]] + (0 if i in chosen[r] else 60)
        for a, b in zip(*linear_sum_assignment(cost), strict=True):
            if cost[a, b] < 1e6:
                r, i = short[a], free[b]
                chosen[r].setdefault(i, set()).add(d)
                booked[i].add(d)
    unreachable = {r for r in names if not any((r, i) in fits for i in range(n))}
    return {
        r: [replace(fits[r, i], days=frozenset(days)) for i, days in sorted(by.items(), key=lambda x: min(x[1]))]
        for r, by in chosen.items()
        if by
    }, unreachable


def _replay(
    task: GroupTask,
    runs: dict[str, _Run],
    working: dict[str, tuple[str, _Relief | None]],
    lost: set[str],
    name: str,
) -> int:
    """Checker violations of a day's kept runs: each set-up run's stops at the same times, worked
    by its carer or by a named relief leaving home in time for the first visit, less the visits
    re-rostered by the engine that day."""
    kept = {vid for worker in working for _p, _c, vid in runs[worker].served} - lost
    people = _only(task.people, kept)
    if not people:
        return 0
    carers = {w.id: w for w in task.workers}
    crew = [carers[carer] for carer, _r in working.values()]
    instance = build_instance(name, people, crew, task.travel, flexible=task.flexible)
    routes = []
    for worker, (carer, relief) in working.items():
        route = runs[worker].route
        assert route is not None
        stops = sorted(route.stops, key=lambda s: s.start)
        departure, back = route.departure, route.return_time
        if relief is not None:
            stops = [
                s.model_copy(update={"arrival": a, "start": b, "end": e})
                for s, (a, b, e) in zip(stops, relief.times, strict=True)
            ]
            departure, back = relief.departure, relief.back
        stops = [s for s in stops if s.visit_id not in lost]
        if stops:
            routes.append(CarerRoute(carer_id=carer, departure=departure, return_time=back, stops=stops))
    return len(check_roster(instance, Roster(instance_name=name, routes=routes)))


def roster_week(task: GroupTask) -> GroupResult:
    visits = sum(len(p.visits) for p in task.people)
    per_100 = task.seconds_per_100_visits
    out = GroupResult(task.scenario, task.group, len(task.people), visits, task.days, workforce=len(task.workers))
    out.overhead_min = float(getattr(task.travel, "overhead_min", 0.0))
    setup, runs = _solve(
        task,
        task.people,
        on_duty(task.workers, 0),
        f"{task.group}-setup",
        max(0.5, per_100 * visits / 100),
        None,
        task.seed,
    )
    out.setup_travel_per_visit = setup.travel / max(1, len(setup.served))
    out.setup_unassigned = setup.unassigned
    reliefs, unreachable = _reliefs(task, runs)
    workers = {w.id: w for w in task.workers}
    out.runs = len(runs)
    out.runs_relieved = sum(
        1 for worker in runs if _need(task, workers[worker]) <= {d for r in reliefs.get(worker, []) for d in r.days}
    )
    out.runs_two_reliefs = sum(len(r) > 1 for r in reliefs.values())
    for worker in runs:
        left = _need(task, workers[worker]) - {d for r in reliefs.get(worker, []) for d in r.days}
        if worker in unreachable:
            out.uncovered_unreachable += len(left)
        else:
            out.uncovered_booked += len(left)
    # the named team: fixed here, before the measured week, and never changed by it
    usual: dict[str, set[str]] = defaultdict(set)
    for worker, run in runs.items():
        for person, _carer, _visit in run.served:
            usual[person].add(worker)
            usual[person].update(r.carer for r in reliefs.get(worker, []))
    out.person_team = {p: len(c) for p, c in usual.items()}
    known: dict[str, set[str]] = {p: set(c) for p, c in usual.items()}
    seen: dict[str, set[str]] = defaultdict(set)
    for d in range(1, task.days + 1):
        duty = {w.id for w in on_duty(task.workers, d % 7)}
        orphaned: set[str] = set()
        relieving: dict[str, _Relief] = {}
        for worker, run in runs.items():
            if worker in duty:
                continue
            relief = next((r for r in reliefs.get(worker, []) if d in r.days and r.carer in duty), None)
            if relief is not None:
                relieving[worker] = relief
            else:
                orphaned |= run.visits
        day = _Day()
        relieved: list[tuple[str, str]] = []
        working: dict[str, tuple[str, _Relief | None]] = {}
        for worker, run in runs.items():
            if worker in duty or worker in relieving:
                carer = relieving[worker].carer if worker in relieving else worker
                working[worker] = (carer, relieving.get(worker))
                travel = relieving[worker].travel if worker in relieving else run.travel
                paid = relieving[worker].paid if worker in relieving else run.paid
                # the kept half of an orphaned double-up goes with it: the cover pair serves it together
                lost = run.visits & orphaned
                day.travel += travel
                day.trips += relieving[worker].trips if worker in relieving else run.trips + run.home_trips
                day.paid += paid
                day.care += run.care * (1 - len(lost) / max(1, len(run.visits)))
                day.carers += 1
                served = [(person, carer) for person, _c, vid in run.served if vid not in lost]
                day.served += served
                if worker in relieving:
                    relieved += served
        day.violations = _replay(task, runs, working, orphaned, f"{task.group}-d{d}-runs")
        orphans = _only(task.people, orphaned)
        busy = set(runs) | {r.carer for r in relieving.values()}
        free = [w for w in task.workers if w.id in duty and w.id not in busy]
        n = sum(len(p.visits) for p in orphans)
        cover, _ = _solve(
            task,
            orphans,
            free,
            f"{task.group}-d{d}",
            max(0.3, per_100 * n / 100),
            {p: sorted(c | seen[p]) for p, c in known.items()},
            task.seed + d,
        )
        if d == 1:
            out.unassigned_visits = cover.unassigned_visits or setup.unassigned_visits
        out.relief_services += len(relieved)
        out.engine_services += len(cover.served)
        out.travel_min += day.travel + cover.travel
        out.trips += day.trips + cover.trips
        out.paid_min += day.paid + cover.paid
        out.care_min += day.care + cover.care
        out.carer_days += day.carers + cover.carers
        out.unassigned += setup.unassigned + cover.unassigned
        out.late_services += setup.late + cover.late
        out.lateness_min += setup.lateness + cover.lateness
        out.violations += day.violations + cover.violations + (setup.violations if d == 1 else 0)
        for person, carer in day.served + cover.served:
            out.services += 1
            out.person_services[person] = out.person_services.get(person, 0) + 1
            hit = carer in usual.get(person, set())
            out.person_usual[person] = out.person_usual.get(person, 0) + hit
            out.usual_services += hit
            out.familiar_services += hit or carer in seen[person]
            seen[person].add(carer)
    out.person_carers = {pid: len(c) for pid, c in seen.items()}
    return out
