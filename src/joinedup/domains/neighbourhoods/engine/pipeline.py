"""One call from inputs to a comparison, shared by the CLI, the benchmark and the studies service;
and a design saved as JSON text."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .adjacency import Barriers
from .area import Area
from .demand import Demand
from .design import Design, DesignError, design_neighbourhoods
from .measures import comparison, travel_cut_pct
from .scenarios import ScenarioRun, ScenarioSettings, run_scenarios
from .travel import MatrixProvider


def design_to_json(design: Design) -> str:
    return json.dumps(
        {"area": design.area_name, "target": design.target, "measure": design.measure, "assignment": design.assignment},
        indent=1,
        sort_keys=True,
    )


def design_from_json(text: str, area: Area, demand: Demand, barriers: Barriers | None = None) -> Design:
    """A saved design, re-weighted for this demand; every LSOA must be assigned and contiguous."""
    data = json.loads(text)
    base = design_neighbourhoods(area, demand, float(data["target"]), measure=data["measure"], barriers=barriers)
    saved: dict[str, int] = {str(k): int(v) for k, v in data["assignment"].items()}
    missing = sorted(set(area.lsoas) - set(saved))
    if missing:
        raise DesignError("the saved design does not assign these LSOAs", missing)
    design = Design(base.area_name, base.target, base.measure, saved, base.weights, base.links, base.lsoa_names)
    if not design.contiguous():
        raise DesignError("the saved design has a neighbourhood in pieces", sorted(map(str, design.members())))
    return design


@dataclass
class Comparison:
    area: Area
    demand: Demand
    design: Design
    run: ScenarioRun
    table: dict[str, dict[str, float]]

    def headline(self) -> dict[str, Any]:
        t = self.table
        best = "flexible" if "flexible" in t else "neighbourhood"
        return {
            "recipients": len(self.demand.people),
            "visits_per_day": self.demand.visits,
            "neighbourhoods": len(self.design.members()),
            "providers": self.run.settings.providers,
            "travel_min_per_visit_framework": round(t["framework"]["travel_min_per_visit"], 3)
            if "framework" in t
            else None,
            "travel_min_per_visit_neighbourhood": round(t["neighbourhood"]["travel_min_per_visit"], 3)
            if "neighbourhood" in t
            else None,
            "travel_min_per_visit_neighbourhood_flexible": round(t["flexible"]["travel_min_per_visit"], 3)
            if "flexible" in t
            else None,
            "travel_cut_pct": _round(travel_cut_pct(t, "neighbourhood")),
            "travel_cut_pct_flexible": _round(travel_cut_pct(t, "flexible")),
            "usual_carer_share": round(t[best]["usual_carer_share_pct"] / 100, 4) if best in t else None,
            "people_80pct_usual_share": round(t[best]["people_80pct_usual_pct"] / 100, 4) if best in t else None,
            "people_below_80pct_usual": int(t[best]["people_below_80pct"]) if best in t else None,
            "people_below_80pct_usual_neighbourhood": int(t["neighbourhood"]["people_below_80pct"])
            if "neighbourhood" in t
            else None,
            "usual_carer_share_neighbourhood": round(t["neighbourhood"]["usual_carer_share_pct"] / 100, 4)
            if "neighbourhood" in t
            else None,
            "familiar_carer_share": round(t[best]["familiar_carer_share_pct"] / 100, 4) if best in t else None,
            "usual_carer_share_framework": round(t["framework"]["usual_carer_share_pct"] / 100, 4)
            if "framework" in t
            else None,
            "people_below_80pct_usual_framework": int(t["framework"]["people_below_80pct"])
            if "framework" in t
            else None,
            # the named team a person is told of before the week (run carers, reliefs, planned cover)
            "team_size": {s: round(row["team_size"], 2) for s, row in t.items()},
            "team_size_without_cover_plan": {s: round(row["team_size_reliefs"], 2) for s, row in t.items()},
            "people_below_80pct_without_cover_plan": {s: int(row["people_below_80pct_core"]) for s, row in t.items()},
            "partial": self.run.partial,
            "runtime_s": round(self.run.runtime_s, 1),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def compare(
    area: Area,
    demand: Demand,
    design: Design,
    travel: MatrixProvider,
    settings: ScenarioSettings | None = None,
    on_done: Callable[[int, int], None] | None = None,
    executor: str | None = None,
) -> Comparison:
    run = run_scenarios(area, demand, design, travel, settings, on_done=on_done, executor=executor)
    return Comparison(area, demand, design, run, comparison(run))
