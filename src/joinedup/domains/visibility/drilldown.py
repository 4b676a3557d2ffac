"""The drill-down: system -> place -> neighbourhood / provider / hospital -> ward -> patient.

Each level is built from what the caller may see: services and organisations are limited to
the caller's visibility set (and care system), places and neighbourhoods are reachable only
when they hold something the caller may see, and patients only for the roles that care for
them, in their own organisation. Anything else is "not found", never an empty page that
confirms it exists.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from joinedup.core import audit
from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.errors import ProblemError, invalid, not_found
from joinedup.core.permissions import Permission
from joinedup.core.state import AppState
from joinedup.db.tenancy import Scope
from joinedup.domains.organisations.models import Organisation, OrganisationType, Place
from joinedup.domains.visibility import discharge_cache, discharge_figures, figures, maps
from joinedup.domains.visibility.charts import Chart
from joinedup.domains.visibility.discharge_figures import DischargeSummary
from joinedup.domains.visibility.figures import CARE_TYPES, ServiceFigures, Summary
from joinedup.domains.visibility.models import CapacitySnapshot, TrustDaily
from joinedup.domains.visibility.shortfall import HOURS_PER_PACKAGE, ShortfallRow, shortfall
from joinedup.domains.visibility.spc import Direction, xmr

Cell = str | float | int | None
TREND_DAYS = 84
CHANGE_DAYS = {"7 days ago": 7, "28 days ago": 28}
MEASURES = {
    "not_meeting_criteria": ("Patients no longer meeting the criteria to reside", "patients", Direction.DECREASE),
    "discharged_total": (
        "Patients discharged (of those no longer meeting the criteria)",
        "patients",
        Direction.INCREASE,
    ),
}
HOSPITAL_TYPES = (OrganisationType.ACUTE_TRUST, OrganisationType.COMMUNITY_TRUST)


@dataclass
class Table:
    key: str
    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str | None = None


@dataclass(frozen=True)
class Link:
    text: str
    href: str
    detail: str = ""


@dataclass
class Level:
    level: str
    title: str
    key: dict[str, str]
    crumbs: list[Link]
    children: list[Link] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    shortfall: list[ShortfallRow] = field(default_factory=list)
    source: str = ""
    notes: list[str] = field(default_factory=list)
    patients_href: str | None = None

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        raise invalid("table", f"this page has no table {key!r}; it has {', '.join(t.key for t in self.tables)}")


@dataclass(frozen=True)
class Org:
    id: str
    name: str
    type: OrganisationType
    place_id: str | None


@dataclass
class Ctx:
    session: Session
    actor: Principal
    state: AppState
    now: datetime = field(default_factory=utcnow)

    def services(self) -> list[ServiceFigures]:
        cache = figures.cache_for(self.state.engine, self.state.session_factory, self.state.bus)
        visible = self.actor.visible_organisation_ids
        return [s for s in cache.services() if s.organisation_id in visible and s.system_id == self.actor.system_id]

    def organisations(self) -> dict[str, Org]:
        """Visible organisations of the caller's system: plain rows, not ORM objects (thousands at ICB level)."""
        rows = self.session.execute(
            select(Organisation.id, Organisation.name, Organisation.type, Organisation.place_id).where(
                Organisation.system_id == self.actor.system_id
            )
        )
        visible = self.actor.visible_organisation_ids
        return {r.id: Org(r.id, r.name, r.type, r.place_id) for r in rows if r.id in visible}

    def summaries(self) -> list[Summary]:
        """Visible services added up per organisation and place (cached between changes)."""
        cache = figures.cache_for(self.state.engine, self.state.session_factory, self.state.bus)
        visible = self.actor.visible_organisation_ids
        return [s for s in cache.summaries() if s.organisation_id in visible and s.system_id == self.actor.system_id]

    @property
    def limits(self) -> dict[str, timedelta]:
        held = self.__dict__.get("_limits")
        if held is None:
            held = self.__dict__["_limits"] = {
                k: timedelta(hours=v) for k, v in self.state.settings.capacity_stale_hours.items()
            }
        return held

    def stale_count(self, summary: Summary, care_type: str) -> int:
        """Out-of-date services of a summary now, the minute and limits worked out once per page."""
        held = self.__dict__.get("_stale_key")
        if held is None:
            held = self.__dict__["_stale_key"] = (
                self.now.replace(second=0, microsecond=0),
                tuple(sorted(self.limits.items())),
            )
        return summary.stale_at(care_type, held[0], self.limits, held[1])

    def stale(self, s: ServiceFigures) -> bool:
        limits = self.limits
        return s.as_of is None or self.now - s.as_of > limits.get(s.kind, limits["care_home"])

    def trusts_with_series(self, org_ids: Iterable[str]) -> list[str]:
        """Which of these organisations have imported series: a handful, whatever the level's size.
        Read in a system scope, then cut to what the caller may see."""
        held = self.__dict__.get("_held")
        if held is None:
            with self.state.session_factory() as session:
                session.info["scope"] = Scope.system("visibility: trusts with published series")
                held = self.__dict__["_held"] = set(session.scalars(select(TrustDaily.organisation_id).distinct()))
        wanted = set(org_ids) & self.actor.visible_organisation_ids
        return sorted(i for i in held if i is not None and i in wanted)

    @contextmanager
    def narrowed(self, org_ids: Iterable[str]) -> Iterator[Session]:
        """A session that sees only these of the caller's organisations: the same rule, a far
        smaller tenancy filter for queries that concern a handful of trusts."""
        scope = Scope.of(frozenset(org_ids) & self.actor.visible_organisation_ids, purpose="visibility narrowed")
        with self.state.session_factory() as session:
            session.info["scope"] = scope
            yield session


def _age(as_of: datetime | None, now: datetime) -> str:
    if as_of is None:
        return "never"
    seconds = max(0, int((now - as_of).total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return "just now"


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


# -- tables shared by every level --------------------------------------------------------------


def capacity_table(summaries: Sequence[Summary], ctx: Ctx) -> Table:
    totals = figures.totals(summaries)
    rows: list[list[Cell]] = [
        [
            label,
            pathway,
            _r(totals[care_type]),
            unit,
            sum(s.offering(care_type) for s in summaries),
            sum(ctx.stale_count(s, care_type) for s in summaries),
        ]
        for care_type, (label, unit, pathway) in CARE_TYPES.items()
    ]
    return Table(
        "capacity",
        "Free capacity now by type of care",
        ["Type of care", "Pathway", "Free now", "Unit", "Services", "Out of date"],
        rows,
        note="Free beds are those accepting admissions; services not accepting count as nil.",
    )


def shortfall_table(rows: Sequence[ShortfallRow]) -> Table:
    then = list(CHANGE_DAYS)
    return Table(
        "shortfall",
        "Shortfall by care group, largest relative to demand first",
        ["Care group", "People waiting", "Could start now", "Shortfall", "Shortfall % of demand"]
        + [f"Shortfall % {label}" for label in then],
        [
            [
                r.label,
                _r(r.waiting),
                _r(r.capacity),
                _r(r.shortfall),
                None if r.ratio is None else round(100 * r.ratio),
                *[None if r.ratio_then.get(k) is None else round(100 * (r.ratio_then[k] or 0)) for k in then],
            ]
            for r in rows
        ],
        note=f"Homecare hours are counted as packages of {HOURS_PER_PACKAGE:g} hours a week. "
        "Blank: not known at this level.",
    )


def discharge_tables(summary: DischargeSummary) -> list[Table]:
    tables = [
        Table(
            "waiting",
            "Patients waiting to leave hospital",
            ["Pathway", "Patients", "Median days waiting", "Longest wait (days)"],
            [[w.pathway, _r(w.patients), _r(w.median_days), _r(w.longest_days)] for w in summary.waiting],
        ),
        Table(
            "delays",
            "Delays by reason",
            ["Reason", "Responsible", "Patients delayed", "Bed days lost"],
            [[d.reason, d.responsible, _r(d.patients), _r(d.bed_days_lost)] for d in summary.delays],
        ),
    ]
    by_org: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    known_days = any(d.bed_days_lost is not None for d in summary.delays)
    for d in summary.delays:
        by_org[d.responsible][0] += d.patients
        by_org[d.responsible][1] += d.bed_days_lost or 0.0
    tables.append(
        Table(
            "responsible",
            "Delays by responsible organisation",
            ["Responsible", "Patients delayed", "Bed days lost"],
            [
                [k, _r(v[0]), _r(v[1]) if known_days else None]
                for k, v in sorted(by_org.items(), key=lambda i: -i[1][0])
            ],
        )
    )
    tables.append(
        Table(
            "referrals",
            "Referral response times",
            ["Type of care", "Referrals", "Median hours to first offer", "Declined", "Decline reasons"],
            [
                [
                    r.care_type,
                    r.referrals,
                    _r(r.median_hours_to_first_offer),
                    r.declined,
                    "; ".join(f"{k}: {v}" for k, v in sorted(r.decline_reasons.items())),
                ]
                for r in summary.referrals
            ],
        )
    )
    return tables


def freshness_table(summaries: Sequence[Summary], orgs: dict[str, Org], ctx: Ctx) -> Table:
    per_org: dict[str, list[Any]] = {}
    for s in summaries:
        row = per_org.setdefault(s.organisation_id, [0, 0, None, None])
        row[0] += s.services
        row[1] += ctx.stale_count(s, figures.ALL)
        if s.newest is not None and (row[2] is None or s.newest > row[2]):
            row[2] = s.newest
        if s.oldest is not None and (row[3] is None or s.oldest < row[3]):
            row[3] = s.oldest
    rows: list[list[Cell]] = []
    for org_id, (count, stale, newest, oldest) in per_org.items():
        org = orgs.get(org_id)
        rows.append([org.name if org else org_id, count, stale, _age(newest, ctx.now), _age(oldest, ctx.now)])
    for org_id, last_day in _series_freshness(ctx, orgs):
        rows.append([orgs[org_id].name + " (published series)", 0, 0, f"to {last_day.isoformat()}", ""])
    rows.sort(key=lambda r: (-(r[2] or 0), str(r[0])))  # type: ignore[operator]
    return Table(
        "freshness",
        "Freshness of every provider's data",
        ["Organisation", "Services", "Out of date", "Newest update", "Oldest update"],
        rows,
        note="Out of date: older than the staleness threshold for that kind of service.",
    )


def _series_freshness(ctx: Ctx, orgs: dict[str, Org]) -> list[tuple[str, date]]:
    trusts = ctx.trusts_with_series(orgs)
    if not trusts:
        return []
    with ctx.narrowed(trusts) as session:
        rows = session.execute(
            select(TrustDaily.organisation_id, func.max(TrustDaily.day)).group_by(TrustDaily.organisation_id)
        ).all()
    return [(org_id, day) for org_id, day in rows if org_id in orgs]


def _free_then(
    ctx: Ctx, *, place_id: str | None = None, organisation_id: str | None = None
) -> dict[str, dict[str, float]]:
    # Past days do not change: held per visibility set (the same rows for the same set).
    key = (
        "free_then",
        ctx.actor.system_id,
        ctx.actor.visible_organisation_ids,
        place_id,
        organisation_id,
        ctx.now.date(),
    )
    held: dict[str, dict[str, float]] = discharge_cache.history_for(ctx.state.bus).get(
        key, lambda: _read_free_then(ctx, place_id=place_id, organisation_id=organisation_id)
    )
    return held


def _read_free_then(ctx: Ctx, *, place_id: str | None, organisation_id: str | None) -> dict[str, dict[str, float]]:
    today = ctx.now.date()
    days = {today - timedelta(days=n): label for label, n in CHANGE_DAYS.items()}
    stmt = (
        select(CapacitySnapshot.day, CapacitySnapshot.care_type, func.sum(CapacitySnapshot.free))
        .where(CapacitySnapshot.system_id == ctx.actor.system_id, CapacitySnapshot.day.in_(list(days)))
        .group_by(CapacitySnapshot.day, CapacitySnapshot.care_type)
    )
    if place_id is not None:
        stmt = stmt.where(CapacitySnapshot.place_id == place_id)
    if organisation_id is not None:
        stmt = stmt.where(CapacitySnapshot.organisation_id == organisation_id)
    out: dict[str, dict[str, float]] = {}
    for day, care_type, free in ctx.session.execute(stmt).all():
        out.setdefault(days[day], {})[care_type] = float(free or 0)
    return {label: out[label] for label in CHANGE_DAYS if label in out}


def series(
    session: Session, organisation_ids: Iterable[str], measure: str, start: date | None, end: date | None
) -> list[tuple[date, float]]:
    column = getattr(TrustDaily, measure)
    stmt = (
        select(TrustDaily.day, func.sum(column))
        .where(TrustDaily.organisation_id.in_(list(organisation_ids)), column.is_not(None))
        .group_by(TrustDaily.day)
        .order_by(TrustDaily.day)
    )
    if start:
        stmt = stmt.where(TrustDaily.day >= start)
    if end:
        stmt = stmt.where(TrustDaily.day <= end)
    return [(d, float(v)) for d, v in session.execute(stmt).all()]


def coverage(session: Session, organisation_ids: Iterable[str]) -> tuple[date, date] | None:
    first, last = session.execute(
        select(func.min(TrustDaily.day), func.max(TrustDaily.day)).where(
            TrustDaily.organisation_id.in_(list(organisation_ids))
        )
    ).one()
    return (first, last) if first and last else None


def trend_charts(
    ctx: Ctx, org_ids: Iterable[str], *, start: date | None = None, end: date | None = None, target: float | None = None
) -> list[Chart]:
    ids = ctx.trusts_with_series(org_ids)
    if not ids:
        return []
    with ctx.narrowed(ids) as session:
        return _trend_charts(session, ids, start=start, end=end, target=target)


def _trend_charts(
    session: Session, ids: list[str], *, start: date | None, end: date | None, target: float | None
) -> list[Chart]:
    covered = coverage(session, ids)
    if covered is None:
        return []
    first, last = covered
    if start and end and start > end:
        raise invalid("from", "the start date is after the end date")
    for name, value in (("from", start), ("to", end)):
        if value is not None and not first <= value <= last:
            raise invalid(
                name, f"the data covers {first.isoformat()} to {last.isoformat()}; choose a date within that range"
            )
    end = end or last
    start = start or max(first, end - timedelta(days=TREND_DAYS - 1))
    charts = []
    for measure, (title, unit, direction) in MEASURES.items():
        points = series(session, ids, measure, start, end)
        if len(points) < 2:
            continue
        charts.append(
            Chart(
                key=measure.replace("_", "-"),
                title=f"{title}, {start.isoformat()} to {end.isoformat()}",
                unit=unit,
                days=[d for d, _ in points],
                spc=xmr(
                    [v for _, v in points],
                    direction=direction,
                    target=target if measure == "not_meeting_criteria" else None,
                ),
            )
        )
    return charts


def _published_summary(ctx: Ctx, org_ids: frozenset[str]) -> DischargeSummary:
    # The published series concern a few trusts: read them through a session narrowed to those.
    trusts = frozenset(ctx.trusts_with_series(org_ids))
    with ctx.narrowed(trusts) as session:
        return discharge_figures.PUBLISHED.summary(session, organisation_ids=trusts)


def _discharge_summary(ctx: Ctx, org_ids: frozenset[str]) -> DischargeSummary:
    source = discharge_figures.source()
    if type(source) is discharge_figures.TrustSeriesFigures:
        return _published_summary(ctx, org_ids)
    scope = ctx.session.info.get("scope")
    visible = scope.organisation_ids if isinstance(scope, Scope) else None
    if visible is None:  # an unscoped session: nothing to key a shared result on
        summary = source.summary(ctx.session, organisation_ids=org_ids)
    else:
        key = (id(source), visible, org_ids, ctx.now.date())
        summary = discharge_cache.cache_for(ctx.state.bus).get(
            key, lambda: source.summary(ctx.session, organisation_ids=org_ids)
        )
    if summary.as_of is None and not (summary.demand or summary.waiting or summary.delays or summary.referrals):
        # No discharge records at this level (a trust not using joinedup's ward list yet):
        # show what the trusts publish rather than nothing.
        return _published_summary(ctx, org_ids)
    return summary


def _common(
    level: Level, ctx: Ctx, summaries: list[Summary], org_ids: frozenset[str], change: bool = True, **then: Any
) -> None:
    summary = _discharge_summary(ctx, org_ids & ctx.actor.visible_organisation_ids)
    free = figures.totals(summaries)
    level.shortfall = shortfall(free, summary.demand, free_then=_free_then(ctx, **then) if change else None)
    level.source = summary.source
    level.tables = [capacity_table(summaries, ctx), shortfall_table(level.shortfall), *discharge_tables(summary)]


def _crumbs(*links: Link) -> list[Link]:
    return [Link("System", "/visibility"), *links]


# -- levels --------------------------------------------------------------------------------------


def system_level(ctx: Ctx) -> Level:
    summaries = ctx.summaries()
    orgs = ctx.organisations()
    level = Level("system", "Whole system", {}, crumbs=[])
    _common(level, ctx, summaries, frozenset(orgs))
    level.tables.append(freshness_table(summaries, orgs, ctx))
    places = ctx.session.scalars(select(Place).where(Place.system_id == ctx.actor.system_id).order_by(Place.name)).all()
    place_ids = {o.place_id for o in orgs.values()}
    level.children = [Link(p.name, f"/visibility/places/{p.id}", "Place") for p in places if p.id in place_ids]
    level.children += [
        Link(o.name, f"/visibility/organisations/{o.id}", "Hospital trust")
        for o in sorted(orgs.values(), key=lambda o: o.name)
        if o.type in HOSPITAL_TYPES
    ]
    level.charts = trend_charts(ctx, orgs)
    return level


def _place(ctx: Ctx, place_id: str) -> tuple[Place, dict[str, Org]]:
    place = ctx.session.get(Place, place_id)
    orgs = ctx.organisations()
    if (
        place is None
        or place.system_id != ctx.actor.system_id
        or not any(o.place_id == place_id for o in orgs.values())
    ):
        raise not_found("place", place_id)
    return place, orgs


def place_level(ctx: Ctx, place_id: str) -> Level:
    place, orgs = _place(ctx, place_id)
    summaries = [s for s in ctx.summaries() if s.place_id == place_id]
    in_place = {k: v for k, v in orgs.items() if v.place_id == place_id}
    level = Level("place", place.name, {"place_id": place_id}, crumbs=_crumbs())
    _common(level, ctx, summaries, frozenset(in_place), place_id=place_id)
    level.tables.append(freshness_table(summaries, in_place, ctx))
    if place.gss_code == maps.TRAFFORD_GSS:
        level.children = [
            Link(name, f"/visibility/places/{place_id}/neighbourhoods/{quote(name)}", "Neighbourhood")
            for name in maps.locality_names()
        ]
    level.tables.append(_providers_table(summaries, in_place))
    return level


def _providers_table(summaries: Sequence[Summary], orgs: dict[str, Org]) -> Table:
    per_org: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(CARE_TYPES, 0.0))
    for s in summaries:
        for k, v in s.free.items():
            per_org[s.organisation_id][k] += v
    rows: list[list[Cell]] = []
    for org_id, free in sorted(per_org.items(), key=lambda i: orgs[i[0]].name if i[0] in orgs else i[0]):
        name = orgs[org_id].name if org_id in orgs else org_id
        rows.append([name, *(_r(free[k]) for k in CARE_TYPES), f"/visibility/organisations/{org_id}"])
    return Table(
        "providers",
        "Providers and their free capacity",
        ["Provider", *(v[0] for v in CARE_TYPES.values()), "Link"],
        rows,
    )


def neighbourhood_level(ctx: Ctx, place_id: str, name: str) -> Level:
    place, orgs = _place(ctx, place_id)
    if place.gss_code != maps.TRAFFORD_GSS or name not in maps.locality_names():
        raise not_found("neighbourhood", name)
    in_place = [s for s in ctx.services() if s.place_id == place_id]
    where = maps.locality_of([(s.longitude, s.latitude) for s in in_place])
    services = [s for s, loc in zip(in_place, where, strict=True) if loc == name]
    level = Level(
        "neighbourhood",
        f"{name} neighbourhood, {place.name}",
        {"place_id": place_id, "neighbourhood": name},
        crumbs=_crumbs(Link(place.name, f"/visibility/places/{place_id}")),
    )
    in_area = {s.organisation_id for s in services}
    summaries = figures.summarise(services)
    _common(level, ctx, summaries, frozenset(in_area), change=False)
    level.tables.append(freshness_table(summaries, {k: v for k, v in orgs.items() if k in in_area}, ctx))
    level.tables.append(_providers_table(summaries, orgs))
    return level


def _organisation(ctx: Ctx, organisation_id: str) -> Organisation:
    org = ctx.session.get(Organisation, organisation_id)
    if org is None or org.id not in ctx.actor.visible_organisation_ids or org.system_id != ctx.actor.system_id:
        raise not_found("organisation", organisation_id)
    return org


def organisation_level(
    ctx: Ctx,
    organisation_id: str,
    *,
    start: date | None = None,
    end: date | None = None,
    target: float | None = None,
) -> Level:
    org = _organisation(ctx, organisation_id)
    services = [s for s in ctx.services() if s.organisation_id == org.id]
    crumbs = _crumbs()
    if org.place_id and ctx.session.get(Place, org.place_id) is not None:
        place = ctx.session.get(Place, org.place_id)
        assert place is not None
        crumbs.append(Link(place.name, f"/visibility/places/{place.id}"))
    level = Level("organisation", org.name, {"organisation_id": org.id}, crumbs=crumbs)
    summaries = figures.summarise(services)
    _common(level, ctx, summaries, frozenset({org.id}), organisation_id=org.id)
    level.tables.append(freshness_table(summaries, {org.id: Org(org.id, org.name, org.type, org.place_id)}, ctx))
    level.tables.append(
        Table(
            "services",
            "Services",
            ["Service", "Kind", *(v[0] for v in CARE_TYPES.values()), "Updated", "Out of date"],
            [
                [
                    s.name + (" (synthetic)" if s.synthetic else ""),
                    s.kind,
                    *(_r(s.free[k]) for k in CARE_TYPES),
                    _age(s.as_of, ctx.now),
                    "yes" if ctx.stale(s) else "no",
                ]
                for s in sorted(services, key=lambda s: s.name)
            ],
        )
    )
    if org.type in HOSPITAL_TYPES:
        level.tables.append(Table("hospitals", "Hospitals", ["Hospital"], [[site.name] for site in org.sites]))
        wards = _wards(ctx, org.id)
        level.children = [
            Link(
                w.name, f"/visibility/organisations/{org.id}/wards/{quote(w.ward_id)}", f"{w.patients_waiting} waiting"
            )
            for w in wards
        ]
        level.tables.append(
            Table(
                "wards",
                "Wards: patients waiting",
                ["Ward", "Hospital", "Patients waiting", "Longest wait (days)"],
                [[w.name, w.site, w.patients_waiting, _r(w.longest_wait_days)] for w in wards],
            )
        )
        level.charts = trend_charts(ctx, [org.id], start=start, end=end, target=target)
    return level


def _wards(ctx: Ctx, organisation_id: str) -> Sequence[discharge_figures.Ward]:
    """A hospital's wards with their counts, held like the summaries (until a discharge event)."""
    source = discharge_figures.source()
    scope = ctx.session.info.get("scope")
    if not isinstance(scope, Scope) or scope.organisation_ids is None:
        return source.wards(ctx.session, organisation_id=organisation_id)
    key = ("wards", id(source), scope.organisation_ids, organisation_id, ctx.now.date())
    wards: Sequence[discharge_figures.Ward] = discharge_cache.cache_for(ctx.state.bus).get(
        key, lambda: tuple(source.wards(ctx.session, organisation_id=organisation_id))
    )
    return wards


def _ward(ctx: Ctx, org: Organisation, ward_id: str) -> discharge_figures.Ward:
    for ward in _wards(ctx, org.id):
        if ward.ward_id == ward_id:
            return ward
    raise not_found("ward", ward_id)


def may_see_patients(actor: Principal, organisation_id: str) -> bool:
    """A legitimate relationship: a caring role, acting for the organisation the patient is in."""
    return actor.can(Permission.VISIBILITY_PATIENTS) and actor.organisation_id == organisation_id


def ward_level(ctx: Ctx, organisation_id: str, ward_id: str) -> Level:
    org = _organisation(ctx, organisation_id)
    ward = _ward(ctx, org, ward_id)
    base = f"/visibility/organisations/{org.id}"
    level = Level(
        "ward",
        f"{ward.name}, {org.name}",
        {"organisation_id": org.id, "ward_id": ward.ward_id},
        crumbs=_crumbs(Link(org.name, base)),
    )
    patients = discharge_figures.source().patients(ctx.session, organisation_id=org.id, ward_id=ward.ward_id)
    counts: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for p in patients:
        row = counts[(p.pathway, p.delay_reason or "")]
        row[0] += 1
        row[1] = max(row[1], p.days_waiting)
    level.tables = [
        Table(
            "ward",
            "Patients waiting on this ward (counts)",
            ["Pathway", "Delay reason", "Patients", "Longest wait (days)"],
            [[k[0], k[1], int(v[0]), _r(v[1])] for k, v in sorted(counts.items())],
        )
    ]
    level.source = discharge_figures.source().__class__.__name__
    if may_see_patients(ctx.actor, org.id):
        level.patients_href = f"{base}/wards/{quote(ward.ward_id)}/patients"
    else:
        level.notes.append("Patient details are shown only to the team caring for them; you see counts.")
    return level


def patients_level(ctx: Ctx, organisation_id: str, ward_id: str) -> Level:
    org = _organisation(ctx, organisation_id)
    if not may_see_patients(ctx.actor, org.id):
        raise ProblemError(
            403, "forbidden", "Forbidden", "Patient details are shown only to the team caring for the patient."
        )
    ward = _ward(ctx, org, ward_id)
    patients = discharge_figures.source().patients(ctx.session, organisation_id=org.id, ward_id=ward.ward_id)
    audit.record(
        ctx.session,
        actor=ctx.actor,
        action="read",
        record_type="discharge_patients",
        record_id=ward.ward_id,
        record_organisation_id=org.id,
        personal_data=True,
        detail={"patients": len(patients), "view": "visibility ward"},
    )
    base = f"/visibility/organisations/{org.id}"
    level = Level(
        "patients",
        f"Patients on {ward.name}",
        {"organisation_id": org.id, "ward_id": ward.ward_id},
        crumbs=_crumbs(Link(org.name, base), Link(ward.name, f"{base}/wards/{quote(ward.ward_id)}")),
    )
    level.tables = [
        Table(
            "patients",
            "Patients waiting",
            ["Patient", "Reference", "Pathway", "Days waiting", "Delay reason", "Responsible", "Home area"],
            [
                [p.display_name, p.reference, p.pathway, _r(p.days_waiting), p.delay_reason, p.responsible, p.home_lsoa]
                for p in patients
            ],
        )
    ]
    return level


LEVELS = ("system", "place", "neighbourhood", "organisation", "ward", "patients")


def build(
    ctx: Ctx,
    level: str,
    *,
    place_id: str | None = None,
    neighbourhood: str | None = None,
    organisation_id: str | None = None,
    ward_id: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Level:
    """Any level by name, with the keys it needs (each missing key is named)."""

    def need(name: str, value: str | None) -> str:
        if not value:
            raise invalid(name, f"the {level} level needs {name}")
        return value

    if level == "system":
        return system_level(ctx)
    if level == "place":
        return place_level(ctx, need("place_id", place_id))
    if level == "neighbourhood":
        return neighbourhood_level(ctx, need("place_id", place_id), need("neighbourhood", neighbourhood))
    if level == "organisation":
        return organisation_level(ctx, need("organisation_id", organisation_id), start=start, end=end)
    if level == "ward":
        return ward_level(ctx, need("organisation_id", organisation_id), need("ward_id", ward_id))
    if level == "patients":
        return patients_level(ctx, need("organisation_id", organisation_id), need("ward_id", ward_id))
    raise invalid("level", f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")
