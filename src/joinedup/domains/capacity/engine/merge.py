"""Newest wins: how updates, arriving in any order, make a service's current sections."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any


def version(as_of: datetime, update_id: str) -> tuple[datetime, str]:
    """Total order of updates: newer as_of wins; equal as_of is settled by update_id, so the
    result never depends on the order updates arrive in."""
    return (as_of, update_id)


@lru_cache(maxsize=4096)
def moment(iso: str) -> datetime:
    # A batch compares against the same few stored timestamps again and again.
    return datetime.fromisoformat(iso)


def section_version(section: Mapping[str, Any]) -> tuple[datetime, str]:
    return version(moment(section["as_of"]), section["update_id"])


def merge(
    sections: Mapping[str, Any],
    *,
    values: Mapping[str, Any],
    as_of: datetime,
    update_id: str,
    source_system: str,
) -> tuple[dict[str, Any], bool]:
    """Sections after one update, and whether any section changed. A section is replaced only
    by a strictly newer version; older updates leave the state as it was."""
    merged = dict(sections)
    changed = False
    incoming = version(as_of, update_id)
    stamp: str | None = None
    for name, value in values.items():
        held = merged.get(name)
        if held is None or incoming > section_version(held):
            stamp = stamp or as_of.isoformat()
            merged[name] = {"value": value, "as_of": stamp, "source_system": source_system, "update_id": update_id}
            changed = True
    return merged, changed


def replay(updates: Iterable[tuple[datetime, str, str, Mapping[str, Any]]]) -> dict[str, Any]:
    """The state a set of (as_of, update_id, source_system, values) updates leads to, in any order."""
    state: dict[str, Any] = {}
    for as_of, update_id, source, values in updates:
        state, _ = merge(state, values=values, as_of=as_of, update_id=update_id, source_system=source)
    return state


def newest_as_of(sections: Mapping[str, Any]) -> datetime | None:
    stamps = [datetime.fromisoformat(s["as_of"]) for s in sections.values()]
    return max(stamps) if stamps else None
