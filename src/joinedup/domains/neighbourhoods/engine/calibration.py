"""Fits the car travel model to road drive times.

``minutes = overhead + k * km`` by least squares with the overhead fixed at 2 minutes (parking
and reaching the door). The overhead is not fitted: the reference times (``neighbourhoods.
road_times``, stroke-unit drive times) carry a fixed component of their own (about 12 minutes
even at 2 km) that belongs to an ambulance dispatch, not to a care worker's next call; the free
fit is reported beside it for transparency. The detour factor is ``k * speed / 60`` at the
model's stated car speed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .travel import CAR_SPEED_KMH, TravelModel


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


def fit(km: np.ndarray, minutes: np.ndarray, lsoas: int, units: int, overhead: float = 2.0) -> Calibration:
    """The travel model fitted to straight-line ``km`` and drive ``minutes`` of the same trips."""
    if len(km) < 10:
        raise ValueError("too few LSOA-to-unit pairs to calibrate the travel model")
    k = float(km @ (minutes - overhead) / (km @ km))
    fitted = overhead + k * km
    free_k, free_overhead = np.polyfit(km, minutes, 1)
    free_fitted = free_overhead + free_k * km
    textbook = km * 1.3 / CAR_SPEED_KMH * 60
    detour = k * CAR_SPEED_KMH / 60.0
    return Calibration(
        model=TravelModel(detour=float(detour), overhead_min=overhead),
        pairs=len(km),
        lsoas=lsoas,
        units=units,
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
