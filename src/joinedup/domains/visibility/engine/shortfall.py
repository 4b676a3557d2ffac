"""Shortfall by care group: people waiting against free capacity, in the same unit (people).

Homecare capacity is reported in spare hours a week; it is turned into packages of care at
HOURS_PER_PACKAGE hours a week, the size of a typical new package after discharge (an
assumption shown beside the figure). Pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

HOURS_PER_PACKAGE = 10.0
# The care groups demand is counted in (discharge's CARE_GROUPS), and the types of care
# (capacity's CARE_TYPES) that meet each.
GROUP_TYPES: dict[str, tuple[str, ...]] = {
    "homecare": ("homecare",),
    "reablement": ("reablement",),
    "bedded_rehab": ("bedded_rehab",),
    "care_home": ("residential", "nursing"),
}


class Demand(Protocol):
    """People waiting for one care group (discharge's `Demand` has this shape)."""

    @property
    def care_group(self) -> str: ...

    @property
    def waiting(self) -> float: ...


@dataclass(frozen=True)
class ShortfallRow:
    care_group: str
    label: str
    waiting: float | None  # None: demand not known at this level
    capacity: float  # people or packages that could start now
    shortfall: float | None  # waiting - capacity, never below zero
    ratio: float | None  # shortfall / waiting (0..1); None when demand is unknown or nil
    ratio_then: Mapping[str, float | None]  # e.g. {"7 days ago": 0.4}


def capacity_in_people(free: Mapping[str, float]) -> dict[str, float]:
    out = {}
    for group, types in GROUP_TYPES.items():
        total = sum(free.get(t, 0.0) for t in types)
        out[group] = total / HOURS_PER_PACKAGE if group == "homecare" else total
    return out


def _ratio(waiting: float | None, capacity: float) -> tuple[float | None, float | None]:
    if waiting is None:
        return None, None
    short = max(0.0, waiting - capacity)
    return short, (short / waiting if waiting > 0 else 0.0)


def shortfall(
    free: Mapping[str, float],
    demand: Iterable[Demand],
    *,
    free_then: Mapping[str, Mapping[str, float]] | None = None,
    labels: Mapping[str, str] | None = None,
) -> list[ShortfallRow]:
    """Rows largest shortfall first (relative to demand); groups with unknown demand last.
    `labels` names each care group (a row per label); without it, a row per group, named by its key."""
    waiting: dict[str, float] = {}
    for d in demand:
        waiting[d.care_group] = waiting.get(d.care_group, 0.0) + d.waiting
    capacity = capacity_in_people(free)
    then = {label: capacity_in_people(values) for label, values in (free_then or {}).items()}
    rows = []
    for group, label in (labels or {g: g for g in GROUP_TYPES}).items():
        need = waiting.get(group)
        short, ratio = _ratio(need, capacity[group])
        rows.append(
            ShortfallRow(
                care_group=group,
                label=label,
                waiting=need,
                capacity=capacity[group],
                shortfall=short,
                ratio=ratio,
                ratio_then={k: _ratio(need, v[group])[1] for k, v in then.items()},
            )
        )
    rows.sort(key=lambda r: (r.ratio is None, -(r.ratio or 0.0), -(r.shortfall or 0.0)))
    return rows
