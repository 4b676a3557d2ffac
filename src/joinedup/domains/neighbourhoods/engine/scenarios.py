"""The three scenarios on the same demand, same engine, same limits, same travel model.

(a) framework: K providers, each holding a random area-wide share of the packages and rostering
    its own workers, who live anywhere in the area;
(b) neighbourhood: one consortium per neighbourhood rostering a pooled workforce that lives in it;
(c) as (b), with non-time-critical visits free to move within a wide window.
Every group gets the same seconds of search per 100 visits, so each scenario gets the same time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .area import Area
from .demand import Demand, Person
from .design import Design
from .executor import run_all
from .instances import Worker, staff_for
from .travel import MatrixProvider, Point
from .week import GroupResult, GroupTask, roster_week

SCENARIOS = {
    "framework": "Framework (K providers)",
    "neighbourhood": "Neighbourhood, pooled",
    "flexible": "Neighbourhood, flexible times",
}


@dataclass(frozen=True)
class ScenarioSettings:
    providers: int = 20
    seconds_per_100_visits: float = 0.6
    days: int = 7
    seed: int = 1
    non_usual_penalty: float = 30.0
    scenarios: tuple[str, ...] = tuple(SCENARIOS)


@dataclass
class ScenarioRun:
    settings: ScenarioSettings
    results: dict[str, list[GroupResult]]
    failures: dict[str, list[str]]  # scenario -> groups that failed (their results are missing)
    runtime_s: float

    @property
    def partial(self) -> bool:
        return any(self.failures.values())


def _homes(area: Area, codes: list[str], rng: np.random.Generator, count: int) -> list[Point]:
    postcodes = [pc for c in codes for pc in area.lsoas[c].postcodes]
    picks = rng.integers(len(postcodes), size=count)
    return [(postcodes[i].lon, postcodes[i].lat) for i in picks]


def tasks_for(
    area: Area, demand: Demand, design: Design, travel: MatrixProvider, settings: ScenarioSettings
) -> list[GroupTask]:
    rng = np.random.default_rng(settings.seed)
    tasks: list[GroupTask] = []

    def task(scenario: str, group: str, people: list[Person], workers: list[Worker], flexible: bool) -> GroupTask:
        return GroupTask(
            scenario,
            group,
            people,
            workers,
            travel,
            flexible,
            settings.seconds_per_100_visits,
            settings.days,
            settings.seed,
            settings.non_usual_penalty,
        )

    if "framework" in settings.scenarios:
        order = rng.permutation(len(demand.people))
        k = max(1, min(settings.providers, len(demand.people)))
        everywhere = sorted(area.lsoas)
        for i in range(k):
            share = [demand.people[j] for j in order[i::k]]
            workers = staff_for(share, _homes(area, everywhere, rng, 400), f"F{i + 1:02d}", rng)
            tasks.append(task("framework", f"Provider {i + 1}", share, workers, False))
    by_lsoa = demand.by_lsoa()
    for region, codes in design.members().items():
        people: list[Person] = [p for c in codes for p in by_lsoa.get(c, [])]
        if not people:
            continue
        workers = staff_for(people, _homes(area, codes, rng, 400), f"N{region:02d}", rng)
        for scenario, flexible in (("neighbourhood", False), ("flexible", True)):
            if scenario in settings.scenarios:
                tasks.append(task(scenario, f"Neighbourhood {region}", people, workers, flexible))
    return tasks


def run_scenarios(
    area: Area,
    demand: Demand,
    design: Design,
    travel: MatrixProvider,
    settings: ScenarioSettings | None = None,
    *,
    on_done: Callable[[int, int], None] | None = None,
    executor: str | None = None,
) -> ScenarioRun:
    settings = settings or ScenarioSettings()
    began = time.perf_counter()
    tasks = tasks_for(area, demand, design, travel, settings)
    # largest first, so the pool is not left waiting on one big neighbourhood at the end
    order = sorted(range(len(tasks)), key=lambda i: -sum(len(p.visits) for p in tasks[i].people))
    outcomes = run_all(roster_week, [tasks[i] for i in order], on_done=on_done, executor=executor)
    results: dict[str, list[GroupResult]] = {s: [] for s in settings.scenarios}
    failures: dict[str, list[str]] = {s: [] for s in settings.scenarios}
    for i, outcome in zip(order, outcomes, strict=True):
        task = tasks[i]
        if isinstance(outcome, BaseException):
            failures[task.scenario].append(f"{task.group}: {type(outcome).__name__}: {outcome}")
        else:
            results[task.scenario].append(outcome)
    for rows in results.values():
        rows.sort(key=lambda r: r.group)
    return ScenarioRun(settings, results, failures, time.perf_counter() - began)
