"""The tables every level shows, built from figures already read: capacity by type of care,
shortfall, the discharge tables, freshness of each provider's data, and providers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from joinedup.domains.visibility.engine.shortfall import HOURS_PER_PACKAGE, ShortfallRow
from joinedup.domains.visibility.presentation import age, rounded
from joinedup.domains.visibility.schemas import Cell, Table
from joinedup.domains.visibility.service.other_domains import (
    ALL,
    CARE_TYPES,
    DischargeSummary,
    Summary,
    WardFigure,
    totals,
)

CHANGE_DAYS = {"7 days ago": 7, "28 days ago": 28}
StaleCount = Callable[[Summary, str], int]


def capacity_table(summaries: Sequence[Summary], stale_count: StaleCount) -> Table:
    free = totals(summaries)
    rows: list[list[Cell]] = [
        [
            label,
            pathway,
            rounded(free[care_type]),
            unit,
            sum(s.offering(care_type) for s in summaries),
            sum(stale_count(s, care_type) for s in summaries),
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


def _percent(ratio: float | None) -> int | None:
    return None if ratio is None else round(100 * ratio)


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
                rounded(r.waiting),
                rounded(r.capacity),
                rounded(r.shortfall),
                _percent(r.ratio),
                *[None if r.ratio_then.get(k) is None else round(100 * (r.ratio_then[k] or 0)) for k in then],
            ]
            for r in rows
        ],
        note=f"Homecare hours are counted as packages of {HOURS_PER_PACKAGE:g} hours a week. "
        "Blank: not known at this level.",
    )


def _responsible_table(summary: DischargeSummary) -> Table:
    by_org: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    known_days = any(d.bed_days_lost is not None for d in summary.delays)
    for d in summary.delays:
        by_org[d.responsible][0] += d.patients
        by_org[d.responsible][1] += d.bed_days_lost or 0.0
    return Table(
        "responsible",
        "Delays by responsible organisation",
        ["Responsible", "Patients delayed", "Bed days lost"],
        [
            [k, rounded(v[0]), rounded(v[1]) if known_days else None]
            for k, v in sorted(by_org.items(), key=lambda i: -i[1][0])
        ],
    )


def discharge_tables(summary: DischargeSummary) -> list[Table]:
    return [
        Table(
            "waiting",
            "Patients waiting to leave hospital",
            ["Pathway", "Patients", "Median days waiting", "Longest wait (days)"],
            [
                [w.pathway, rounded(w.patients), rounded(w.median_days), rounded(w.longest_days)]
                for w in summary.waiting
            ],
        ),
        Table(
            "delays",
            "Delays by reason",
            ["Reason", "Responsible", "Patients delayed", "Bed days lost"],
            [[d.reason, d.responsible, rounded(d.patients), rounded(d.bed_days_lost)] for d in summary.delays],
        ),
        _responsible_table(summary),
        Table(
            "referrals",
            "Referral response times",
            ["Type of care", "Referrals", "Median hours to first offer", "Declined", "Decline reasons"],
            [
                [
                    r.care_type,
                    r.referrals,
                    rounded(r.median_hours_to_first_offer),
                    r.declined,
                    "; ".join(f"{k}: {v}" for k, v in sorted(r.decline_reasons.items())),
                ]
                for r in summary.referrals
            ],
        ),
    ]


def freshness_table(
    summaries: Sequence[Summary],
    names: Mapping[str, str],
    series_days: Sequence[tuple[str, date]],
    *,
    stale_count: StaleCount,
    now: datetime,
) -> Table:
    """Per organisation: services, how many are out of date, newest and oldest update; and each
    trust's published series by its last day."""
    per_org: dict[str, list[Any]] = {}
    for s in summaries:
        row = per_org.setdefault(s.organisation_id, [0, 0, None, None])
        row[0] += s.services
        row[1] += stale_count(s, ALL)
        if s.newest is not None and (row[2] is None or s.newest > row[2]):
            row[2] = s.newest
        if s.oldest is not None and (row[3] is None or s.oldest < row[3]):
            row[3] = s.oldest
    rows: list[list[Cell]] = []
    for org_id, (count, stale, newest, oldest) in per_org.items():
        rows.append([names.get(org_id, org_id), count, stale, age(newest, now), age(oldest, now)])
    for org_id, last_day in series_days:
        rows.append([names[org_id] + " (published series)", 0, 0, f"to {last_day.isoformat()}", ""])
    rows.sort(key=lambda r: (-int(r[2] or 0), str(r[0])))
    return Table(
        "freshness",
        "Freshness of every provider's data",
        ["Organisation", "Services", "Out of date", "Newest update", "Oldest update"],
        rows,
        note="Out of date: older than the staleness threshold for that kind of service.",
    )


def providers_table(summaries: Sequence[Summary], names: Mapping[str, str]) -> Table:
    per_org: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(CARE_TYPES, 0.0))
    for s in summaries:
        for k, v in s.free.items():
            per_org[s.organisation_id][k] += v
    rows: list[list[Cell]] = []
    for org_id, free in sorted(per_org.items(), key=lambda i: names.get(i[0], i[0])):
        rows.append(
            [names.get(org_id, org_id), *(rounded(free[k]) for k in CARE_TYPES), f"/visibility/organisations/{org_id}"]
        )
    return Table(
        "providers",
        "Providers and their free capacity",
        ["Provider", *(v[0] for v in CARE_TYPES.values()), "Link"],
        rows,
    )


def wards_table(wards: Sequence[WardFigure]) -> Table:
    return Table(
        "wards",
        "Wards: patients waiting",
        ["Ward", "Hospital", "Patients waiting", "Longest wait (days)"],
        [[w.name, w.site, w.patients_waiting, rounded(w.longest_wait_days)] for w in wards],
    )
