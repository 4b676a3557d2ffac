"""Admission rules: the days and UK local hours a service takes people."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime, time
from typing import Any

from joinedup.core.clock import UK

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def admits_at(rules: Mapping[str, Any] | None, moment: datetime) -> bool:
    """Whether admission rules (days, from_time, to_time in UK local time) allow `moment`.
    No rules reported: no restriction is known, so admissions are not ruled out."""
    if not rules:
        return True
    local = moment.astimezone(UK)
    if WEEKDAYS[local.weekday()] not in rules.get("days", []):
        return False
    now_t = local.time().replace(tzinfo=None)
    start = time.fromisoformat(rules["from_time"])
    end = time.fromisoformat(rules["to_time"])
    return start <= now_t <= end


def admits_on(days: Collection[str] | None, day: date) -> bool:
    """Whether a service admitting on `days` (None: no rules reported) takes people on `day`."""
    if days is None:
        return True
    return WEEKDAYS[day.weekday()] in days


def admission_days(sections: Mapping[str, Any]) -> frozenset[str] | None:
    """The days admissions are taken, or None when no rules have been reported."""
    rules = (sections.get("admission_rules") or {}).get("value")
    if not rules:
        return None
    return frozenset(rules.get("days", []))
