"""Travel times from coordinates: straight-line distance x detour factor / speed, plus a fixed
overhead per trip (parking, getting to the door). Calibrated against road drive times
(``calibration.py`` fits it, ``neighbourhoods.road_times`` reads the times). Anything with a
``matrix`` method can replace it (a council's own matrix, a routing server)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

Point = tuple[float, float]  # (lon, lat)
EARTH_RADIUS_KM = 6371.0088


class MatrixProvider(Protocol):
    def matrix(self, points: list[Point], mode: str) -> list[list[float]]:
        """Minutes from each point to each other point by ``mode``; zero on the diagonal."""
        ...


def distance_km(points_a: np.ndarray, points_b: np.ndarray) -> np.ndarray:
    """Great-circle distances between every row of ``points_a`` and of ``points_b`` (lon, lat in degrees)."""
    lon_a, lat_a = np.radians(points_a[:, 0])[:, None], np.radians(points_a[:, 1])[:, None]
    lon_b, lat_b = np.radians(points_b[:, 0])[None, :], np.radians(points_b[:, 1])[None, :]
    h = np.sin((lat_b - lat_a) / 2) ** 2 + np.cos(lat_a) * np.cos(lat_b) * np.sin((lon_b - lon_a) / 2) ** 2
    km: np.ndarray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return km


# Car speed is a stated assumption; the calibration fits minutes per straight-line km, so the
# detour factor it reports is the one that goes with this speed.
CAR_SPEED_KMH = 40.0


@dataclass(frozen=True)
class TravelModel:
    detour: float = 1.4
    speed_kmh: dict[str, float] = field(default_factory=lambda: {"car": CAR_SPEED_KMH, "walk": 4.8, "bus": 14.0})
    overhead_min: float = 2.0

    def minutes_per_km(self, mode: str) -> float:
        if mode not in self.speed_kmh:
            raise ValueError(f"unknown travel mode {mode!r}; known: {', '.join(sorted(self.speed_kmh))}")
        return 60.0 * self.detour / self.speed_kmh[mode]

    def minutes(self, a: Point, b: Point, mode: str = "car") -> float:
        return float(self.matrix([a, b], mode)[0][1])

    def matrix(self, points: list[Point], mode: str = "car") -> list[list[float]]:
        arr = np.asarray(points, dtype=float).reshape(-1, 2)
        km = distance_km(arr, arr)
        minutes = np.where(km > 1e-6, self.overhead_min + km * self.minutes_per_km(mode), 0.0)
        return [[round(float(v), 2) for v in row] for row in minutes]
