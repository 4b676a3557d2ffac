from __future__ import annotations

import pytest

from joinedup.domains.neighbourhoods import Area, Demand, generate_demand, load_area


@pytest.fixture(scope="session")
def area() -> Area:
    return load_area()


@pytest.fixture(scope="session")
def demand(area: Area) -> Demand:
    return generate_demand(area, recipients=2000, seed=1)
