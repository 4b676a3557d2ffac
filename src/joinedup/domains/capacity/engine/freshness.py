"""When capacity is too old to trust: a threshold per kind of service."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from joinedup.domains.capacity.schemas import ServiceKind


def stale_after(kind: str, thresholds: Mapping[str, float]) -> timedelta:
    """`thresholds` are hours by service kind (settings.capacity_stale_hours); care homes' is the default."""
    return timedelta(hours=thresholds.get(kind, thresholds.get(ServiceKind.CARE_HOME.value, 24.0)))


def age_seconds(as_of: datetime, now: datetime) -> int:
    return max(0, int((now - as_of).total_seconds()))


def is_stale(as_of: datetime | None, now: datetime, limit: timedelta) -> bool:
    return as_of is None or now - as_of > limit
