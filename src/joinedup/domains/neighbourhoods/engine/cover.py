"""Cover for a group's runs: named relief carers, chosen at set-up, and each day's timing.

A run (``Run``) is a worker's set-up route, kept from day to day. Each run gets named relief
carers from the same workforce: workers with no run of their own, on the same shift, on duty on
the days they cover, who can fit the run into their shift from their own home (``retime``).
One relief where one is free on every day off, else a second for the days the first is booked
(``choose_reliefs``). On the day, every worked run is timed together (``time_the_day``), so the other carer
of a double-up waits for a relief whose drive is longer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import linear_sum_assignment

from joinedup.domains.homecare.solver import CarerRoute

from .instances import SHIFTS, Worker
from .travel import Point

if TYPE_CHECKING:
    from .week import GroupTask


@dataclass
class Run:
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


@dataclass(frozen=True)
class Relief:
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


def days_needing_cover(task: GroupTask, worker: Worker) -> frozenset[int]:
    """The measured days (1..n) on which ``worker`` is off and their run needs cover."""
    return frozenset(d for d in range(1, task.days + 1) if d % 7 in worker.days_off)


Timetable = tuple[float, list[tuple[float, float, float]], float]  # departure, (arrival, start, end) per stop, back


def timetable(
    run: Run,
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


def retime(run: Run, relief: Worker, out_leg: float, back_leg: float, hold_double_ups: bool) -> Relief | None:
    """The run worked by ``relief`` from their own home: the same visits in the same order, each
    at its set-up time or, when the relief cannot be there yet (a shift starting at 06:30 and a
    longer drive), a little later within its window. With ``hold_double_ups`` double-ups keep
    their time; without, the other carer must come later too, which is settled day by day
    (``time_the_day``). None when the run does not fit the relief's shift and working time."""
    assert run.route is not None
    departure = max(SHIFTS[relief.shift][0], min(s.start for s in run.route.stops) - out_leg)
    table = timetable(run, departure, out_leg, back_leg, relief.shift, {}, set(), hold_double_ups)
    if table is None:
        return None
    travel = run.travel - run.legs + out_leg + back_leg
    trips = run.trips + (out_leg > 0) + (back_leg > 0)
    _d, times, back = table
    return Relief(
        relief.id, frozenset(), travel, back - departure, departure, tuple(times), back, trips, out_leg, back_leg
    )


def choose_reliefs(task: GroupTask, runs: dict[str, Run]) -> tuple[dict[str, list[Relief]], set[str]]:
    """Named reliefs for each run, chosen at set-up from the workers with no run of their own.

    A relief works on the same shift, must be on duty on the days they cover, covers one run a
    day, and must fit the run into their shift from their own home (``retime``). First each run
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
    fits: dict[tuple[str, int], Relief] = {}
    unreachable: set[str] = set()
    for j, run_id in enumerate(names):
        # a relief who can keep the double-ups' times if there is one; else the other carer must move
        for hold in (True, False):
            for i, relief in enumerate(spare):
                if relief.shift == workers[run_id].shift:
                    legs = matrix[i][n + j], matrix[n + len(names) + j][i]
                    timed = retime(runs[run_id], relief, *legs, hold_double_ups=hold)
                    if timed is not None:
                        fits[run_id, i] = timed
            if any((run_id, i) in fits for i in range(n)):
                break
        else:
            unreachable.add(run_id)
    booked: dict[int, set[int]] = defaultdict(set)  # spare index -> days booked
    chosen: dict[str, dict[int, set[int]]] = defaultdict(dict)  # run -> spare index -> days
    need = {r: days_needing_cover(task, workers[r]) for r in names}
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


def time_the_day(
    runs: dict[str, Run],
    working: dict[str, tuple[str, Relief | None]],
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
            table = timetable(run, *legs, shifts[worker], floor, lost)
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
