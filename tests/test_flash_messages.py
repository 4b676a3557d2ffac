"""A link cannot put words of its own in a page's message box: the query string names one of a
fixed set of messages, and an unknown name shows nothing (issue 14, items 15 and 17)."""

from __future__ import annotations

import pytest

from tests.personas import World

CLAIMS = ["hacked", "Your account is closed"]


@pytest.mark.parametrize(
    ("persona", "path", "key", "message"),
    [
        ("pam_provider", "/capacity", "updated", "Capacity updated."),
        ("pam_provider", "/capacity", "confirmed", "Confirmed: nothing changed."),
        ("colin_commissioner", "/visibility/views", "saved", "View saved."),
        ("colin_commissioner", "/visibility/views", "deleted", "View deleted."),
        ("pam_provider", "/organisations/{care_home_a}/api-keys", "revoked", "The key was revoked."),
    ],
)
def test_a_message_is_chosen_by_key_never_written_by_the_link(  # type: ignore[no-untyped-def]
    client_as, world: World, persona: str, path: str, key: str, message: str
) -> None:
    client = client_as(persona)
    path = path.replace("{care_home_a}", world.org_id("care_home_a"))
    assert message in client.get(path, params={"done": key}).text
    for claim in CLAIMS:
        page = client.get(path, params={"done": claim[:20]})
        main = page.text.split("<main", 1)[1]
        assert claim[:20] not in main, (path, claim)
        assert message not in main  # an unknown key claims nothing either
