"""Neighbourhood homecare model: design neighbourhoods from LSOAs, roster them, compare with
framework commissioning on the same demand.

Public API::

    area = load_area()                                   # LSOAs, postcodes, population (Trafford demo data)
    demand = generate_demand(area, recipients=2000, seed=1)   # or load_demand_csv(text, area)
    travel = TravelModel.calibrated()                    # straight line x detour / speed, fitted to road times
    design = design_neighbourhoods(area, demand, target=200)
    result = pipeline.compare(area, demand, design, travel, ScenarioSettings())  # .table, .headline()
"""

from .area import Area, Lsoa, load_area
from .demand import Demand, DemandError, PackageVisit, Person, demand_to_csv, generate_demand, load_demand_csv
from .design import Design, DesignError, design_neighbourhoods, move_lsoa
from .travel import MatrixProvider, TravelModel

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
    "demand_to_csv",
    "design_neighbourhoods",
    "generate_demand",
    "load_area",
    "load_demand_csv",
    "move_lsoa",
]
