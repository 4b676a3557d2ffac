"""Rosters one group (a provider's or a neighbourhood's people and workforce) over a week.

Day 0 is the set-up roster: each worker on duty gets a run, and whoever serves a person that
day is one of their usual carers. Days 1-7 are the measured week. Runs are kept from day to day
(that is how a rota works); a worker has two days off a week, and the visits of a run whose owner
is off are rostered by the engine onto the workers on duty that day who have no run of their
own, preferring carers the person already knows (``Objective.non_usual_carer``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from joinedup.domains.homecare.solver import check_roster, compute_metrics, solve

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
    usual_services: int = 0  # by one of the person's set-up carers
    familiar_services: int = 0  # by a carer who had already visited the person
    person_services: dict[str, int] = field(default_factory=dict)
    person_usual: dict[str, int] = field(default_factory=dict)
    person_carers: dict[str, int] = field(default_factory=dict)
    unassigned_visits: list[str] = field(default_factory=list)
    setup_travel_per_visit: float = 0.0
    setup_unassigned: int = 0
    runtime_s: float = 0.0


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
    carers = {c.id: c for c in instance.carers}
    matrix = instance.travel_times["car"]
    day.travel, day.paid, day.carers = metrics.travel_time, metrics.paid_time, metrics.carers_used
    day.unassigned, day.late, day.lateness = metrics.unassigned, metrics.late_services, metrics.total_lateness
    day.violations = len(check_roster(instance, roster))
    day.unassigned_visits = sorted({u.visit_id for u in roster.unassigned})
    runs: dict[str, _Run] = {}
    for route in roster.routes:
        loc, travel, care = carers[route.carer_id].home, 0.0, 0.0
        served = []
        for stop in sorted(route.stops, key=lambda s: s.start):
            rec = owner[stop.visit_id]
            travel += matrix[loc][rec.location]
            loc = rec.location
            care += stop.end - stop.start
            served.append((rec.id, route.carer_id, stop.visit_id))
        travel += matrix[loc][carers[route.carer_id].end]
        runs[route.carer_id] = _Run(
            {s.visit_id for s in route.stops}, served, travel, route.return_time - route.departure, care
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
    usual: dict[str, set[str]] = defaultdict(set)
    for person, carer in setup.served:
        usual[person].add(carer)
    known: dict[str, set[str]] = {p: set(c) for p, c in usual.items()}
    seen: dict[str, set[str]] = defaultdict(set)
    for d in range(1, task.days + 1):
        duty = {w.id for w in on_duty(task.workers, d % 7)}
        orphaned: set[str] = set()
        for worker, run in runs.items():
            if worker not in duty:
                orphaned |= run.visits
        day = _Day()
        for worker, run in runs.items():
            if worker in duty:
                # the kept half of an orphaned double-up goes with it: the cover pair serves it together
                lost = run.visits & orphaned
                day.travel += run.travel
                day.paid += run.paid
                day.care += run.care * (1 - len(lost) / max(1, len(run.visits)))
                day.carers += 1
                day.served += [(person, carer) for person, carer, vid in run.served if vid not in lost]
        orphans = _only(task.people, orphaned)
        free = [w for w in task.workers if w.id in duty and w.id not in runs]
        n = sum(len(p.visits) for p in orphans)
        cover, _ = _solve(
            task,
            orphans,
            free,
            f"{task.group}-d{d}",
            max(0.3, per_100 * n / 100),
            {p: sorted(c) for p, c in known.items()},
            task.seed + d,
        )
        for person, carer in cover.served:
            known.setdefault(person, set()).add(carer)
        if d == 1:
            out.unassigned_visits = cover.unassigned_visits or setup.unassigned_visits
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
