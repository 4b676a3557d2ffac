"""A commissioner finds its studies again: the neighbourhoods page lists them, latest first,
each linked, and only to the organisation that made them (the only one that can open them)."""

from __future__ import annotations

import re

from tests.personas import World


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def test_a_made_study_is_listed_and_opens_from_the_list(client_as, world: World) -> None:  # type: ignore[no-untyped-def]
    colin = client_as("colin_commissioner")
    start = colin.get("/neighbourhoods")
    assert start.status_code == 200 and 'data-testid="no-studies"' in start.text
    ids = []
    for locality in ("West", "North"):
        made = colin.post(
            "/neighbourhoods/generate",
            data={"csrf_token": _csrf(start.text), "locality": locality, "recipients": "30", "seed": "2"},
            follow_redirects=False,
        )
        assert made.status_code == 303, made.text
        ids.append(made.headers["location"].rsplit("/", 1)[1])
    listed = colin.get("/neighbourhoods")
    links = re.findall(r'href="/neighbourhoods/([0-9a-f-]{36})"', listed.text)
    assert links == ids[::-1], "both studies, the latest first"
    assert "Demand only" in listed.text and "30" in listed.text
    study = colin.get(f"/neighbourhoods/{ids[0]}")
    assert study.status_code == 200 and 'href="/neighbourhoods"' in study.text  # and back to the list

    # Another organisation's list does not offer them (it could not open them either).
    admin = client_as("alice_admin")
    other = admin.get("/neighbourhoods")
    assert not re.findall(r'href="/neighbourhoods/([0-9a-f-]{36})"', other.text)
    assert admin.get(f"/neighbourhoods/{ids[0]}").status_code == 404


def test_the_home_page_leads_to_the_studies(client_as) -> None:  # type: ignore[no-untyped-def]
    home = client_as("colin_commissioner").get("/")
    assert 'href="/neighbourhoods"' in home.text
