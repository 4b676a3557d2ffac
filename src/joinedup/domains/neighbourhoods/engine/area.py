"""The area being designed: its LSOAs (boundary, centroid, older population) and postcodes.

Data only; ``neighbourhoods.areas`` reads it from files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Postcode:
    postcode: str
    lsoa_code: str
    lon: float
    lat: float


@dataclass
class Lsoa:
    code: str
    name: str
    locality: str
    geometry: BaseGeometry
    aged_65_plus: int
    aged_85_plus: int
    postcodes: list[Postcode] = field(default_factory=list)

    @property
    def centroid(self) -> tuple[float, float]:
        point = self.geometry.representative_point()
        return (point.x, point.y)


@dataclass
class Area:
    name: str
    lsoas: dict[str, Lsoa]
    postcodes: dict[str, Postcode]

    def subset(self, codes: set[str], name: str | None = None) -> Area:
        """A smaller area made of some of the LSOAs (the quick benchmark, tests)."""
        lsoas = {c: lsoa for c, lsoa in self.lsoas.items() if c in codes}
        postcodes = {p: pc for p, pc in self.postcodes.items() if pc.lsoa_code in lsoas}
        return Area(name or f"{self.name} (part)", lsoas, postcodes)

    def localities(self, names: set[str]) -> Area:
        codes = {c for c, lsoa in self.lsoas.items() if lsoa.locality in names}
        return self.subset(codes, f"{self.name}: {', '.join(sorted(names))}")
