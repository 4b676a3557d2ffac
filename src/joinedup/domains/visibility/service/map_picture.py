"""What the map shows: localities coloured by shortfall (or free capacity where demand is not
known), patients' home areas by LSOA, providers and hospitals coloured by shortfall or freshness."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.state import AppState
from joinedup.domains.visibility.engine import localities
from joinedup.domains.visibility.engine.map_svg import MapPoint, render
from joinedup.domains.visibility.engine.shortfall import capacity_in_people
from joinedup.domains.visibility.service import discharge_sources
from joinedup.domains.visibility.service.context import Context
from joinedup.domains.visibility.service.other_domains import CARE_TYPES, HOSPITAL_TYPES, sites_of

SHORTFALL_BANDS = (  # (upper bound of shortfall share, colour, label)
    (0.0, "#d8f0d8", "No shortfall"),
    (0.25, "#fff2a8", "Up to a quarter of demand"),
    (0.5, "#ffc56e", "Up to half of demand"),
    (1.01, "#f08a7e", "More than half of demand"),
)
CAPACITY_BANDS = (
    (0.0, "#f0f4f5", "demand not known, no free capacity"),
    (20.0, "#cde3f5", "demand not known, 1 to 20 could start"),
    (1e12, "#7fb2de", "demand not known, more than 20 could start"),
)
FRESH = {"fresh": "#007f3b", "stale": "#d5281b", "never": "#7b7d7d", "hospital": "#005eb8"}
FRESH_LABELS = {"fresh": "Up to date", "stale": "Out of date", "never": "Never reported", "hospital": "Hospital"}
WAITING_FILL = "#b4a7d6"


def _band(value: float, bands: tuple[tuple[float, str, str], ...]) -> tuple[str, str]:
    for bound, colour, label in bands:
        if value <= bound:
            return colour, label
    return bands[-1][1], bands[-1][2]


def map_picture(session: Session, *, actor: Principal, state: AppState, colour: str) -> dict[str, Any]:
    """The map page: localities coloured by shortfall (or free capacity where demand is not known),
    providers by shortfall or freshness; the SVG, its legend, and the same as tables."""
    return _picture(Context(session, actor, state), colour)


def _picture(ctx: Context, colour: str) -> dict[str, Any]:
    services = ctx.services()
    orgs = ctx.organisations()
    where = localities.locality_of([(s.longitude, s.latitude) for s in services])
    free_by_area: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(CARE_TYPES, 0.0))
    for s, area in zip(services, where, strict=True):
        if area and s.accepting:
            for k, v in s.free.items():
                free_by_area[area][k] += v
    homes = discharge_sources.source().home_areas(ctx.session, organisation_ids=frozenset(orgs))
    lsoa_area = localities.lsoa_localities()
    waiting_by_area: dict[str, int] = defaultdict(int)
    for code, count in homes.items():
        if code in lsoa_area:
            waiting_by_area[lsoa_area[code]] += count
    areas = []
    area_colours = {}
    for name in localities.locality_names():
        capacity = sum(capacity_in_people(free_by_area[name]).values())
        waiting = waiting_by_area.get(name)
        if waiting:
            share = max(0.0, waiting - capacity) / waiting
            fill, label = _band(share, SHORTFALL_BANDS)
            shown = f"{round(100 * share)}% of demand unmet"
        else:
            fill, label = _band(capacity, CAPACITY_BANDS)
            shown = "demand not known"
        if colour == "shortfall":
            area_colours[name] = fill
        areas.append({"name": name, "capacity": round(capacity, 1), "waiting": waiting, "shown": shown, "band": label})
    points: list[MapPoint] = []
    providers = []
    for s, area in zip(services, where, strict=True):
        if s.latitude is None or s.longitude is None:
            continue
        state = "never" if s.as_of is None else "stale" if ctx.stale(s) else "fresh"
        free = sum(capacity_in_people(s.free).values()) if s.accepting else 0.0
        key = state if colour == "freshness" else ("free" if free > 0 else "full")
        points.append(
            MapPoint(label=s.name, longitude=s.longitude, latitude=s.latitude, kind="provider", colour_key=key)
        )
        providers.append(
            {"name": s.name, "area": area or "outside", "freshness": FRESH_LABELS[state], "free": round(free, 1)}
        )
    hospitals = [o for o in orgs.values() if o.type in HOSPITAL_TYPES]
    for site in sites_of(ctx.session, organisation_ids=[o.id for o in hospitals]):
        if site.latitude is not None and site.longitude is not None:
            points.append(
                MapPoint(
                    label=site.name,
                    longitude=site.longitude,
                    latitude=site.latitude,
                    kind="hospital",
                    colour_key="hospital",
                )
            )
    point_colours = {**FRESH, "free": "#007f3b", "full": "#d5281b"}
    svg = render(
        title=f"Trafford: localities by {'shortfall' if colour == 'shortfall' else 'area'}, providers by {colour}",
        area_colours=area_colours,
        lsoa_colours={code: WAITING_FILL for code, n in homes.items() if n > 0},
        points=points,
        point_colours=point_colours,
    )
    legend = (
        [{"colour": c, "label": f"Locality: {label}"} for _, c, label in SHORTFALL_BANDS + CAPACITY_BANDS]
        if colour == "shortfall"
        else []
    )
    if colour == "freshness":
        legend += [{"colour": FRESH[k], "label": f"Provider: {FRESH_LABELS[k]}"} for k in ("fresh", "stale", "never")]
    else:
        legend += [
            {"colour": point_colours["free"], "label": "Provider: has free capacity"},
            {"colour": point_colours["full"], "label": "Provider: no free capacity"},
        ]
    legend.append({"colour": FRESH["hospital"], "label": "Hospital (square)"})
    legend.append({"colour": WAITING_FILL, "label": "LSOA: home area of patients waiting"})
    return {
        "title": "Map of capacity",
        "svg": svg,
        "colour": colour,
        "legend": legend,
        "areas": areas,
        "providers": sorted(providers, key=lambda p: (p["area"], p["name"])),
    }
