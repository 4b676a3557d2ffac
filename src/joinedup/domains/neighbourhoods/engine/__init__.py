"""The neighbourhood model as pure code: data in, data out; no web, no database, no files.

    demand = generate_demand(area, recipients=2000, seed=1)   # or load_demand_csv(text, area)
    design = design_neighbourhoods(area, demand, target=200)
    result = compare(area, demand, design, travel, ScenarioSettings())  # .table, .headline()

The area (``neighbourhoods.areas.load_area``) and the calibrated travel model
(``neighbourhoods.road_times.calibrated_travel``) are read from files outside the engine.
Rostering is homecare's engine (``joinedup.domains.homecare.solver``).
"""

from .adjacency import Barriers
from .area import Area, Lsoa, Postcode
from .demand import Demand, DemandError, PackageVisit, Person, demand_to_csv, generate_demand, load_demand_csv
from .design import Design, DesignError, design_neighbourhoods, move_lsoa
from .pipeline import Comparison, compare, design_from_json, design_to_json
from .scenarios import SCENARIOS, ScenarioRun, ScenarioSettings
from .travel import MatrixProvider, TravelModel

__all__ = [
    "SCENARIOS",
    "Area",
    "Barriers",
    "Comparison",
    "Demand",
    "DemandError",
    "Design",
    "DesignError",
    "Lsoa",
    "MatrixProvider",
    "PackageVisit",
    "Person",
    "Postcode",
    "ScenarioRun",
    "ScenarioSettings",
    "TravelModel",
    "compare",
    "demand_to_csv",
    "design_from_json",
    "design_neighbourhoods",
    "design_to_json",
    "generate_demand",
    "load_demand_csv",
    "move_lsoa",
]
