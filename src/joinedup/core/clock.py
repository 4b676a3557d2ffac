"""One place for "now", so tests can pin time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# Dates people see (days, weeks, "today") are in UK time; instants are stored in UTC.
UK = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(UTC)
