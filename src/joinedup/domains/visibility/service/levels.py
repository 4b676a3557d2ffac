"""The drill-down's upper levels: system -> place -> neighbourhood / provider or hospital.

Each level is built from what the caller may see: services and organisations are limited to
the caller's visibility set (and care system), and places and neighbourhoods are reachable only
when they hold something the caller may see. Anything else is "not found".
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from joinedup.core.errors import not_found
from joinedup.domains.visibility.engine import localities
from joinedup.domains.visibility.engine.shortfall import shortfall
from joinedup.domains.visibility.presentation import age, kind_label, rounded
from joinedup.domains.visibility.schemas import Level, Link, Table
from joinedup.domains.visibility.service import level_figures, published_series, tables
from joinedup.domains.visibility.service.context import Context
from joinedup.domains.visibility.service.other_domains import (
    CARE_GROUPS,
    CARE_TYPES,
    HOSPITAL_TYPES,
    OrganisationRef,
    PlaceRef,
    Summary,
    organisation,
    place,
    places_in_system,
    sites_of,
    summarise,
    totals,
)
from joinedup.domains.visibility.service.trends import trend_charts


def crumbs(*links: Link) -> list[Link]:
    return [Link("System", "/visibility"), *links]


def _series_days(ctx: Context, orgs: dict[str, OrganisationRef]) -> list[tuple[str, date]]:
    trusts = ctx.trusts_with_series(orgs)
    if not trusts:
        return []
    with ctx.narrowed(trusts) as session:
        return [(org_id, day) for org_id, day in published_series.last_days(session) if org_id in orgs]


def _freshness(ctx: Context, summaries: list[Summary], orgs: dict[str, OrganisationRef]) -> Table:
    names = {k: v.name for k, v in orgs.items()}
    days = _series_days(ctx, orgs)
    return tables.freshness_table(summaries, names, days, stale_count=ctx.stale_count, now=ctx.now)


def _common(
    level: Level, ctx: Context, summaries: list[Summary], org_ids: frozenset[str], change: bool = True, **then: Any
) -> None:
    """Capacity, shortfall and discharge tables: what every level above a ward shows."""
    summary = level_figures.discharge_summary(ctx, org_ids & ctx.actor.visible_organisation_ids)
    free_then = level_figures.free_then(ctx, **then) if change else None
    level.shortfall = shortfall(totals(summaries), summary.demand, free_then=free_then, labels=CARE_GROUPS)
    level.source = summary.source
    level.tables = [
        tables.capacity_table(summaries, ctx.stale_count),
        tables.shortfall_table(level.shortfall),
        *tables.discharge_tables(summary),
    ]


def system_level(ctx: Context) -> Level:
    summaries = ctx.summaries()
    orgs = ctx.organisations()
    level = Level("system", "Whole system", {}, crumbs=[])
    _common(level, ctx, summaries, frozenset(orgs))
    level.tables.append(_freshness(ctx, summaries, orgs))
    place_ids = {o.place_id for o in orgs.values()}
    level.children = [
        Link(p.name, f"/visibility/places/{p.id}", "Place")
        for p in (places_in_system(ctx.session, system_id=ctx.actor.system_id) if ctx.actor.system_id else [])
        if p.id in place_ids
    ]
    level.children += [
        Link(o.name, f"/visibility/organisations/{o.id}", "Hospital trust")
        for o in sorted(orgs.values(), key=lambda o: o.name)
        if o.type in HOSPITAL_TYPES
    ]
    level.charts = trend_charts(ctx, orgs)
    return level


def _place(ctx: Context, place_id: str) -> tuple[PlaceRef, dict[str, OrganisationRef]]:
    found = place(ctx.session, place_id=place_id)
    orgs = ctx.organisations()
    if (
        found is None
        or found.system_id != ctx.actor.system_id
        or not any(o.place_id == place_id for o in orgs.values())
    ):
        raise not_found("place", place_id)
    return found, orgs


def place_level(ctx: Context, place_id: str) -> Level:
    place, orgs = _place(ctx, place_id)
    summaries = [s for s in ctx.summaries() if s.place_id == place_id]
    in_place = {k: v for k, v in orgs.items() if v.place_id == place_id}
    level = Level("place", place.name, {"place_id": place_id}, crumbs=crumbs())
    _common(level, ctx, summaries, frozenset(in_place), place_id=place_id)
    level.tables.append(_freshness(ctx, summaries, in_place))
    if place.gss_code == localities.TRAFFORD_GSS:
        level.children = [
            Link(name, f"/visibility/places/{place_id}/neighbourhoods/{quote(name)}", "Neighbourhood")
            for name in localities.locality_names()
        ]
    level.tables.append(tables.providers_table(summaries, {k: v.name for k, v in in_place.items()}))
    return level


def neighbourhood_level(ctx: Context, place_id: str, name: str) -> Level:
    place, orgs = _place(ctx, place_id)
    if place.gss_code != localities.TRAFFORD_GSS or name not in localities.locality_names():
        raise not_found("neighbourhood", name)
    in_place = [s for s in ctx.services() if s.place_id == place_id]
    where = localities.locality_of([(s.longitude, s.latitude) for s in in_place])
    services = [s for s, loc in zip(in_place, where, strict=True) if loc == name]
    level = Level(
        "neighbourhood",
        f"{name} neighbourhood, {place.name}",
        {"place_id": place_id, "neighbourhood": name},
        crumbs=crumbs(Link(place.name, f"/visibility/places/{place_id}")),
    )
    in_area = {s.organisation_id for s in services}
    summaries = summarise(services)
    _common(level, ctx, summaries, frozenset(in_area), change=False)
    level.tables.append(_freshness(ctx, summaries, {k: v for k, v in orgs.items() if k in in_area}))
    level.tables.append(tables.providers_table(summaries, {k: v.name for k, v in orgs.items()}))
    return level


def visible_organisation(ctx: Context, organisation_id: str) -> OrganisationRef:
    """A visible organisation of the caller's system, else "not found"."""
    org = organisation(ctx.session, organisation_id=organisation_id)
    if org is None or org.id not in ctx.actor.visible_organisation_ids or org.system_id != ctx.actor.system_id:
        raise not_found("organisation", organisation_id)
    return org


def organisation_level(
    ctx: Context,
    organisation_id: str,
    *,
    start: date | None = None,
    end: date | None = None,
    target: float | None = None,
) -> Level:
    org = visible_organisation(ctx, organisation_id)
    services = [s for s in ctx.services() if s.organisation_id == org.id]
    links = crumbs()
    in_place = place(ctx.session, place_id=org.place_id) if org.place_id else None
    if in_place is not None:
        links.append(Link(in_place.name, f"/visibility/places/{in_place.id}"))
    level = Level("organisation", org.name, {"organisation_id": org.id}, crumbs=links)
    summaries = summarise(services)
    _common(level, ctx, summaries, frozenset({org.id}), organisation_id=org.id)
    level.tables.append(_freshness(ctx, summaries, {org.id: org}))
    level.tables.append(
        Table(
            "services",
            "Services",
            ["Service", "Kind", *(v[0] for v in CARE_TYPES.values()), "Updated", "Out of date"],
            [
                [
                    s.name + (" (synthetic)" if s.synthetic else ""),
                    kind_label(s.kind),
                    *(rounded(s.free[k]) for k in CARE_TYPES),
                    age(s.as_of, ctx.now),
                    "yes" if ctx.stale(s) else "no",
                ]
                for s in sorted(services, key=lambda s: s.name)
            ],
        )
    )
    if org.type in HOSPITAL_TYPES:
        sites = sorted(site.name for site in sites_of(ctx.session, organisation_ids=[org.id]))
        level.tables.append(Table("hospitals", "Hospitals", ["Hospital"], [[name] for name in sites]))
        wards = level_figures.wards(ctx, org.id)
        base = f"/visibility/organisations/{org.id}"
        level.children = [
            Link(w.name, f"{base}/wards/{quote(w.ward_id)}", f"{w.patients_waiting} waiting") for w in wards
        ]
        level.tables.append(tables.wards_table(wards))
        level.charts = trend_charts(ctx, [org.id], start=start, end=end, target=target)
    return level
