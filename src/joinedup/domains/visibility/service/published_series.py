"""Reading the trusts' published series (imported by series_import): the trust-wide discharge
figures they give, the daily series behind the trend charts, and how far each trust's data goes.

All reads go through the session given, so row-level tenancy applies; the series of a trust
not registered here (no organisation) are seen by no one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from joinedup.domains.visibility.models import TrustDaily, TrustDelayMonthly
from joinedup.domains.visibility.service.other_domains import (
    CARE_GROUPS,
    DelayFigure,
    Demand,
    DischargeSummary,
    Waiting,
    WaitingPatient,
    WardFigure,
)
from joinedup.domains.visibility.service.series_import import RESPONSIBLE

# The daily measures charted, each a column of TrustDaily.
MEASURES = ("not_meeting_criteria", "discharged_total")


class TrustSeriesFigures:
    """Trust-wide figures from NHS England's published series; no wards or patients."""

    SOURCE = "NHS England discharge statistics (trust-wide, published)"

    def summary(self, session: Session, *, organisation_ids: frozenset[str]) -> DischargeSummary:
        # A level can hold thousands of organisations, but only a few trusts publish series.
        held: set[str | None] = set(session.scalars(select(TrustDelayMonthly.organisation_id).distinct()).all())
        held |= set(session.scalars(select(TrustDaily.organisation_id).distinct()).all())
        ids = sorted(i for i in held if i is not None and i in organisation_ids)
        if not ids:
            return DischargeSummary(source=self.SOURCE, as_of=None)
        last_day = session.scalar(
            select(func.max(TrustDaily.day)).where(
                TrustDaily.organisation_id.in_(ids), TrustDaily.not_meeting_criteria.is_not(None)
            )
        )
        waiting: list[Waiting] = []
        if last_day is not None:
            total = session.scalar(
                select(func.sum(TrustDaily.not_meeting_criteria)).where(
                    TrustDaily.organisation_id.in_(ids), TrustDaily.day == last_day
                )
            )
            waiting.append(Waiting(pathway="All", patients=float(total or 0)))
        month = session.scalar(
            select(func.max(TrustDelayMonthly.month)).where(TrustDelayMonthly.organisation_id.in_(ids))
        )
        demand, delays = self._delays(session, ids, month) if month is not None else ([], [])
        return DischargeSummary(
            source=self.SOURCE, as_of=last_day or month, demand=demand, waiting=waiting, delays=delays
        )

    def _delays(self, session: Session, ids: list[str], month: date) -> tuple[list[Demand], list[DelayFigure]]:
        rows = session.execute(
            select(
                TrustDelayMonthly.reason,
                TrustDelayMonthly.stage,
                TrustDelayMonthly.care_group,
                func.sum(TrustDelayMonthly.delayed),
            )
            .where(TrustDelayMonthly.organisation_id.in_(ids), TrustDelayMonthly.month == month)
            .group_by(TrustDelayMonthly.reason, TrustDelayMonthly.stage, TrustDelayMonthly.care_group)
        ).all()
        by_group = dict.fromkeys(CARE_GROUPS, 0.0)
        delays: list[DelayFigure] = []
        for reason, stage, group, delayed in rows:
            delays.append(
                DelayFigure(reason=reason, responsible=RESPONSIBLE.get(stage, "Other"), patients=float(delayed or 0))
            )
            if group in by_group:
                by_group[group] += float(delayed or 0)
        delays.sort(key=lambda d: -d.patients)
        return [Demand(care_group=g, waiting=v, as_of=month) for g, v in by_group.items()], delays

    def wards(self, session: Session, *, organisation_id: str) -> Sequence[WardFigure]:
        return ()

    def patients(self, session: Session, *, organisation_id: str, ward_id: str) -> Sequence[WaitingPatient]:
        return ()

    def home_areas(self, session: Session, *, organisation_ids: frozenset[str]) -> dict[str, int]:
        return {}


def trusts_with_series(session: Session) -> set[str]:
    """Organisations with an imported daily series (a handful, whatever the level's size)."""
    return {i for i in session.scalars(select(TrustDaily.organisation_id).distinct()) if i is not None}


def last_days(session: Session) -> list[tuple[str, date]]:
    """Each trust's last published day, of the trusts the session may see."""
    rows = session.execute(
        select(TrustDaily.organisation_id, func.max(TrustDaily.day)).group_by(TrustDaily.organisation_id)
    ).all()
    return [(org_id, day) for org_id, day in rows if org_id is not None]


def series(
    session: Session, organisation_ids: Iterable[str], measure: str, start: date | None, end: date | None
) -> list[tuple[date, float]]:
    """One measure of these trusts added up per day, in day order."""
    if measure not in MEASURES:
        raise ValueError(f"no published measure {measure!r}")
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
    """The first and last day of these trusts' series, or None without any."""
    first, last = session.execute(
        select(func.min(TrustDaily.day), func.max(TrustDaily.day)).where(
            TrustDaily.organisation_id.in_(list(organisation_ids))
        )
    ).one()
    return (first, last) if first and last else None
