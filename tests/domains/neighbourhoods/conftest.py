from __future__ import annotations

import pytest

from joinedup.domains.neighbourhoods import Area, Demand, generate_demand, load_area

SMALL_LOCALITY = "South"


@pytest.fixture(scope="session")
def area() -> Area:
    return load_area()


@pytest.fixture(scope="session")
def small_area(area: Area) -> Area:
    """A few touching LSOAs (one part of one locality) for fast rostering tests."""
    south = area.localities({SMALL_LOCALITY})
    codes = sorted(south.lsoas)[:14]
    return area.subset(set(codes), "Trafford South (part)")


@pytest.fixture(scope="session")
def demand(area: Area) -> Demand:
    return generate_demand(area, recipients=2000, seed=1)
