"""Bed days lost and the primary delay reason of a day: the counting rules, on plain dates.

A bed day is lost for every whole day from the discharge ready date to discharge (or today); each
such day is given to the primary delay reason open that day (the latest started, if several), or
to "not recorded" where none was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from joinedup.core.clock import UK
from joinedup.domains.discharge.delay_reasons import NOT_RECORDED


class DelayRecord(Protocol):
    """What the counting reads of a recorded delay."""

    @property
    def reason_code(self) -> str: ...
    @property
    def primary(self) -> bool: ...
    @property
    def started_on(self) -> date: ...
    @property
    def ended_on(self) -> date | None: ...


@dataclass(frozen=True)
class Span:
    """A primary reason's days: from `start`, up to `end` (exclusive; None while open)."""

    reason: str
    start: date
    end: date | None


def uk_day(at: datetime | None) -> date | None:
    """The UK calendar day of an instant (a discharge is counted on the day the ward saw it)."""
    return at.astimezone(UK).date() if at else None


def bed_days_lost(ready: date | None, left: date | None, today: date) -> int:
    """Whole days between the discharge ready date and discharge (or today)."""
    if ready is None:
        return 0
    return max(0, ((left or today) - ready).days)


def days_since_ready(ready: date | None, today: date) -> int | None:
    if ready is None:
        return None
    return max(0, (today - ready).days)


def primary_on(delays: Iterable[DelayRecord], day: date) -> str:
    """The primary reason open on `day` (the latest started), or NOT_RECORDED."""
    open_that_day = [
        d for d in delays if d.primary and d.started_on <= day and (d.ended_on is None or day < d.ended_on)
    ]
    return max(open_that_day, key=lambda d: d.started_on).reason_code if open_that_day else NOT_RECORDED


def current_primary(delays: Iterable[DelayRecord]) -> str | None:
    """The primary reason still open (the latest started), or None."""
    open_primary = [d for d in delays if d.primary and d.ended_on is None]
    return max(open_primary, key=lambda d: d.started_on).reason_code if open_primary else None


def days(start: date, end: date) -> Iterator[date]:
    """Every day from `start` to `end`, both included."""
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def days_by_reason(spans: Sequence[Span], ready: date, today: date) -> dict[str, int]:
    """Bed days lost from `ready` to yesterday, each day given to the latest-started primary
    reason open that day."""
    total = max(0, (today - ready).days)
    if total == 0:
        return {}
    if not spans:
        return {NOT_RECORDED: total}
    out: dict[str, int] = defaultdict(int)
    if len(spans) == 1:  # the usual case: no day-by-day walk
        s = spans[0]
        first, last = max(ready, s.start), min(today, s.end or today)
        covered = max(0, (last - first).days)
        if covered:
            out[s.reason] += covered
        if total - covered:
            out[NOT_RECORDED] += total - covered
        return dict(out)
    ordered = sorted(spans, key=lambda s: s.start, reverse=True)
    day = ready
    while day < today:
        reason = next((s.reason for s in ordered if s.start <= day and (s.end is None or day < s.end)), NOT_RECORDED)
        out[reason] += 1
        day += timedelta(days=1)
    return dict(out)
