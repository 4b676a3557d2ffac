"""The comparison's measures: each scenario's group results summed into one row of figures."""

from __future__ import annotations

from .scenarios import ScenarioRun


def comparison(run: ScenarioRun) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for scenario, rows in run.results.items():
        if not rows:
            continue
        days = rows[0].days
        services = sum(r.services for r in rows) or 1
        carer_days = sum(r.carer_days for r in rows) or 1
        person_services: dict[str, int] = {}
        person_usual: dict[str, int] = {}
        person_core: dict[str, int] = {}
        person_carers: dict[str, int] = {}
        person_team: dict[str, int] = {}
        person_team_reliefs: dict[str, int] = {}
        for r in rows:
            person_team.update(r.person_team)
            person_team_reliefs.update(r.person_team_reliefs)
            person_services.update(r.person_services)
            person_usual.update(r.person_usual)
            person_core.update(r.person_core)
            person_carers.update(r.person_carers)
        shares = [person_usual[p] / n for p, n in person_services.items() if n]
        out[scenario] = {
            "recipients": sum(r.people for r in rows),
            "visits_per_day": sum(r.visits_per_day for r in rows),
            "groups": len(rows),
            "workforce": sum(r.workforce for r in rows),
            "carers_per_day": carer_days / days,
            "travel_share_pct": 100 * sum(r.travel_min for r in rows) / (sum(r.paid_min for r in rows) or 1),
            "travel_min_per_visit": sum(r.travel_min for r in rows) / services,
            "trips_per_visit": sum(r.trips for r in rows) / services,
            "driving_min_per_visit": sum(r.travel_min - r.overhead_min * r.trips for r in rows) / services,
            "care_hours_per_carer": sum(r.care_min for r in rows) / 60 / carer_days,
            "late_services_per_day": sum(r.late_services for r in rows) / days,
            "unassigned_per_day": sum(r.unassigned for r in rows) / days,
            "setup_unassigned_per_day": sum(r.setup_unassigned for r in rows),
            "distinct_carers": sum(person_carers.values()) / (len(person_carers) or 1),
            "team_size": sum(person_team.values()) / (len(person_team) or 1),
            "team_size_reliefs": sum(person_team_reliefs.values()) / (len(person_team_reliefs) or 1),
            "runs_relieved_pct": 100 * sum(r.runs_relieved for r in rows) / (sum(r.runs for r in rows) or 1),
            "runs_two_reliefs_pct": 100 * sum(r.runs_two_reliefs for r in rows) / (sum(r.runs for r in rows) or 1),
            "uncovered_unreachable": sum(r.uncovered_unreachable for r in rows),
            "uncovered_booked": sum(r.uncovered_booked for r in rows),
            "stuck_run_days": sum(r.stuck_run_days for r in rows),
            "relief_share_pct": 100 * sum(r.relief_services for r in rows) / services,
            "engine_share_pct": 100 * sum(r.engine_services for r in rows) / services,
            "usual_carer_share_pct": 100 * sum(r.usual_services for r in rows) / services,
            "familiar_carer_share_pct": 100 * sum(r.familiar_services for r in rows) / services,
            "people_80pct_usual_pct": 100 * sum(s >= 0.8 for s in shares) / (len(shares) or 1),
            "people_below_80pct": sum(s < 0.8 for s in shares),
            # what the cover plan adds: people kept at 80%+ only by carers planned for uncovered days off
            "people_below_80pct_core": sum(person_core.get(p, 0) / n < 0.8 for p, n in person_services.items() if n),
            "min_person_usual_pct": 100 * min(shares, default=0.0),
            "violations": sum(r.violations for r in rows),
            "partial": float(bool(run.failures.get(scenario))),
        }
    return out


def travel_cut_pct(table: dict[str, dict[str, float]], scenario: str = "neighbourhood") -> float | None:
    if "framework" not in table or scenario not in table:
        return None
    base = table["framework"]["travel_min_per_visit"]
    return 100 * (base - table[scenario]["travel_min_per_visit"]) / base if base else None
