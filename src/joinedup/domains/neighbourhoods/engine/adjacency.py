"""Which LSOAs touch (share a stretch of boundary), less the links a barrier cuts."""

from __future__ import annotations

from dataclasses import dataclass, field

from shapely import STRtree
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from .area import Area

TOUCH_TOLERANCE = 1e-5  # degrees (about a metre): generalised boundaries leave hairline gaps
MIN_SHARED = 1e-4  # a shared stretch shorter than this (about 10 m) is a corner, not a border


@dataclass(frozen=True)
class Barriers:
    """Links neighbourhoods must not cross.

    ``lines``: barrier lines (a motorway, river, railway) in lon/lat; two LSOAs are not
    neighbours when the line between their centres crosses one. ``pairs``: LSOA pairs to
    separate explicitly. ``localities``: keep every neighbourhood inside one council locality.
    """

    lines: tuple[BaseGeometry, ...] = ()
    pairs: frozenset[frozenset[str]] = field(default_factory=frozenset)
    localities: bool = False


def adjacency(area: Area, barriers: Barriers | None = None) -> dict[str, set[str]]:
    codes = sorted(area.lsoas)
    geoms = [area.lsoas[c].geometry.buffer(TOUCH_TOLERANCE) for c in codes]
    tree = STRtree(geoms)
    links: dict[str, set[str]] = {c: set() for c in codes}
    for i, j in zip(*tree.query(geoms, predicate="intersects"), strict=True):
        if i >= j:
            continue
        shared = geoms[i].intersection(geoms[j])
        if shared.length / 2 > MIN_SHARED or shared.area > MIN_SHARED * TOUCH_TOLERANCE:
            links[codes[i]].add(codes[j])
            links[codes[j]].add(codes[i])
    return cut(area, links, barriers) if barriers else links


def cut(area: Area, links: dict[str, set[str]], barriers: Barriers) -> dict[str, set[str]]:
    out = {c: set(n) for c, n in links.items()}
    for a, neighbours in links.items():
        for b in neighbours:
            if a >= b:
                continue
            la, lb = area.lsoas[a], area.lsoas[b]
            crossed = frozenset((a, b)) in barriers.pairs or (barriers.localities and la.locality != lb.locality)
            if not crossed and barriers.lines:
                segment = LineString([la.centroid, lb.centroid])
                crossed = any(segment.intersects(line) for line in barriers.lines)
            if crossed:
                out[a].discard(b)
                out[b].discard(a)
    return out


def components(nodes: set[str], links: dict[str, set[str]]) -> list[set[str]]:
    """Connected pieces of ``nodes`` using only links inside ``nodes``."""
    left = set(nodes)
    pieces = []
    while left:
        start = left.pop()
        piece, stack = {start}, [start]
        while stack:
            for nxt in links[stack.pop()] & left:
                left.discard(nxt)
                piece.add(nxt)
                stack.append(nxt)
        pieces.append(piece)
    return pieces
