"""VRPLIB VRPTW instances (e.g. Gehring-Homberger) as rostering instances.

Each customer becomes a recipient with one single-carer visit and each vehicle
a carer starting at the depot, so the same engine and checker run on them.
Distances follow the DIMACS convention (Euclidean, truncated to one decimal).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import vrplib

from .model import Carer, Instance, Objective, Recipient, Service, TimeWindow, Visit


def dimacs_matrix(coords: np.ndarray) -> np.ndarray:
    diff = coords[:, None, :] - coords[None, :, :]
    dist = np.sqrt((diff**2).sum(axis=-1))
    rounded: np.ndarray = np.floor(dist * 10.0) / 10.0
    return rounded


def read_vrplib(path: str | Path, max_vehicles: int | None = None) -> Instance:
    data = vrplib.read_instance(str(path))
    if "time_window" not in data:
        raise ValueError(f"{path}: not a VRPTW instance (no TIME_WINDOW_SECTION)")
    coords = np.asarray(data["node_coord"], dtype=float)
    matrix = dimacs_matrix(coords)
    n = len(coords)
    depot = int(np.asarray(data["depot"]).ravel()[0])
    service = np.broadcast_to(np.asarray(data.get("service_time", 0), dtype=float), (n,))
    windows = np.asarray(data["time_window"], dtype=float)
    demand = np.asarray(data.get("demand", np.zeros(n)), dtype=int)
    vehicles = int(data.get("vehicles", n - 1))
    if max_vehicles is not None:
        vehicles = min(vehicles, max_vehicles)
    recipients = []
    for i in range(n):
        if i == depot:
            continue
        visit = Visit(
            id=f"c{i}",
            window=TimeWindow(start=windows[i, 0], end=windows[i, 1]),
            services=[Service(duration=float(service[i]))],
            demand=int(demand[i]),
        )
        recipients.append(Recipient(id=f"r{i}", location=i, visits=[visit]))
    shift = TimeWindow(start=windows[depot, 0], end=windows[depot, 1])
    capacity = int(data["capacity"]) if "capacity" in data else None
    carers = [Carer(id=f"v{k + 1}", home=depot, shift=shift, capacity=capacity) for k in range(vehicles)]
    return Instance(
        name=str(data.get("name", Path(path).stem)),
        source="vrplib",
        travel_times={"car": matrix.tolist()},
        coordinates=[(float(x), float(y)) for x, y in coords],
        recipients=recipients,
        carers=carers,
        objective=Objective(travel=1.0, total_lateness=0.0, lateness_is_hard=True, unassigned=1e6),
    )


def read_bks(path: str | Path) -> float:
    """Best-known cost from a VRPLIB ``.sol`` file."""
    return float(vrplib.read_solution(str(path))["cost"])
