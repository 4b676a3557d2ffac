"""Rosters one group (a provider's or a neighbourhood's people and workforce) over a week.

Day 0 is the set-up roster: each worker on duty gets a run. Each run then gets named relief
carers from the same workforce (workers with no run of their own, on the same shift), who work
that run on the main carer's days off, as homecare services organise cover: one relief where one
is free on both days off, else a second for the day the first is booked. A person's usual carers
are their named team, fixed before the measured week: the carers of their runs plus those runs'
named reliefs. Days 1-7 are the measured week. Runs are kept from day to day; a relief works the
run from their own home, a little later where their drive is longer, and the other carer of a
double-up comes later with them. Every day's kept runs are replayed through the independent
checker. What no relief covers is rostered by the engine onto the free workers on duty,
preferring carers the person already knows (``Objective.non_usual_carer``).
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
    stuck_run_days: int = 0  # runs that could not be worked on a day (a double-up's other carer could not wait)
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
    home_out: float = 0.0  # the main carer's leg from home to the first visit
    home_back: float = 0.0


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
            home_legs[0],
            home_legs[1],
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
    out_leg: float
    back_leg: float


# A main carer has two days off a week and a relief works five, so one relief covers two and a
# half runs: some runs need a second named relief for the day their first is already booked.
MAX_RELIEFS = 2
EPS = 1e-6
# Choosing reliefs, a person who would meet a new carer counts as this many minutes of travel.
NEW_FACE_MIN = 15.0


def _need(task: GroupTask, worker: Worker) -> frozenset[int]:
    """The measured days (1..n) on which ``worker`` is off and their run needs cover."""
    return frozenset(d for d in range(1, task.days + 1) if d % 7 in worker.days_off)


Timetable = tuple[float, list[tuple[float, float, float]], float]  # departure, (arrival, start, end) per stop, back


def _timetable(
    run: _Run,
    departure: float,
    out_leg: float,
    back_leg: float,
    shift: str,
    floor: dict[str, float],
    lost: set[str],
    hold_double_ups: bool = False,
) -> Timetable | None:
    """The run's stops in their set-up order, each at its set-up time or, when the carer cannot be
    there yet, as soon after as they can, and not before ``floor`` (when the other carer of a
    double-up comes). A lost stop (re-rostered that day) is kept as a waypoint, which can only
    make the timing harder. None when a visit would start after its window, a double-up would
    move while ``hold_double_ups``, or the day would not fit the shift and working time."""
    assert run.route is not None
    shift_end = SHIFTS[shift][1]
    stops = sorted(run.route.stops, key=lambda s: s.start)
    t, times = departure + out_leg, list[tuple[float, float, float]]()
    for k, stop in enumerate(stops):
        arrival = t + run.gaps[k] if k else t
        start = max(arrival, stop.start, floor.get(stop.visit_id, 0.0))
        late = start > run.latest[k] + EPS and stop.visit_id not in lost
        if late or (hold_double_ups and run.fixed[k] and start > stop.start + EPS):
            return None
        t = start + stop.end - stop.start
        times.append((arrival, start, t))
    back = t + back_leg
    if back > shift_end + EPS or back - departure > 8 * 60 + EPS:
        return None
    return departure, times, back


def _retime(run: _Run, relief: Worker, out_leg: float, back_leg: float, hold_double_ups: bool) -> _Relief | None:
    """The run worked by ``relief`` from their own home: the same visits in the same order, each
    at its set-up time or, when the relief cannot be there yet (a shift starting at 06:30 and a
    longer drive), a little later within its window. With ``hold_double_ups`` double-ups keep
    their time; without, the other carer must come later too, which is settled day by day
    (``_joint``). None when the run does not fit the relief's shift and working time."""
    assert run.route is not None
    departure = max(SHIFTS[relief.shift][0], min(s.start for s in run.route.stops) - out_leg)
    table = _timetable(run, departure, out_leg, back_leg, relief.shift, {}, set(), hold_double_ups)
    if table is None:
        return None
    travel = run.travel - run.legs + out_leg + back_leg
    trips = run.trips + (out_leg > 0) + (back_leg > 0)
    _d, times, back = table
    return _Relief(
        relief.id, frozenset(), travel, back - departure, departure, tuple(times), back, trips, out_leg, back_leg
    )


def _reliefs(task: GroupTask, runs: dict[str, _Run]) -> tuple[dict[str, list[_Relief]], set[str]]:
    """Named reliefs for each run, chosen at set-up from the workers with no run of their own.

    A relief works on the same shift, must be on duty on the days they cover, covers one run a
    day, and must fit the run into their shift from their own home (``_retime``). First each run
    gets one relief covering as many of its days off as possible: runs with fewest reliefs able
    to cover them all choose first, and among reliefs covering the most days the one with the
    shortest drives from and to home wins, each of the run's people for whom the relief would be
    a new face counting as ``NEW_FACE_MIN`` minutes more. Then, day by day, the days still
    uncovered are matched to the reliefs still free that day (an assignment of least such cost),
    so a run has at most two named reliefs, one for each day off. Where no spare worker can work
    a run keeping its double-ups' times (typically a double-up at the very start of the shift,
    which a relief from further away cannot reach in time), its reliefs need the other carer to
    come later too. Also returns the runs no spare worker can work at all.
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
    unreachable: set[str] = set()
    for j, run_id in enumerate(names):
        # a relief who can keep the double-ups' times if there is one; else the other carer must move
        for hold in (True, False):
            for i, relief in enumerate(spare):
                if relief.shift == workers[run_id].shift:
                    legs = matrix[i][n + j], matrix[n + len(names) + j][i]
                    timed = _retime(runs[run_id], relief, *legs, hold_double_ups=hold)
                    if timed is not None:
                        fits[run_id, i] = timed
            if any((run_id, i) in fits for i in range(n)):
                break
        else:
            unreachable.add(run_id)
    booked: dict[int, set[int]] = defaultdict(set)  # spare index -> days booked
    chosen: dict[str, dict[int, set[int]]] = defaultdict(dict)  # run -> spare index -> days
    need = {r: _need(task, workers[r]) for r in names}
    # each person's named team so far, so a relief already in it is preferred to a new face
    people = {r: {person for person, _c, _v in runs[r].served} for r in names}
    team: dict[str, set[str]] = defaultdict(set)
    for r in names:
        for person in people[r]:
            team[person].add(r)

    def cost(run_id: str, i: int) -> float:
        new = sum(spare[i].id not in team[person] for person in people[run_id])
        relief = fits[run_id, i]
        return relief.out_leg + relief.back_leg + NEW_FACE_MIN * new

    def name(run_id: str, i: int, days: set[int]) -> None:
        chosen[run_id].setdefault(i, set()).update(days)
        booked[i].update(days)
        for person in people[run_id]:
            team[person].add(spare[i].id)

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
            i = min(options[run_id], key=lambda i: (-len(options[run_id][i]), cost(run_id, i)))
            name(run_id, i, set(options[run_id][i]))
    for d in range(1, task.days + 1):
        short = [r for r in names if d in need[r] and not any(d in days for days in chosen[r].values())]
        free = [i for i in range(n) if d % 7 not in spare[i].days_off and d not in booked[i]]
        if not short or not free:
            continue
        costs = np.full((len(short), len(free)), 1e6)
        for a, r in enumerate(short):
            for b, i in enumerate(free):
                if (r, i) in fits and (i in chosen[r] or len(chosen[r]) < MAX_RELIEFS):
                    costs[a, b] = cost(r, i)
        for a, b in zip(*linear_sum_assignment(costs), strict=True):
            if costs[a, b] < 1e6:
                name(short[a], free[b], {d})
    return {
        r: [replace(fits[r, i], days=frozenset(days)) for i, days in sorted(by.items(), key=lambda x: min(x[1]))]
        for r, by in chosen.items()
        if by
    }, unreachable


def _joint(
    runs: dict[str, _Run],
    working: dict[str, tuple[str, _Relief | None]],
    shifts: dict[str, str],
    lost: set[str],
) -> tuple[dict[str, Timetable], set[str]]:
    """The day's timetable of every worked run, reliefs from their own homes, with the two carers
    of each double-up starting together (the earlier one waits, or comes later if its window
    allows). Returns the timetables and the runs that cannot be worked so that day: when a
    double-up's other carer cannot come later, the relief who was late, not the run it pushed."""
    floor: dict[str, float] = {}
    pushers: set[str] = set()  # reliefs whose late arrival moved a double-up's other carer
    for _round in range(50):
        tables: dict[str, Timetable] = {}
        failed: set[str] = set()
        for worker, (_carer, relief) in working.items():
            run = runs[worker]
            assert run.route is not None
            if relief is None:
                legs = run.route.departure, run.home_out, run.home_back
            else:
                legs = relief.departure, relief.out_leg, relief.back_leg
            table = _timetable(run, *legs, shifts[worker], floor, lost)
            if table is None:
                failed.add(worker)
            else:
                tables[worker] = table
        if failed:
            # the set-up timing works on its own: drop the late reliefs rather than the runs they pushed
            return tables, pushers or failed
        starts: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for worker, (_dep, times, _back) in tables.items():
            run = runs[worker]
            assert run.route is not None
            for stop, (_a, begin, _e), fixed in zip(
                sorted(run.route.stops, key=lambda s: s.start), times, run.fixed, strict=True
            ):
                if fixed and stop.visit_id not in lost:
                    starts[stop.visit_id].append((begin, worker))
        apart = {vid: got for vid, got in starts.items() if max(got)[0] - min(got)[0] > EPS}
        if not apart:
            return tables, set()
        for vid, got in apart.items():
            floor[vid], late = max(got)
            if working[late][1] is not None:
                pushers.add(late)
    return tables, {worker for got in apart.values() for _b, worker in got}


def _replay(
    task: GroupTask,
    runs: dict[str, _Run],
    working: dict[str, tuple[str, _Relief | None]],
    tables: dict[str, Timetable],
    lost: set[str],
    name: str,
) -> int:
    """Checker violations of a day's kept runs, as timed by ``_joint``, less the visits
    re-rostered by the engine that day."""
    kept = {vid for worker in working for _p, _c, vid in runs[worker].served} - lost
    people = _only(task.people, kept)
    if not people:
        return 0
    carers = {w.id: w for w in task.workers}
    crew = [carers[carer] for carer, _r in working.values()]
    instance = build_instance(name, people, crew, task.travel, flexible=task.flexible)
    routes = []
    for worker, (carer, _relief) in working.items():
        route = runs[worker].route
        assert route is not None
        departure, times, back = tables[worker]
        stops = [
            s.model_copy(update={"arrival": a, "start": b, "end": e})
            for s, (a, b, e) in zip(sorted(route.stops, key=lambda s: s.start), times, strict=True)
            if s.visit_id not in lost
        ]
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
    shifts = {w.id: w.shift for w in task.workers}
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
        # time the day's runs together (a relief's late start can move a double-up's other carer);
        # a run that cannot be worked that day goes to the engine, with the other halves of its double-ups
        stuck: set[str] = set()
        while True:
            working = {
                worker: (relieving[worker].carer if worker in relieving else worker, relieving.get(worker))
                for worker in runs
                if (worker in duty or worker in relieving) and worker not in stuck
            }
            tables, failed = _joint(runs, working, shifts, orphaned)
            if not failed:
                break
            stuck |= failed
            for worker in failed:
                orphaned |= runs[worker].visits
                relieving.pop(worker, None)
        out.stuck_run_days += len(stuck)
        day = _Day()
        relieved: list[tuple[str, str]] = []
        for worker, (carer, relief) in working.items():
            run = runs[worker]
            travel = relief.travel if relief is not None else run.travel
            departure, _times, back = tables[worker]
            # the kept half of an orphaned double-up goes with it: the cover pair serves it together
            lost = run.visits & orphaned
            day.travel += travel
            day.trips += relief.trips if relief is not None else run.trips + run.home_trips
            day.paid += back - departure
            day.care += run.care * (1 - len(lost) / max(1, len(run.visits)))
            day.carers += 1
            served = [(person, carer) for person, _c, vid in run.served if vid not in lost]
            day.served += served
            if relief is not None:
                relieved += served
        day.violations = _replay(task, runs, working, tables, orphaned, f"{task.group}-d{d}-runs")
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
