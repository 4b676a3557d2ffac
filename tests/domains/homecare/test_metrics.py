"""Metrics on a hand-made roster with known values."""

from __future__ import annotations

from joinedup.domains.homecare.solver import Instance, Roster, compute_metrics

from .conftest import small_instance
from .test_checker import good_roster


def test_metrics_of_the_hand_made_roster() -> None:
    recs = [r.model_dump() for r in small_instance().recipients]
    recs[2]["usual_carers"] = ["ann"]
    inst: Instance = small_instance(recipients=recs)
    m = compute_metrics(inst, Roster.model_validate(good_roster()))
    # ann: 0->1 (10) 1->3 (20) 3->0 (30); bob: 0->2 (20) 2->3 (10) 3->0 (30)
    assert m.travel_time == 120
    assert m.paid_time == (275 - 50) + (275 - 40)
    assert abs(m.travel_share - 120 / 460) < 1e-12
    assert m.travel_per_visit == 30
    assert m.carers_used == 2 and m.services_served == 4 and m.unassigned == 0
    assert m.total_lateness == 0 and m.late_services == 0
    assert m.mean_distinct_carers == (1 + 1 + 2) / 3 and m.max_distinct_carers == 2
    assert m.usual_carer_share == 0.5  # v3 served by ann (usual) and bob


def test_lateness_and_arrival_spread() -> None:
    recs = [r.model_dump() for r in small_instance().recipients]
    recs[1]["visits"][0]["window"] = {"start": 0, "end": 50}
    recs[0]["visits"][0]["slot"] = "morning"
    inst = small_instance(recipients=recs, objective={"lateness_is_hard": False, "max_lateness": 1})
    m = compute_metrics(inst, Roster.model_validate(good_roster()))
    assert m.total_lateness == 10 and m.max_lateness == 10 and m.late_services == 1
    assert m.objective == m.travel_time + 10 + 10
    assert m.max_arrival_spread == 0
