"""Unified home-healthcare (UHHC) JSON interchange (Ceschia et al., ITOR 2026).

Reads UHHC instances into :class:`Instance` and writes/reads rosters as UHHC
solutions. Only the features the engine models are accepted; anything else
raises a ``ValueError`` naming the record, instead of being ignored.
"""

from __future__ import annotations

from typing import Any

from .model import Carer, Instance, Objective, Recipient, Service, SyncRule, TimeWindow, Visit
from .roster import CarerRoute, Roster, Stop

_TOP = {"metadata", "distances", "terminal_points", "caregivers", "patients", "services"}
_CAREGIVER = {"id", "abilities", "departing_point", "arrival_point", "working_shift"}
_PATIENT = {
    "id",
    "required_services",
    "distance_matrix_index",
    "time_windows",
    "location",
    "synchronization",
    "incompatible_caregivers",
    "preferred_caregivers",
}
_SUPPORTED_COSTS = {"travel_time", "total_tardiness", "highest_tardiness"}


def is_uhhc(data: object) -> bool:
    return isinstance(data, dict) and "patients" in data and "caregivers" in data


def _reject_unknown(record: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(record) - allowed
    if unknown:
        raise ValueError(f"{where}: unsupported UHHC fields {sorted(unknown)}")


def read_uhhc(data: dict[str, Any]) -> Instance:
    _reject_unknown(data, _TOP, "UHHC instance")
    meta = data.get("metadata", {})
    name = str(meta.get("name") or "uhhc")
    costs = meta.get("cost_components") or {}
    bad = {k for k, v in costs.items() if v is not None and k not in _SUPPORTED_COSTS}
    if bad:
        raise ValueError(f"UHHC instance {name}: unsupported cost components {sorted(bad)}")
    hard = {k for k, v in costs.items() if v == "HARD"}
    objective = Objective(
        travel=float(costs.get("travel_time") or 0),
        total_lateness=float(costs.get("total_tardiness") or 0) if "total_tardiness" not in hard else 0,
        max_lateness=float(costs.get("highest_tardiness") or 0) if "highest_tardiness" not in hard else 0,
        lateness_is_hard=not ({"total_tardiness", "highest_tardiness"} & set(costs)) or bool(hard),
    )
    terminals = {t["id"]: t["distance_matrix_index"] for t in data["terminal_points"]}
    durations = {s["id"]: s.get("default_duration") for s in data["services"]}
    carers = [_carer(c, terminals) for c in data["caregivers"]]
    recipients = [_recipient(p, durations) for p in data["patients"]]
    coords: list[tuple[float, float]] | None = None
    size = len(data["distances"])
    points = [(t["distance_matrix_index"], t.get("location")) for t in data["terminal_points"]]
    points += [(p["distance_matrix_index"], p.get("location")) for p in data["patients"]]
    if all(loc is not None for _, loc in points) and len(points) == size:
        table = dict(points)
        coords = [(float(table[i][0]), float(table[i][1])) for i in range(size)]
    return Instance(
        name=name,
        source="uhhc",
        travel_times={"car": [[float(x) for x in row] for row in data["distances"]]},
        coordinates=coords,
        recipients=recipients,
        carers=carers,
        objective=objective,
    )


def _carer(c: dict[str, Any], terminals: dict[str, int]) -> Carer:
    where = f"caregiver {c.get('id')}"
    _reject_unknown(c, _CAREGIVER, where)
    try:
        home = terminals[c["departing_point"]]
        end = terminals[c.get("arrival_point") or c["departing_point"]]
    except KeyError as exc:
        raise ValueError(f"{where}: unknown terminal point {exc}") from None
    shift = c.get("working_shift")
    return Carer(
        id=c["id"],
        home=home,
        end_location=end,
        skills=list(c.get("abilities") or []),
        shift=TimeWindow(start=shift[0], end=shift[1])
        if isinstance(shift, list)
        else TimeWindow(**shift)
        if shift
        else TimeWindow(start=0, end=1e7),
    )


def _recipient(p: dict[str, Any], durations: dict[str, int | None]) -> Recipient:
    where = f"patient {p.get('id')}"
    _reject_unknown(p, _PATIENT, where)
    windows = p.get("time_windows") or [{"start": 0, "end": 1e7}]
    if len(windows) != 1:
        raise ValueError(f"{where}: only one time window per patient is supported")
    tw = windows[0]
    window = TimeWindow(start=tw[0], end=tw[1]) if isinstance(tw, list) else TimeWindow(**tw)
    services: list[Service] = []
    for req in p["required_services"]:
        duration = req.get("duration", durations.get(req["service"]))
        if duration is None:
            raise ValueError(f"{where}: service {req['service']} has no duration")
        services.append(Service(skill=req["service"], duration=duration))
    sync_data = p.get("synchronization")
    visits: list[Visit]
    if len(services) == 2 and sync_data and sync_data.get("type") != "independent":
        gap = sync_data.get("distance") or {"min": 0, "max": 0}
        if isinstance(gap, list):
            gap = {"min": gap[0], "max": gap[1]}
        sync = SyncRule(kind=sync_data["type"], min_gap=gap["min"], max_gap=gap["max"])
        visits = [Visit(id=p["id"], window=window, services=services, sync=sync)]
    elif len(services) == 1:
        visits = [Visit(id=p["id"], window=window, services=services)]
    else:
        # independent services are just separate visits to the same home
        visits = [Visit(id=f"{p['id']}#{i}", window=window, services=[s]) for i, s in enumerate(services)]
    return Recipient(
        id=p["id"],
        location=p["distance_matrix_index"],
        visits=visits,
        excluded_carers=sorted(p.get("incompatible_caregivers") or []),
        preferred_carers=sorted(p.get("preferred_caregivers") or []),
    )


def _service_label(instance: Instance, visit_id: str, index: int) -> tuple[str, str]:
    recipient, visit = instance.visit_owner()[visit_id]
    return recipient.id, visit.services[index].skill or f"service{index}"


def write_uhhc_solution(instance: Instance, roster: Roster) -> dict[str, Any]:
    """Roster -> UHHC solution dict (the visits of each caregiver, in order)."""
    owners = instance.visit_owner()
    routes: list[dict[str, Any]] = []
    for route in roster.routes:
        if not route.stops:
            continue
        # visits only: UHHC tools rebuild the depot legs from the distances
        locations: list[dict[str, Any]] = []
        for stop in route.stops:
            recipient, visit = owners[stop.visit_id]
            locations.append(
                {
                    "patient": recipient.id,
                    "service": visit.services[stop.service_index].skill,
                    "arrival_at_patient": stop.arrival,
                    "start_service_time": stop.start,
                    "end_service_time": stop.end,
                }
            )
        routes.append({"caregiver_id": route.carer_id, "locations": locations})
    return {"instance": instance.name, "routes": routes}


def read_uhhc_solution(instance: Instance, data: dict[str, Any]) -> Roster:
    """UHHC solution dict -> Roster, so published solutions can be checked."""
    by_label: dict[tuple[str, str], tuple[str, int]] = {}
    for rec in instance.recipients:
        for visit in rec.visits:
            for index, service in enumerate(visit.services):
                by_label[(rec.id, service.skill or "")] = (visit.id, index)
    routes: list[CarerRoute] = []
    for item in data["routes"]:
        locs = item.get("locations") or []
        visits = [loc for loc in locs if "patient" in loc]
        stops = []
        for loc in visits:
            key = (loc["patient"], loc["service"])
            if key not in by_label:
                raise ValueError(f"solution route {item['caregiver_id']}: unknown service {key}")
            visit_id, index = by_label[key]
            start = float(loc.get("start_service_time", loc.get("start_time", 0)))
            arrival = float(loc.get("arrival_at_patient") or start)
            stops.append(
                Stop(
                    visit_id=visit_id,
                    service_index=index,
                    arrival=arrival,
                    start=start,
                    end=float(loc.get("end_service_time", loc.get("end_time", start))),
                )
            )
        departure = next((float(x["departing_time"]) for x in locs if "departing_time" in x), 0.0)
        back = next((float(x["arrival_time"]) for x in locs if "arrival_time" in x), 0.0)
        routes.append(CarerRoute(carer_id=item["caregiver_id"], departure=departure, return_time=back, stops=stops))
    return Roster(instance_name=instance.name, routes=routes)
