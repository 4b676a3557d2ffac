"""Offline maps: Trafford's localities and LSOAs drawn as SVG on the server, with points
coloured by a legend key. No tiles, no network."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import shapely
from markupsafe import Markup, escape
from shapely.geometry import MultiPolygon, Polygon

from joinedup.domains.visibility.engine.localities import localities, lsoas, to_bng

WIDTH = 640


@dataclass(frozen=True)
class MapPoint:
    label: str
    longitude: float
    latitude: float
    kind: str  # "provider" | "hospital"
    colour_key: str  # a key of the legend in use
    href: str | None = None


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
        bx, by = to_bng(p.longitude, p.latitude)
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
