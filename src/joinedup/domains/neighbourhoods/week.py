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
from dataclasses import dataclass, field

from joinedup.domains.homecare.solver import check_roster, compute_metrics, solve

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
    runs_relieved: int = 0  # runs whose named relief covers every one of the main carer's days off
    relief_services: int = 0
    engine_services: int = 0  # services rostered by the engine on the day (what the relief could not cover)
    person_team: dict[str, int] = field(default_factory=dict)


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
        served = []
        stops = sorted(route.stops, key=lambda s: s.start)
        for stop in stops:
            rec = owner[stop.visit_id]
            travel += matrix[loc][rec.location]
            loc = rec.location
            care += stop.end - stop.start
            served.append((rec.id, route.carer_id, stop.visit_id))
        home, end = carers[route.carer_id].home, carers[route.carer_id].end
        first, last = owner[stops[0].visit_id], owner[stops[-1].visit_id]
        travel += matrix[loc][end]
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
            matrix[home][first.location] + matrix[last.location][end],
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


def _reliefs(task: GroupTask, runs: dict[str, _Run]) -> dict[str, _Relief]:
    """A named relief for each run, chosen at set-up from the workers with no run of their own.

    A relief works on the same shift, must be on duty on the main carer's days off, covers one run
    a day, and must fit the run into their shift from their own home. Runs with fewest possible
    reliefs choose first; among reliefs covering the most days, the nearest to the run wins.
    """
    workers = {w.id: w for w in task.workers}
    spare = [w for w in task.workers if w.id not in runs]
    if not spare or not runs:
        return {}
    names = sorted(runs)
    points = [w.home for w in spare] + [runs[r].first for r in names] + [runs[r].last for r in names]
    matrix = task.travel.matrix(points, "car")
    n = len(spare)
    col = {r: j for j, r in enumerate(names)}
    booked: dict[str, set[int]] = defaultdict(set)

    def option(run_id: str, i: int) -> _Relief | None:
        run, main, relief = runs[run_id], workers[run_id], spare[i]
        if relief.shift != main.shift:
            return None
        j = col[run_id]
        out_leg, back_leg = matrix[i][n + j], matrix[n + len(names) + j][i]
        start, end = SHIFTS[relief.shift]
        paid = run.paid - run.legs + out_leg + back_leg
        if run.first_start - out_leg < start or run.last_end + back_leg > end or paid > 8 * 60:
            return None
        days = frozenset(
            d
            for d in range(1, task.days + 1)
            if d % 7 in main.days_off and d % 7 not in relief.days_off and d not in booked[relief.id]
        )
        if not days:
            return None
        return _Relief(relief.id, days, run.travel - run.legs + out_leg + back_leg, paid)

    def need(run_id: str) -> set[int]:
        return {d for d in range(1, task.days + 1) if d % 7 in workers[run_id].days_off}

    def rank(run_id: str, i: int, got: _Relief) -> tuple[int, float]:
        j = col[run_id]
        return (-len(got.days), matrix[i][n + j])

    chosen: dict[str, _Relief] = {}
    pending = [r for r in names if need(r)]
    while pending:
        options = {r: [(i, o) for i in range(n) if (o := option(r, i)) is not None] for r in pending}
        run_id = min(pending, key=lambda r: (sum(o.days == need(r) for _i, o in options[r]), r))
        pending.remove(run_id)
        if not options[run_id]:
            continue
        _i, best = min(options[run_id], key=lambda io: rank(run_id, io[0], io[1]))
        chosen[run_id] = best
        booked[best.carer] |= best.days
    return chosen


def roster_week(task: GroupTask) -> GroupResult:
    visits = sum(len(p.visits) for p in task.people)
    per_100 = task.seconds_per_100_visits
    out = GroupResult(task.scenario, task.group, len(task.people), visits, task.days, workforce=len(task.workers))
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
    reliefs = _reliefs(task, runs)
    days_off = {w.id: w.days_off for w in task.workers}
    out.runs = len(runs)
    out.runs_relieved = sum(
        1
        for worker, relief in reliefs.items()
        if relief.days == {d for d in range(1, task.days + 1) if d % 7 in days_off[worker]}
    )
    # the named team: fixed here, before the measured week, and never changed by it
    usual: dict[str, set[str]] = defaultdict(set)
    for worker, run in runs.items():
        for person, _carer, _visit in run.served:
            usual[person].add(worker)
            if worker in reliefs:
                usual[person].add(reliefs[worker].carer)
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
            relief = reliefs.get(worker)
            if relief is not None and d in relief.days and relief.carer in duty:
                relieving[worker] = relief
            else:
                orphaned |= run.visits
        day = _Day()
        relieved: list[tuple[str, str]] = []
        for worker, run in runs.items():
            if worker in duty or worker in relieving:
                carer = relieving[worker].carer if worker in relieving else worker
                travel = relieving[worker].travel if worker in relieving else run.travel
                paid = relieving[worker].paid if worker in relieving else run.paid
                # the kept half of an orphaned double-up goes with it: the cover pair serves it together
                lost = run.visits & orphaned
                day.travel += travel
                day.paid += paid
                day.care += run.care * (1 - len(lost) / max(1, len(run.visits)))
                day.carers += 1
                served = [(person, carer) for person, _c, vid in run.served if vid not in lost]
                day.served += served
                if worker in relieving:
                    relieved += served
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
        out.paid_min += day.paid + cover.paid
        out.care_min += day.care + cover.care
        out.carer_days += day.carers + cover.carers
        out.unassigned += setup.unassigned + cover.unassigned
        out.late_services += setup.late + cover.late
        out.lateness_min += setup.lateness + cover.lateness
        out.violations += cover.violations + (setup.violations if d == 1 else 0)
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
