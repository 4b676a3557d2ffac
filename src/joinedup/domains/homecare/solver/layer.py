"""Homecare layer on top of the PyVRP routes: breaks, double-ups, repair, search.

PyVRP's routes ignore synchronisation and breaks. This layer places breaks,
removes whatever cannot be timed or breaks a hard rule, reinserts it (double-
ups as a pair on two different carers), and then improves the exact objective
with ruin-and-recreate until the deadline. Every candidate is scored by the
exact timing in ``schedule.evaluate``.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable

from .insertion import candidates, pair_candidates
from .problem import Problem
from .schedule import Evaluation, evaluate

TOP_K = 6  # insertion options timed exactly, after ranking by the fast estimate
# Share of ruins that take a run of consecutive visits from one carer, around a
# late visit when there is one, and put them back earliest deadline first: an
# overbooked carer's day needs its order reworked, which related removal across
# carers seldom does.
STRING_SHARE = 0.3


class Layer:
    def __init__(self, p: Problem, routes: list[list[int]], seed: int, deadline: float):
        self.p = p
        self.rng = random.Random(seed)  # noqa: S311 - search randomness, not security
        self.deadline = deadline
        self.routes = [list(r) for r in routes]
        assignable = [s for s in range(p.n_slots) if s not in p.unassignable]
        self._sanitise(set(assignable))
        placed = {s for r in self.routes for s in r if s >= 0}
        self.unassigned = [s for s in assignable if s not in placed]
        for k in range(p.n_carers):
            self._place_breaks(k)
        self.current = self.evaluate()

    # -- evaluation -----------------------------------------------------------------
    def evaluate(self) -> Evaluation:
        return evaluate(self.p, self.routes, len(self.unassigned))

    def _sanitise(self, assignable: set[int]) -> None:
        """Drop slots on carers not allowed to serve them, and half double-ups."""
        p = self.p
        where: dict[int, int] = {}
        for k, route in enumerate(self.routes):
            kept = []
            for s in route:
                if s in assignable and k in p.eligible[s] and s not in where:
                    kept.append(s)
                    where[s] = k
            self.routes[k] = kept
        for a, b, _lo, _hi in p.sync_pairs:
            if (a in where) != (b in where) or (a in where and where[a] == where[b]):
                for s in (a, b):
                    if s in where:
                        self.routes[where[s]].remove(s)

    # -- breaks -----------------------------------------------------------------------
    def _place_breaks(self, k: int) -> None:
        route = [s for s in self.routes[k] if s >= 0]
        self.routes[k] = route
        if not route:
            return
        for b in self.p.carer_breaks[k]:
            # leaving the break out wins only when the working day does not owe it
            best: tuple[float, int] | None = (self.evaluate().cost, -1)
            for pos in range(1, len(self.routes[k]) + 1):
                self.routes[k].insert(pos, -b - 1)
                cost = self.evaluate().cost
                del self.routes[k][pos]
                if best is None or cost < best[0]:
                    best = (cost, pos)
            if best is not None and best[1] >= 0:
                self.routes[k].insert(best[1], -b - 1)

    # -- insertion ----------------------------------------------------------------------
    def _apply(self, moves: list[tuple[int, int, int]]) -> None:
        for s, k, pos in moves:
            self.routes[k].insert(pos, s)
        for k in {k for _s, k, _pos in moves}:
            has_break = any(i < 0 for i in self.routes[k])
            # a break is now owed
            if self.p.carer_breaks[k] and not has_break and self.evaluate().route_excess[k] > 1e-6:
                self._place_breaks(k)

    def _try(self, moves: list[tuple[int, int, int]]) -> tuple[float, dict[int, list[int]]]:
        saved = {k: list(self.routes[k]) for _s, k, _pos in moves}
        self._apply(moves)
        cost = self.evaluate().cost
        result = {k: self.routes[k] for k in saved}
        for k, route in saved.items():
            self.routes[k] = route
        return cost, result

    def insert(self, s: int) -> bool:
        """Best insertion of a slot (with its double-up partner); False if none helps."""
        p = self.p
        partner = p.partner[s]
        best: tuple[float, list[tuple[int, int, int]]] | None = None
        shortlist: list[list[tuple[int, int, int]]]
        if partner < 0:
            shortlist = [[(s, k, pos)] for _c, k, pos, _t in candidates(p, self.routes, self.current, s, TOP_K)]
        else:
            a, b = (s, partner) if p.sync_pairs_of[s][0] == s else (partner, s)
            _a, _b, lo, hi = p.sync_pairs_of[s]
            pairs = pair_candidates(p, self.routes, self.current, a, b, lo, hi, TOP_K)
            shortlist = [[(a, ka, pa), (b, kb, pb)] for _c, (ka, pa), (kb, pb) in pairs[:TOP_K]]
        best_routes: dict[int, list[int]] = {}
        for moves in shortlist:
            cost, routes = self._try(moves)
            if best is None or cost < best[0]:
                best, best_routes = (cost, moves), routes
        if best is None:
            return False
        before = self.current.cost
        for k, route in best_routes.items():
            self.routes[k] = route
        for slot, _k, _pos in best[1]:
            self.unassigned.remove(slot)
        self.current = self.evaluate()
        if self.current.cost >= before - 1e-9:
            self._remove([slot for slot, _k, _pos in best[1]])
            self.current = self.evaluate()
            return False
        return True

    def _remove(self, slots: list[int]) -> None:
        for k, route in enumerate(self.routes):
            if any(s in route for s in slots):
                kept = [i for i in route if i not in slots]
                first = next((n for n, i in enumerate(kept) if i >= 0), None)
                if first is None:
                    kept = []
                elif first > 0:  # breaks are taken between visits, never before the first
                    kept = [kept[first], *kept[:first], *kept[first + 1 :]]
                self.routes[k] = kept
        self.unassigned.extend(s for s in slots if s not in self.unassigned)

    # -- repair -------------------------------------------------------------------------
    def repair(self) -> None:
        """Remove visits until the routes can be timed and keep every hard rule."""
        p = self.p
        if not self.current.timeable:
            # sync rules form a cycle: drop the double-ups, fill() puts them back one by one
            self._remove([s for a, b, _lo, _hi in p.sync_pairs for s in (a, b)])
            self.current = self.evaluate()
        while not self.current.feasible:
            bad_routes = [k for k, ex in enumerate(self.current.route_excess) if ex > 1e-6]
            suspects = [s for k in bad_routes for s in self.routes[k] if s >= 0]
            best: tuple[float, list[int]] | None = None
            for s in suspects:
                group = [s] if p.partner[s] < 0 else [s, p.partner[s]]
                saved = [list(r) for r in self.routes]
                self._remove(group)
                cost = self.evaluate().cost
                self.routes = saved
                for g in group:
                    self.unassigned.remove(g)
                if best is None or cost < best[0]:
                    best = (cost, group)
            if best is None:
                break
            self._remove(best[1])
            self.current = self.evaluate()

    def fill(self) -> None:
        for s in list(self.unassigned):
            if s in self.unassigned:
                self.insert(s)
        for k in range(self.p.n_carers):
            if self.p.carer_breaks[k] and self.routes[k] and not any(i < 0 for i in self.routes[k]):
                self._place_breaks(k)
        self.current = self.evaluate()
        self.repair()

    # -- improvement ----------------------------------------------------------------------
    def _related(self, seed_slot: int, count: int) -> list[int]:
        p = self.p
        placed = [s for r in self.routes for s in r if s >= 0]
        loc = p.loc[seed_slot]
        travel = p.travel[0]

        def closeness(s: int) -> float:
            return travel[loc][p.loc[s]] + abs(p.tw_start[s] - p.tw_start[seed_slot]) * 0.5

        chosen = sorted(placed, key=closeness)[:count]
        groups: list[int] = []
        for s in chosen:
            for g in (s, p.partner[s]):
                if g >= 0 and g not in groups:
                    groups.append(g)
        return groups

    def _string(self, count: int) -> list[int]:
        """A run of ``count`` consecutive visits of one carer, around a late visit if any."""
        p, ev = self.p, self.current
        placed = [s for r in self.routes for s in r if s >= 0]
        late = [s for s in placed if ev.start.get(s, 0.0) > p.tw_end[s] + 1e-9]
        seed_slot = self.rng.choice(late or placed)
        route = next(r for r in self.routes if seed_slot in r)
        visits = [s for s in route if s >= 0]
        at = visits.index(seed_slot)
        first = max(0, min(at - self.rng.randrange(count), len(visits) - count))
        groups: list[int] = []
        for s in visits[first : first + count]:
            for g in (s, p.partner[s]):
                if g >= 0 and g not in groups:
                    groups.append(g)
        return groups

    def improve(self, max_iterations: int | None = None, on_tick: Callable[[], None] | None = None) -> None:
        best_routes = [list(r) for r in self.routes]
        best_unassigned = list(self.unassigned)
        best_cost = self.current.cost
        began = time.perf_counter()
        span = max(1e-3, self.deadline - began)
        iterations = 0
        while time.perf_counter() < self.deadline:
            iterations += 1
            if max_iterations is not None and iterations > max_iterations:
                break
            if on_tick is not None:
                on_tick()
            placed = [s for r in self.routes for s in r if s >= 0]
            if not placed:
                break
            saved = ([list(r) for r in self.routes], list(self.unassigned), self.current)
            count = self.rng.randint(1, min(8, len(placed)))
            string = self.rng.random() < STRING_SHARE
            removed = self._string(count) if string else self._related(self.rng.choice(placed), count)
            self._remove(removed)
            self.current = self.evaluate()
            order = [s for s in removed if self.p.partner[s] < 0 or s < self.p.partner[s]]
            self.rng.shuffle(order)
            if string:
                order.sort(key=lambda s: self.p.tw_end[s])
            order += [s for s in self.unassigned if s not in removed][:2]
            for s in order:
                if s in self.unassigned:
                    self.insert(s)
            self.repair()
            progress = (time.perf_counter() - began) / span
            if max_iterations is not None:
                progress = max(progress, iterations / max_iterations)
            threshold = 0.002 * best_cost * max(0.0, 1.0 - progress)
            accept = self.current.cost < saved[2].cost - 1e-9 or (
                self.current.feasible
                and self.current.cost < best_cost + threshold
                and self.rng.random() < math.exp(-progress * 5)
            )
            if not accept:
                self.routes, self.unassigned, self.current = saved
            elif self.current.cost < best_cost - 1e-9 and self.current.feasible:
                best_cost = self.current.cost
                best_routes = [list(r) for r in self.routes]
                best_unassigned = list(self.unassigned)
        self.routes, self.unassigned = best_routes, best_unassigned
        self.current = self.evaluate()
