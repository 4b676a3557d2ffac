"""Each role sees exactly its visible set (organisations/visible_sets.py), through the API."""

from __future__ import annotations

import pytest

from tests.personas import World

PROVIDERS = {"care_home_a", "care_home_b", "care_home_elsewhere", "homecare"}
SYSTEM = {
    "icb",
    "council",
    "trust",
    "community",
    "care_home_a",
    "care_home_b",
    "care_home_elsewhere",
    "homecare",
    "regulator",
}

EXPECTED_VISIBLE = {
    "pam_provider": {"care_home_a"},
    "bob_provider": {"care_home_b"},
    "cara_careworker": {"homecare"},
    "cleo_clinician": {"community"},
    "dan_discharge": {"trust"} | PROVIDERS,
    "colin_commissioner": {
        "council",
        "care_home_a",
        "care_home_b",
        "homecare",
        "community",
        "icb",
        "trust",
        "regulator",
    },
    "ivy_inspector": {"regulator"} | PROVIDERS | {"other_care_home"},
    "alice_admin": SYSTEM,
    "otto_other_admin": {"other_icb", "other_care_home"},
}


def _visible(client, world: World) -> set[str]:  # type: ignore[no-untyped-def]
    ids = {o["id"] for o in client.get("/api/v1/organisations", params={"limit": 500}).json()["items"]}
    return {k for k, org in world.orgs.items() if org.id in ids}


@pytest.mark.parametrize("persona", sorted(EXPECTED_VISIBLE))
def test_each_persona_sees_exactly_its_organisations(client_as, world, persona: str) -> None:
    assert _visible(client_as(persona), world) == EXPECTED_VISIBLE[persona]


def test_nora_sees_nothing(client_as) -> None:
    nora = client_as("nora_nobody")
    assert nora.get("/api/v1/organisations").status_code == 403
    assert nora.get("/api/v1/me").json()["visible_organisation_count"] == 0


def test_provider_cannot_read_another_provider_by_id(client_as, world) -> None:
    r = client_as("pam_provider").get(f"/api/v1/organisations/{world.org_id('care_home_b')}")
    assert r.status_code == 404


def test_admin_cannot_change_another_systems_organisation(client_as, world) -> None:
    r = client_as("alice_admin").patch(f"/api/v1/organisations/{world.org_id('other_icb')}", json={"name": "Mine now"})
    assert r.status_code == 404
    other = client_as("otto_other_admin").get(f"/api/v1/organisations/{world.org_id('other_icb')}").json()
    assert other["name"] == "Other Icb"


def test_pagination_walks_every_visible_organisation_once(client_as, world) -> None:
    admin = client_as("alice_admin")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = admin.get("/api/v1/organisations", params=params).json()
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(world.org_id(k) for k in SYSTEM)
