"""Trend charts of the trusts' published series: patients no longer meeting the criteria to
reside and discharges, as Making Data Count XmR charts over a chosen date range."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy.orm import Session

from joinedup.core.errors import invalid
from joinedup.domains.visibility.engine.spc import Direction, xmr
from joinedup.domains.visibility.engine.spc_chart import Chart
from joinedup.domains.visibility.service.context import Context
from joinedup.domains.visibility.service.published_series import coverage, series

TREND_DAYS = 84
# measure -> (title, unit, which way is better)
MEASURES = {
    "not_meeting_criteria": ("Patients no longer meeting the criteria to reside", "patients", Direction.DECREASE),
    "discharged_total": (
        "Patients discharged (of those no longer meeting the criteria)",
        "patients",
        Direction.INCREASE,
    ),
}


def trend_charts(
    ctx: Context,
    org_ids: Iterable[str],
    *,
    start: date | None = None,
    end: date | None = None,
    target: float | None = None,
) -> list[Chart]:
    ids = ctx.trusts_with_series(org_ids)
    if not ids:
        return []
    # The series concern a few trusts: read them through a session narrowed to those.
    with ctx.narrowed(ids) as session:
        return _charts(session, ids, start=start, end=end, target=target)


def _range(first: date, last: date, start: date | None, end: date | None) -> tuple[date, date]:
    """The days to chart: the range asked for, within the data, else the last TREND_DAYS."""
    if start and end and start > end:
        raise invalid("from", "the start date is after the end date")
    for name, value in (("from", start), ("to", end)):
        if value is not None and not first <= value <= last:
            raise invalid(
                name, f"the data covers {first.isoformat()} to {last.isoformat()}; choose a date within that range"
            )
    end = end or last
    return start or max(first, end - timedelta(days=TREND_DAYS - 1)), end


def _charts(
    session: Session, ids: list[str], *, start: date | None, end: date | None, target: float | None
) -> list[Chart]:
    covered = coverage(session, ids)
    if covered is None:
        return []
    start, end = _range(*covered, start, end)
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
