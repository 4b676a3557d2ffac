"""How figures are written on the pages: ages, rounding, export links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from joinedup.domains.visibility.presentation import age, export_links, rounded
from joinedup.domains.visibility.schemas import Level, Table

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_ages_use_the_largest_whole_unit() -> None:
    assert age(None, NOW) == "never"
    assert age(NOW - timedelta(seconds=30), NOW) == "just now"
    assert age(NOW - timedelta(minutes=1), NOW) == "1 minute ago"
    assert age(NOW - timedelta(hours=5, minutes=59), NOW) == "5 hours ago"
    assert age(NOW - timedelta(days=2, hours=3), NOW) == "2 days ago"
    assert age(NOW + timedelta(minutes=5), NOW) == "just now"  # a clock ahead is not "in the future"


def test_rounding_keeps_unknown_as_unknown() -> None:
    assert rounded(None) is None
    assert rounded(2.345) == 2.3
    assert rounded(7.0) == 7.0


def test_export_links_carry_the_level_its_keys_and_the_page_filters() -> None:
    services = Table("services", "S", [], [])
    level = Level("organisation", "Trust", {"organisation_id": "o 1"}, crumbs=[], tables=[services])
    query = "level=organisation&organisation_id=o+1&from=2024-01-01&table=services"
    assert export_links(level, {"from": "2024-01-01"}) == {"services": f"/api/v1/visibility/export.csv?{query}"}
