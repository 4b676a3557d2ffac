"""Rosters one group (a provider's or a neighbourhood's people and workforce) over a week.

Day 0 is the set-up roster: each worker on duty gets a run. Each run then gets named relief
carers from the same workforce (workers with no run of their own, on the same shift), who work
that run on the main carer's days off, as homecare services organise cover: one relief where one
is free on both days off, else a second for the day the first is booked. What no relief covers
(a day off no spare worker can work, every fitting relief booked, a double-up's other carer who
cannot wait for a late relief) is planned at set-up too: the engine rosters those days' visits
once onto the free workers on duty, preferring carers the person already has
(``Objective.non_usual_carer``), and that cover plan is kept for the week. A person's usual
carers are their named team, fixed before the measured week: the carers of their runs, those
runs' named reliefs, and the carers of their planned cover. Days 1-7 are the measured week.
Runs are kept from day to day; a relief works the run from their own home, a little later
where their drive is longer, and the other carer of a double-up comes later with them. Every
day's kept runs are replayed through the independent checker, as is the cover plan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from joinedup.domains.homecare.solver import CarerRoute, Roster, check_roster, compute_metrics, solve

from .cover import Relief, Run, Timetable, choose_reliefs, days_needing_cover, time_the_day
from .demand import Person
from .instances import Worker, build_instance, on_duty
from .travel import MatrixProvider


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
    person_core: dict[str, int] = field(default_factory=dict)  # by a run carer or named relief (no cover plan)
    person_carers: dict[str, int] = field(default_factory=dict)
    unassigned_visits: list[str] = field(default_factory=list)
    setup_travel_per_visit: float = 0.0
    setup_unassigned: int = 0
    runtime_s: float = 0.0
    runs: int = 0
    runs_relieved: int = 0  # runs whose named reliefs cover every one of the main carer's days off
    runs_two_reliefs: int = 0  # runs whose days off are split between two named reliefs
    relief_services: int = 0
    engine_services: int = 0  # services on the engine's cover plan (what no relief covers), planned at set-up
    person_team: dict[str, int] = field(default_factory=dict)  # the named team, planned cover carers included
    person_team_reliefs: dict[str, int] = field(default_factory=dict)  # run carers and reliefs only
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


def _solve(
    task: GroupTask,
    people: list[Person],
    workers: list[Worker],
    name: str,
    limit: float,
    known: dict[str, list[str]] | None,
    seed: int,
) -> tuple[_Day, dict[str, Run]]:
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
    runs: dict[str, Run] = {}
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
        runs[route.carer_id] = Run(
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


def _replay(
    task: GroupTask,
    runs: dict[str, Run],
    working: dict[str, tuple[str, Relief | None]],
    tables: dict[str, Timetable],
    lost: set[str],
    name: str,
) -> int:
    """Checker violations of a day's kept runs, as timed by ``time_the_day``, less the visits
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


@dataclass
class _Plan:
    """One measured day's cover, planned at set-up: who works each run, its timetable, the
    visits no relief covers and the engine's fixed roster of them."""

    working: dict[str, tuple[str, Relief | None]]
    tables: dict[str, Timetable]
    orphaned: set[str]
    stuck: set[str]
    cover: _Day


def _plan_day(
    task: GroupTask,
    runs: dict[str, Run],
    reliefs: dict[str, list[Relief]],
    shifts: dict[str, str],
    team: dict[str, set[str]],
    d: int,
) -> _Plan:
    """Day ``d``'s cover; the engine's cover carers join ``team`` for the people they visit."""
    duty = {w.id for w in on_duty(task.workers, d % 7)}
    orphaned: set[str] = set()
    relieving: dict[str, Relief] = {}
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
        tables, failed = time_the_day(runs, working, shifts, orphaned)
        if not failed:
            break
        stuck |= failed
        for worker in failed:
            orphaned |= runs[worker].visits
            relieving.pop(worker, None)
    orphans = _only(task.people, orphaned)
    busy = set(runs) | {r.carer for r in relieving.values()}
    free = [w for w in task.workers if w.id in duty and w.id not in busy]
    n = sum(len(p.visits) for p in orphans)
    cover, _ = _solve(
        task,
        orphans,
        free,
        f"{task.group}-d{d}",
        max(0.3, task.seconds_per_100_visits * n / 100),
        {p: sorted(c) for p, c in team.items()},
        task.seed + d,
    )
    for person, carer in cover.served:
        team[person].add(carer)
    return _Plan(working, tables, orphaned, stuck, cover)


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
    reliefs, unreachable = choose_reliefs(task, runs)
    workers = {w.id: w for w in task.workers}
    shifts = {w.id: w.shift for w in task.workers}
    out.runs = len(runs)
    out.runs_relieved = sum(
        1
        for worker in runs
        if days_needing_cover(task, workers[worker]) <= {d for r in reliefs.get(worker, []) for d in r.days}
    )
    out.runs_two_reliefs = sum(len(r) > 1 for r in reliefs.values())
    for worker in runs:
        left = days_needing_cover(task, workers[worker]) - {d for r in reliefs.get(worker, []) for d in r.days}
        if worker in unreachable:
            out.uncovered_unreachable += len(left)
        else:
            out.uncovered_booked += len(left)
    # The week's cover is planned here, before the measured week, as services draw up the rota:
    # each day's runs are timed together with their reliefs, and what no relief covers (a day
    # off no spare worker can work, every fitting relief booked, a double-up's other carer who
    # cannot wait) is rostered once by the engine onto the free workers on duty, preferring
    # carers the person already has. The plan is kept for the week and its carers join the team.
    team: dict[str, set[str]] = defaultdict(set)
    for worker, run in runs.items():
        for person, _carer, _visit in run.served:
            team[person].add(worker)
            team[person].update(r.carer for r in reliefs.get(worker, []))
    core = {p: set(c) for p, c in team.items()}
    out.person_team_reliefs = {p: len(c) for p, c in core.items()}
    plans = [_plan_day(task, runs, reliefs, shifts, team, d) for d in range(1, task.days + 1)]
    # the named team: fixed here, before the measured week, and never changed by it
    usual = {p: set(c) for p, c in team.items()}
    out.person_team = {p: len(c) for p, c in usual.items()}
    seen: dict[str, set[str]] = defaultdict(set)
    for d, plan in enumerate(plans, start=1):
        out.stuck_run_days += len(plan.stuck)
        day = _Day()
        relieved: list[tuple[str, str]] = []
        for worker, (carer, relief) in plan.working.items():
            run = runs[worker]
            travel = relief.travel if relief is not None else run.travel
            departure, _times, back = plan.tables[worker]
            # the kept half of an orphaned double-up goes with it: the cover pair serves it together
            lost = run.visits & plan.orphaned
            day.travel += travel
            day.trips += relief.trips if relief is not None else run.trips + run.home_trips
            day.paid += back - departure
            day.care += run.care * (1 - len(lost) / max(1, len(run.visits)))
            day.carers += 1
            served = [(person, carer) for person, _c, vid in run.served if vid not in lost]
            day.served += served
            if relief is not None:
                relieved += served
        day.violations = _replay(task, runs, plan.working, plan.tables, plan.orphaned, f"{task.group}-d{d}-runs")
        cover = plan.cover
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
            out.person_core[person] = out.person_core.get(person, 0) + (carer in core.get(person, set()))
            out.usual_services += hit
            out.familiar_services += hit or carer in seen[person]
            seen[person].add(carer)
    out.person_carers = {pid: len(c) for pid, c in seen.items()}
    return out
