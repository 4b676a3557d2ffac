"""Offline maps: Trafford's LSOA and locality boundaries drawn as SVG on the server.

Boundaries are projected to the British National Grid (pyproj) so distances and shapes are
true; shapely does the geometry (point in polygon, outlines). No tiles, no network.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely
from markupsafe import Markup, escape
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon, shape

DATA = Path(__file__).resolve().parents[2] / "demo" / "data"
LOCALITIES_FILE = DATA / "localities_2023.geojson"
LSOA_FILE = DATA / "lsoa2021_boundaries.geojson"
TRAFFORD_GSS = "E08000009"
WIDTH = 640
_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def _xy_to_bng(x: Any, y: Any) -> tuple[Any, Any]:
    return _TO_BNG.transform(x, y)


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    geometry: Polygon | MultiPolygon  # British National Grid metres


@dataclass(frozen=True)
class MapPoint:
    label: str
    longitude: float
    latitude: float
    kind: str  # "provider" | "hospital"
    colour_key: str  # a key of the legend in use
    href: str | None = None


def _areas(path: Path, code_key: str) -> tuple[Area, ...]:
    with path.open(encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    out = []
    for f in features:
        geom = shapely.transform(shape(f["geometry"]), _xy_to_bng, interleaved=False)
        assert isinstance(geom, Polygon | MultiPolygon)
        out.append(Area(code=str(f["properties"].get(code_key)), name=str(f["properties"]["area_name"]), geometry=geom))
    return tuple(out)


@lru_cache(maxsize=1)
def localities() -> tuple[Area, ...]:
    return _areas(LOCALITIES_FILE, "area_name")


@lru_cache(maxsize=1)
def lsoas() -> tuple[Area, ...]:
    return _areas(LSOA_FILE, "area_code")


def locality_names() -> list[str]:
    return sorted(a.name for a in localities())


def locality_of(points: Sequence[tuple[float | None, float | None]]) -> list[str | None]:
    """The locality each (longitude, latitude) lies in, vectorised (30,000 points in milliseconds)."""
    known = [(i, lon, lat) for i, (lon, lat) in enumerate(points) if lon is not None and lat is not None]
    out: list[str | None] = [None] * len(points)
    if not known:
        return out
    xs, ys = _TO_BNG.transform([k[1] for k in known], [k[2] for k in known])
    for area in localities():
        inside = shapely.contains_xy(area.geometry, xs, ys)
        for (i, _, _), hit in zip(known, inside, strict=True):
            if hit:
                out[i] = area.name
    return out


def _path(geom: Polygon | MultiPolygon, to_svg: Any) -> str:
    polys = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
    parts = []
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            coords = [to_svg(x, y) for x, y in ring.coords]
            parts.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in coords) + " Z")
    return " ".join(parts)


def render(
    *,
    title: str,
    area_colours: Mapping[str, str],
    lsoa_colours: Mapping[str, str],
    points: Iterable[MapPoint],
    point_colours: Mapping[str, str],
) -> Markup:
    """Localities (filled by `area_colours`, by name), LSOAs (filled by `lsoa_colours`, by code,
    outlines only otherwise), and points coloured by their legend key."""
    areas = localities()
    minx, miny, maxx, maxy = shapely.union_all([a.geometry for a in areas]).bounds
    scale = WIDTH / (maxx - minx)
    height = (maxy - miny) * scale

    def to_svg(x: float, y: float) -> tuple[float, float]:
        return (x - minx) * scale, (maxy - y) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" class="jup-map" role="img" '
        f'aria-labelledby="map-title" data-testid="map">',
        f'<title id="map-title">{escape(title)}</title>',
    ]
    for area in areas:
        fill = area_colours.get(area.name, "#f0f4f5")
        parts.append(
            f'<path d="{_path(area.geometry, to_svg)}" fill="{fill}" stroke="#425563" stroke-width="1.5" '
            f'data-area="{escape(area.name)}"><title>{escape(area.name)}</title></path>'
        )
    for lsoa in lsoas():
        lsoa_fill = lsoa_colours.get(lsoa.code, "none")
        parts.append(
            f'<path d="{_path(lsoa.geometry, to_svg)}" fill="{lsoa_fill}" fill-opacity="0.7" '
            f'stroke="#aeb7bd" stroke-width="0.4"><title>{escape(lsoa.name)}</title></path>'
        )
    for area in areas:
        c = area.geometry.representative_point()
        x, y = to_svg(c.x, c.y)
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="14" font-weight="bold" text-anchor="middle" '
            f'fill="#212b32">{escape(area.name)}</text>'
        )
    for p in points:
        bx, by = _TO_BNG.transform(p.longitude, p.latitude)
        if not (minx <= bx <= maxx and miny <= by <= maxy):
            continue
        x, y = to_svg(bx, by)
        colour = point_colours.get(p.colour_key, "#7b7d7d")
        shape_svg = (
            f'<rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" fill="{colour}" stroke="#212b32"/>'
            if p.kind == "hospital"
            else f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}" stroke="#212b32" stroke-width="0.8"/>'
        )
        parts.append(f"<g><title>{escape(p.label)}</title>{shape_svg}</g>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text value above is escaped or numeric
