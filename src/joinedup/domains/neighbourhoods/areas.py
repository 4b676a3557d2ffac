"""The area's data on disk: LSOA boundaries, older population and postcodes.

Read from the demo data slice shipped in ``joinedup/demo/data`` (Trafford), or from any folder
holding files with the same names and columns.
"""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path

from shapely.geometry import shape

from joinedup.geo.postcodes import normalise_postcode

from .engine.area import Area, Lsoa, Postcode

DATA_DIR = Path(__file__).resolve().parents[2] / "demo" / "data"
BOUNDARIES = "lsoa2021_boundaries.geojson"
POPULATION = "population_65plus_lsoa_mid2024.csv"
POSTCODES = "postcodes.csv"


@lru_cache(maxsize=4)
def load_area(data_dir: Path = DATA_DIR, name: str = "Trafford") -> Area:
    population: dict[str, tuple[str, int, int]] = {}
    with (data_dir / POPULATION).open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            population[row["lsoa_code"]] = (
                row["lsoa_name"],
                int(row["aged_65_and_over"]),
                int(row["aged_85_and_over"]),
            )
    postcodes: dict[str, Postcode] = {}
    locality: dict[str, str] = {}
    with (data_dir / POSTCODES).open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if not row.get("lat") or not row.get("lsoa_code"):
                continue  # terminated or unplaced postcodes carry no coordinates
            pc = Postcode(normalise_postcode(row["postcode"]), row["lsoa_code"], float(row["lon"]), float(row["lat"]))
            postcodes[pc.postcode] = pc
            locality.setdefault(pc.lsoa_code, row.get("locality") or "")
    features = json.loads((data_dir / BOUNDARIES).read_text(encoding="utf-8"))["features"]
    lsoas: dict[str, Lsoa] = {}
    for feature in features:
        code = feature["properties"]["area_code"]
        label, over65, over85 = population.get(code, (feature["properties"].get("area_name", code), 0, 0))
        lsoas[code] = Lsoa(code, label, locality.get(code, ""), shape(feature["geometry"]), over65, over85)
    for pc in postcodes.values():
        if pc.lsoa_code in lsoas:
            lsoas[pc.lsoa_code].postcodes.append(pc)
    postcodes = {p: pc for p, pc in postcodes.items() if pc.lsoa_code in lsoas}
    return Area(name, lsoas, postcodes)


def area_for(localities: list[str] | None = None) -> Area:
    """The whole area, or only some of its council localities."""
    area = load_area()
    if localities:
        known = {lsoa.locality for lsoa in area.lsoas.values()}
        unknown = sorted(set(localities) - known)
        if unknown:
            raise ValueError(f"unknown locality {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        area = area.localities(set(localities))
    return area
