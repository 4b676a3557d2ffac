from __future__ import annotations

import pytest
from shapely.geometry import LineString

from joinedup.domains.neighbourhoods import Area, Demand, DesignError, design_neighbourhoods, move_lsoa
from joinedup.domains.neighbourhoods.engine.adjacency import Barriers, adjacency, components
from joinedup.domains.neighbourhoods.engine.design import compactness


def test_lsoa_adjacency_is_symmetric_and_connected(area: Area) -> None:
    links = adjacency(area)
    assert all(a in links[b] for a, ns in links.items() for b in ns)
    assert len(components(set(links), links)) == 1
    assert 4 < sum(len(n) for n in links.values()) / len(links) < 7


@pytest.mark.parametrize("target", [100, 200, 400])
def test_neighbourhoods_are_contiguous_and_balanced(area: Area, demand: Demand, target: int) -> None:
    design = design_neighbourhoods(area, demand, target)
    assert design.contiguous()
    assert set(design.assignment) == set(area.lsoas)
    balance = design.balance()
    assert balance["neighbourhoods"] == round(2000 / target)
    assert balance["cv_pct"] < 12
    assert all(0 < v <= 1 for v in compactness(design, area).values())


def test_care_hours_measure(area: Area, demand: Demand) -> None:
    hours = sum(p.care_minutes for p in demand.people) / 60
    design = design_neighbourhoods(area, demand, hours / 8, measure="care_hours")
    assert design.balance()["neighbourhoods"] == 8 and design.contiguous()


def test_barriers_are_respected(area: Area, demand: Demand) -> None:
    design = design_neighbourhoods(area, demand, 200, barriers=Barriers(localities=True))
    assert design.contiguous()
    for codes in design.members().values():
        assert len({area.lsoas[c].locality for c in codes}) == 1


def test_barrier_line_cuts_links(area: Area) -> None:
    links = adjacency(area)
    a = sorted(links)[0]
    b = sorted(links[a])[0]
    (xa, ya), (xb, yb) = area.lsoas[a].centroid, area.lsoas[b].centroid
    mx, my = (xa + xb) / 2, (ya + yb) / 2
    line = LineString([(mx - (yb - ya), my + (xb - xa)), (mx + (yb - ya), my - (xb - xa))])  # across the link
    cut = adjacency(area, Barriers(lines=(line,)))
    assert b not in cut[a] and b in links[a]


def test_cut_off_lsoa_too_small_is_named(area: Area, demand: Demand) -> None:
    links = adjacency(area)
    lonely = sorted(links)[5]
    pairs = frozenset(frozenset((lonely, n)) for n in links[lonely])
    with pytest.raises(DesignError) as caught:
        design_neighbourhoods(area, demand, 200, barriers=Barriers(pairs=pairs))
    assert any(lonely in r for r in caught.value.records)
    assert "cannot form a contiguous neighbourhood" in str(caught.value)


def test_lsoa_bigger_than_the_target_is_named(area: Area, demand: Demand) -> None:
    biggest = max(demand.by_lsoa().items(), key=lambda kv: len(kv[1]))[0]
    with pytest.raises(DesignError) as caught:
        design_neighbourhoods(area, demand, 5)
    assert any(biggest in r for r in caught.value.records)


def test_moving_an_lsoa_by_hand(area: Area, demand: Demand) -> None:
    design = design_neighbourhoods(area, demand, 200)
    before = design.sizes()
    moved = None
    for code, region in sorted(design.assignment.items()):
        for n in sorted(design.links[code]):
            to = design.assignment[n]
            if to != region:
                try:
                    moved = (move_lsoa(design, code, to), code, region, to)
                except DesignError:
                    continue
                break
        if moved:
            break
    assert moved is not None
    new, code, src, dst = moved
    assert new.contiguous()
    assert new.sizes()[src] == before[src] - design.weights[code]
    assert new.sizes()[dst] == before[dst] + design.weights[code]
    assert design.assignment[code] == src  # the original is untouched


def test_move_that_breaks_contiguity_is_refused(area: Area, demand: Demand) -> None:
    design = design_neighbourhoods(area, demand, 200)
    members = design.members()
    far = next(
        (c, r)
        for c in sorted(design.assignment)
        for r in members
        if r != design.assignment[c] and not any(design.assignment[n] == r for n in design.links[c])
    )
    with pytest.raises(DesignError, match="does not touch") as caught:
        move_lsoa(design, far[0], far[1])
    assert caught.value.records == [far[0]]
    with pytest.raises(DesignError, match="unknown LSOA"):
        move_lsoa(design, "E99999999", 1)
