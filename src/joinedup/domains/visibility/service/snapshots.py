"""Daily snapshots of free capacity by type of care, per organisation, so shortfall can be
compared over time ("7 days ago", "28 days ago") without replaying every update."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from joinedup.config import Settings
from joinedup.core.clock import utcnow
from joinedup.domains.visibility.models import CapacitySnapshot
from joinedup.domains.visibility.service.other_domains import CARE_TYPES, ServiceFigures, read_service_figures


def snapshot_rows(services: Iterable[ServiceFigures], day: date) -> list[dict[str, Any]]:
    """One row per organisation and type of care: free capacity of its accepting services."""
    by_org: dict[str, tuple[ServiceFigures, dict[str, float], int]] = {}
    for s in services:
        first, sums, count = by_org.get(s.organisation_id, (s, dict.fromkeys(CARE_TYPES, 0.0), 0))
        if s.accepting:
            for k, v in s.free.items():
                sums[k] += v
        by_org[s.organisation_id] = (first, sums, count + 1)
    return [
        {
            "organisation_id": org_id,
            "system_id": first.system_id,
            "place_id": first.place_id,
            "day": day,
            "care_type": care_type,
            "free": value,
            "services": count,
        }
        for org_id, (first, sums, count) in by_org.items()
        for care_type, value in sums.items()
    ]


def snapshot_today(session: Session, *, settings: Settings, day: date | None = None) -> int:
    """Replace the day's snapshot with the current figures of every service (system scope)."""
    day = day or utcnow().date()
    rows = snapshot_rows(read_service_figures(session), day)
    session.execute(delete(CapacitySnapshot).where(CapacitySnapshot.day == day))
    if rows:
        session.execute(insert(CapacitySnapshot), rows)
    return len(rows)


def free_on(
    session: Session,
    *,
    system_id: str | None,
    days: Mapping[date, str],
    place_id: str | None = None,
    organisation_id: str | None = None,
) -> dict[str, dict[str, float]]:
    """Free capacity by type of care on each of `days` (day -> label), keyed by label; days
    without a snapshot are left out."""
    stmt = (
        select(CapacitySnapshot.day, CapacitySnapshot.care_type, func.sum(CapacitySnapshot.free))
        .where(CapacitySnapshot.system_id == system_id, CapacitySnapshot.day.in_(list(days)))
        .group_by(CapacitySnapshot.day, CapacitySnapshot.care_type)
    )
    if place_id is not None:
        stmt = stmt.where(CapacitySnapshot.place_id == place_id)
    if organisation_id is not None:
        stmt = stmt.where(CapacitySnapshot.organisation_id == organisation_id)
    out: dict[str, dict[str, float]] = {}
    for day, care_type, free in session.execute(stmt).all():
        out.setdefault(days[day], {})[care_type] = float(free or 0)
    return {label: out[label] for label in days.values() if label in out}
