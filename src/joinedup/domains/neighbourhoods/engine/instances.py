"""Turns a group of people and a workforce into an engine ``Instance`` for one day.

The same builder serves every scenario, so they differ only in who is grouped with whom, where
the carers live and how wide the non-time-critical windows are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from joinedup.domains.homecare.solver import Carer, Instance, Objective, Recipient, Service, SyncRule, TimeWindow, Visit

from .demand import SLOTS, Person
from .travel import MatrixProvider, Point

SHIFTS = {"early": (6 * 60 + 30, 14 * 60 + 30), "late": (15 * 60, 22 * 60 + 45)}
SHIFT_OF_SLOT = {"morning": "early", "lunch": "early", "tea": "late", "bed": "late"}
UTILISATION = 0.7  # share of a slot's span a worker spends caring; the rest is travel and slack


@dataclass(frozen=True)
class Worker:
    id: str
    home: Point
    shift: str  # "early" | "late"
    days_off: tuple[int, ...] = ()


def staff_for(people: list[Person], homes: list[Point], prefix: str, rng: np.random.Generator) -> list[Worker]:
    """A workforce sized to the busiest slot of each shift, living at the given homes.

    Each slot's care minutes are spread over the span its visits can occupy, at
    ``UTILISATION``. Over a week each worker has two days off, staggered, so every day has
    about the same number on duty: the headcount is 7/5 of the daily need.
    """
    workers: list[Worker] = []
    for shift in SHIFTS:
        need = 1
        for slot, spec in SLOTS.items():
            visits = [v for p in people for v in p.visits if v.slot == slot and SHIFT_OF_SLOT[slot] == shift]
            if not visits:
                continue
            span = max(v.latest + v.duration for v in visits) - min(v.earliest for v in visits)
            span = max(span, spec.duration)
            need = max(need, math.ceil(sum(v.duration * v.carers for v in visits) / (span * UTILISATION)))
        headcount = math.ceil(need * 7 / 5)
        for i in range(headcount):
            home = homes[int(rng.integers(len(homes)))]
            first = (i * 7 // headcount) % 7
            workers.append(Worker(f"{prefix}-{shift[0]}{i + 1:03d}", home, shift, (first, (first + 3) % 7)))
    return workers


def build_instance(
    name: str,
    people: list[Person],
    workers: list[Worker],
    travel: MatrixProvider,
    *,
    flexible: bool,
    usual: dict[str, list[str]] | None = None,
    non_usual_penalty: float = 0.0,
) -> Instance:
    points: list[Point] = [w.home for w in workers] + [(p.lon, p.lat) for p in people]
    matrix = travel.matrix(points, "car")
    carers = [
        Carer(
            id=w.id, home=i, shift=TimeWindow(start=SHIFTS[w.shift][0], end=SHIFTS[w.shift][1]), max_working_time=8 * 60
        )
        for i, w in enumerate(workers)
    ]
    on_duty = {w.id for w in workers}
    recipients = []
    for j, person in enumerate(people):
        visits = []
        for v in person.visits:
            start, end = v.earliest, v.latest
            if flexible and not v.time_critical:
                start, end = SLOTS[v.slot].wide[0], SLOTS[v.slot].wide[1]
            services = [Service(duration=v.duration)] * v.carers
            sync = SyncRule(kind="simultaneous") if v.carers == 2 else None
            visits.append(
                Visit(
                    id=f"{person.id}-{v.slot}",
                    window=TimeWindow(start=start, end=end),
                    services=services,
                    sync=sync,
                    slot=v.slot,
                )
            )
        known = [c for c in (usual or {}).get(person.id, []) if c in on_duty]
        recipients.append(Recipient(id=person.id, location=len(workers) + j, visits=visits, usual_carers=known))
    return Instance(
        name=name,
        travel_times={"car": matrix},
        recipients=recipients,
        carers=carers,
        objective=Objective(non_usual_carer=non_usual_penalty),
    )


def on_duty(workers: list[Worker], day: int) -> list[Worker]:
    return [w for w in workers if day not in w.days_off]
