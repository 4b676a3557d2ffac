"""Neighbourhood design: contiguous, compact groups of LSOAs of about a target size.

Seeded with PySAL ``spopt`` regionalisation (contiguity-constrained k-means by default, max-p
on request), then balanced by a local search that moves border LSOAs to a touching
neighbourhood while both stay contiguous (section 4 of the routing and rostering reference). See docs/decisions/0006.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .adjacency import Barriers, adjacency, components
from .area import Area
from .demand import Demand

MIN_SHARE = 0.75  # max-p threshold, as a share of the target size
MAX_SHARE = 1.35  # the balance search shrinks neighbourhoods above this share of the target


class DesignError(ValueError):
    """A design that cannot be made; ``records`` names the LSOAs (or neighbourhoods) at fault."""

    def __init__(self, message: str, records: list[str]):
        self.records = records
        super().__init__(f"{message}: {', '.join(records[:20])}{' ...' if len(records) > 20 else ''}")


@dataclass
class Design:
    area_name: str
    target: float
    measure: str  # "recipients" | "care_hours"
    assignment: dict[str, int]  # LSOA code -> neighbourhood number (1..n)
    weights: dict[str, float]
    links: dict[str, set[str]] = field(repr=False)
    lsoa_names: dict[str, str] = field(default_factory=dict, repr=False)

    def members(self) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for code, region in sorted(self.assignment.items()):
            out.setdefault(region, []).append(code)
        return dict(sorted(out.items()))

    def sizes(self) -> dict[int, float]:
        return {r: sum(self.weights[c] for c in codes) for r, codes in self.members().items()}

    def contiguous(self) -> bool:
        return all(len(components(set(codes), self.links)) == 1 for codes in self.members().values())

    def balance(self) -> dict[str, float]:
        sizes = np.array(list(self.sizes().values()), dtype=float)
        mean = float(sizes.mean()) if len(sizes) else 0.0
        return {
            "neighbourhoods": len(sizes),
            "target": self.target,
            "mean": round(mean, 1),
            "min": round(float(sizes.min()), 1) if len(sizes) else 0.0,
            "max": round(float(sizes.max()), 1) if len(sizes) else 0.0,
            "cv_pct": round(float(sizes.std() / mean * 100), 1) if mean else 0.0,
            "max_deviation_pct": round(float(np.abs(sizes - self.target).max() / self.target * 100), 1)
            if len(sizes)
            else 0.0,
        }


def lsoa_weights(area: Area, demand: Demand, measure: str) -> dict[str, float]:
    if measure not in ("recipients", "care_hours"):
        raise DesignError("unknown size measure (use recipients or care_hours)", [measure])
    weights = dict.fromkeys(area.lsoas, 0.0)
    for person in demand.people:
        if person.lsoa_code in weights:
            weights[person.lsoa_code] += 1.0 if measure == "recipients" else person.care_minutes / 60.0
    return weights


def design_neighbourhoods(
    area: Area,
    demand: Demand,
    target: float = 200,
    *,
    measure: str = "recipients",
    barriers: Barriers | None = None,
    method: str = "kmeans",
    seed: int = 1,
) -> Design:
    """Neighbourhoods of about ``target`` recipients (or care hours a day, with ``measure``).

    ``method``: "kmeans" (spopt's contiguity-constrained k-means with k = total / target,
    compact and fast) or "maxp" (spopt's max-p: as many regions as possible of at least 75%
    of the target; slower). Either is then balanced by local search.
    """
    weights = lsoa_weights(area, demand, measure)
    links = adjacency(area, barriers)
    names = {c: lsoa.name for c, lsoa in area.lsoas.items()}
    _check_feasible(weights, links, target, names)
    total = sum(weights.values())
    if method == "maxp":
        labels = _max_p(area, weights, links, target * MIN_SHARE, seed)
    elif method == "kmeans":
        labels = _region_kmeans(area, weights, links, max(1, round(total / target)), seed)
    else:
        raise DesignError("unknown design method (use kmeans or maxp)", [method])
    design = Design(area.name, float(target), measure, labels, weights, links, names)
    _rebalance(design)
    return design


def check_design(
    area: Area, demand: Demand, target: float, *, measure: str = "recipients", barriers: Barriers | None = None
) -> None:
    """A DesignError if no design of about `target` can be made (the quick checks
    `design_neighbourhoods` makes first: a design that passes them is made)."""
    weights = lsoa_weights(area, demand, measure)
    _check_feasible(weights, adjacency(area, barriers), target, {c: lsoa.name for c, lsoa in area.lsoas.items()})


def _check_feasible(
    weights: dict[str, float], links: dict[str, set[str]], target: float, names: dict[str, str]
) -> None:
    if target <= 0:
        raise DesignError("the target size must be positive", [str(target)])
    if sum(weights.values()) < target * MIN_SHARE:
        raise DesignError(
            f"the whole area holds less than {MIN_SHARE:.0%} of the target size {target:g}", ["area total"]
        )
    too_big = [f"{c} ({names[c]}, {weights[c]:.0f})" for c, w in weights.items() if w > target * MAX_SHARE]
    if too_big:
        raise DesignError(
            f"these LSOAs alone exceed {MAX_SHARE:.0%} of the target size {target:g}; raise the target", too_big
        )
    for piece in components(set(weights), links):
        total = sum(weights[c] for c in piece)
        if 0 < total < target * MIN_SHARE:
            raise DesignError(
                f"these LSOAs are cut off by barriers and hold only {total:.0f}, below {MIN_SHARE:.0%} of the "
                f"target {target:g}, so they cannot form a contiguous neighbourhood; lower the target or remove "
                "a barrier",
                sorted(f"{c} ({names[c]})" for c in piece),
            )


def _frame(area: Area, weights: dict[str, float], links: dict[str, set[str]]) -> tuple[list[str], Any, Any]:
    import geopandas as gpd
    from libpysal.weights import W

    codes = sorted(weights)
    gdf = gpd.GeoDataFrame(
        {
            "size": [weights[c] for c in codes],
            "x": [area.lsoas[c].centroid[0] for c in codes],
            "y": [area.lsoas[c].centroid[1] for c in codes],
        },
        geometry=[area.lsoas[c].geometry for c in codes],
        crs="EPSG:4326",
    )
    index = {c: i for i, c in enumerate(codes)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands; barriers make them on purpose
        w = W({i: [index[n] for n in links[c]] for i, c in enumerate(codes)}, silence_warnings=True)
    return codes, gdf, w


def _region_kmeans(
    area: Area, weights: dict[str, float], links: dict[str, set[str]], k: int, seed: int
) -> dict[str, int]:
    """Region k-means per connected piece (barriers can cut the area), k shared by size."""
    from spopt.region import RegionKMeansHeuristic

    pieces = sorted(components(set(weights), links), key=lambda p: min(p))
    total = sum(weights.values()) or 1.0
    labels: dict[str, int] = {}
    next_label = 1
    for piece in pieces:
        share = max(1, round(k * sum(weights[c] for c in piece) / total))
        share = min(share, len(piece))
        sub = {c: weights[c] for c in piece}
        codes, gdf, w = _frame(area, sub, {c: links[c] & piece for c in piece})
        if share == 1:
            found = [0] * len(codes)
        else:
            np.random.seed(seed)  # spopt draws from numpy's global generator
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = RegionKMeansHeuristic(gdf[["x", "y"]].to_numpy(), share, w)
                model.solve()
            found = [int(v) for v in model.labels_]
        for c, lab in zip(codes, found, strict=True):
            labels[c] = next_label + lab
        next_label += share
    codes = sorted(weights)
    return _renumber(codes, [labels[c] for c in codes], weights, links)


def _max_p(
    area: Area, weights: dict[str, float], links: dict[str, set[str]], threshold: float, seed: int
) -> dict[str, int]:
    from spopt.region import MaxPHeuristic

    codes, gdf, w = _frame(area, weights, links)
    np.random.seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MaxPHeuristic(
            gdf, w, ["x", "y"], "size", threshold, top_n=2, max_iterations_construction=3, max_iterations_sa=1
        )
        model.solve()
    return _renumber(codes, [int(v) for v in model.labels_], weights, links)


def _renumber(
    codes: list[str], labels: list[int], weights: dict[str, float], links: dict[str, set[str]]
) -> dict[str, int]:
    # units a method could not place (label 0 or -1) join a touching neighbourhood
    assignment = dict(zip(codes, labels, strict=True))
    orphans = [c for c in codes if assignment[c] <= 0]
    while orphans:
        placed = False
        for c in list(orphans):
            near = [assignment[n] for n in links[c] if assignment[n] > 0]
            if near:
                assignment[c] = min(near, key=lambda r: sum(weights[x] for x in codes if assignment[x] == r))
                orphans.remove(c)
                placed = True
        if not placed:
            new = max(assignment.values(), default=0) + 1
            for piece in components(set(orphans), links):
                for c in piece:
                    assignment[c] = new
                new += 1
            orphans = []
    # a label spanning pieces (never expected, but cheap to guarantee) is split
    next_label = max(assignment.values()) + 1
    for label in sorted(set(assignment.values())):
        pieces = components({c for c in codes if assignment[c] == label}, links)
        for piece in sorted(pieces, key=len)[:-1]:
            for c in piece:
                assignment[c] = next_label
            next_label += 1
    ordered = sorted(set(assignment.values()), key=lambda r: min(c for c in codes if assignment[c] == r))
    renumber = {r: i + 1 for i, r in enumerate(ordered)}
    return {c: renumber[r] for c, r in assignment.items()}


def _rebalance(design: Design, rounds: int = 2000) -> None:
    """Local search: move a border LSOA to a touching neighbourhood when that lowers the sum of
    squared deviations from the mean size and both neighbourhoods stay contiguous."""
    sizes = design.sizes()
    mean = sum(sizes.values()) / len(sizes)
    for _ in range(rounds):
        best: tuple[float, str, int] | None = None
        for code in sorted(design.assignment):
            src = design.assignment[code]
            w = design.weights[code]
            for dst in {design.assignment[n] for n in design.links[code]} - {src}:
                gain = (sizes[src] - mean) ** 2 + (sizes[dst] - mean) ** 2
                gain -= (sizes[src] - w - mean) ** 2 + (sizes[dst] + w - mean) ** 2
                better = gain > 1e-9 and (best is None or gain > best[0])
                if better and _keeps_contiguity(design, code, src):
                    best = (gain, code, dst)
        if best is None:
            return
        _gain, code, dst = best
        src = design.assignment[code]
        design.assignment[code] = dst
        sizes[src] -= design.weights[code]
        sizes[dst] += design.weights[code]


def _border(design: Design, region: int) -> list[str]:
    return sorted({n for c in design.members()[region] for n in design.links[c] if design.assignment[n] != region})


def _keeps_contiguity(design: Design, code: str, region: int) -> bool:
    rest = {c for c, r in design.assignment.items() if r == region and c != code}
    return bool(rest) and len(components(rest, design.links)) == 1


def move_lsoa(design: Design, code: str, to: int) -> Design:
    """A copy of the design with one LSOA moved by hand; refuses a move that breaks contiguity."""
    if code not in design.assignment:
        raise DesignError("unknown LSOA", [code])
    if to not in design.members():
        raise DesignError("unknown neighbourhood", [str(to)])
    src = design.assignment[code]
    if src == to:
        return design
    if not any(design.assignment[n] == to for n in design.links[code]):
        raise DesignError(f"the LSOA does not touch neighbourhood {to}, so the move would break contiguity", [code])
    if not _keeps_contiguity(design, code, src):
        raise DesignError(
            f"moving it would split (or empty) neighbourhood {src}", [f"{code} ({design.lsoa_names.get(code, code)})"]
        )
    assignment = dict(design.assignment)
    assignment[code] = to
    return Design(
        design.area_name, design.target, design.measure, assignment, design.weights, design.links, design.lsoa_names
    )


def compactness(design: Design, area: Area) -> dict[int, float]:
    """Polsby-Popper score (4 pi area / perimeter squared) of each neighbourhood; 1 is a circle."""
    from shapely.ops import unary_union

    out = {}
    for region, codes in design.members().items():
        shape_ = unary_union([area.lsoas[c].geometry for c in codes])
        out[region] = round(4 * math.pi * shape_.area / shape_.length**2, 3) if shape_.length else 0.0
    return out
