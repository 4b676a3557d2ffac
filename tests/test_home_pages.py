"""Each role's home page lists every kind of work the role may do, each linked (issue 14, item 18;
tests/test_page_words.py follows the links from there to every page)."""

from __future__ import annotations

import re

import pytest

from joinedup.core.permissions import Permission, role_allows
from tests.personas import PERSONAS, World

# Where each kind of work starts.
START: dict[Permission, str] = {
    Permission.CAPACITY_READ: "/capacity",
    Permission.DISCHARGE_COORDINATE: "/discharge",
    Permission.DISCHARGE_RESPOND: "/discharge/incoming",
    Permission.DISCHARGE_REPORT: "/discharge/reports",
    Permission.VISIBILITY_READ: "/visibility",
    Permission.NEIGHBOURHOODS_DESIGN: "/neighbourhoods",
    Permission.ORGANISATIONS_READ: "/organisations",
    Permission.ORGANISATIONS_MANAGE: "/organisations/new",
    Permission.USERS_READ: "/users",
    Permission.AUDIT_READ: "/audit",
    Permission.CREDENTIALS_MANAGE: "/organisations/{own}/api-keys",
}


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_home_page_links_every_kind_of_work_the_role_may_do(client_as, world: World, persona: str) -> None:  # type: ignore[no-untyped-def]
    org_key, role = PERSONAS[persona]
    page = client_as(persona).get("/")
    assert page.status_code == 200
    main = page.text.split("<main", 1)[1]
    linked = set(re.findall(r'href="([^"#?]+)"', main))
    own = world.org_id(org_key) if org_key else ""
    expected = {href.replace("{own}", own) for p, href in START.items() if role and role_allows(role, p)}
    assert expected <= linked, sorted(expected - linked)
    refused = {href.replace("{own}", own) for p, href in START.items() if not (role and role_allows(role, p))}
    assert not (refused & linked), sorted(refused & linked)
