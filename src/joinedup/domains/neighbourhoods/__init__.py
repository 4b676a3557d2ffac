"""Neighbourhood homecare model: design neighbourhoods from LSOAs, roster them, compare with
framework commissioning on the same demand.

Rooms: ``engine/`` (the pure model), ``areas`` and ``road_times`` (its data, read from files),
``service/`` (studies kept in the database: the door), ``schemas`` (request and answer types),
``api`` and ``views`` (thin shells), ``report`` (tables, CSV and charts), ``cli``.

    area = load_area()                                   # LSOAs, postcodes, population (Trafford demo data)
    demand = generate_demand(area, recipients=2000, seed=1)   # or load_demand_csv(text, area)
    travel = calibrated_travel()                         # straight line x detour / speed, fitted to road times
    design = design_neighbourhoods(area, demand, target=200)
    result = compare(area, demand, design, travel, ScenarioSettings())  # .table, .headline()
"""

from .areas import load_area
from .engine import (
    Area,
    Demand,
    DemandError,
    Design,
    DesignError,
    Lsoa,
    MatrixProvider,
    PackageVisit,
    Person,
    TravelModel,
    demand_to_csv,
    design_neighbourhoods,
    generate_demand,
    load_demand_csv,
    move_lsoa,
)
from .road_times import calibrated_travel

__all__ = [
    "Area",
    "Demand",
    "DemandError",
    "Design",
    "DesignError",
    "Lsoa",
    "MatrixProvider",
    "PackageVisit",
    "Person",
    "TravelModel",
    "calibrated_travel",
    "demand_to_csv",
    "design_neighbourhoods",
    "generate_demand",
    "load_area",
    "load_demand_csv",
    "move_lsoa",
]
