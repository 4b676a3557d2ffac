"""The audit log as a person reads it: who by name and role, acting for which organisation, what
happened in words; ids stay in links (to narrow the log), never in the text."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.page_walk import read_page
from tests.personas import World

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _rows(html: str) -> list[str]:
    body = html.split('data-testid="audit-table"', 1)[1].split("</table>", 1)[0]
    return [" | ".join(read_page(row).words) for row in body.split("<tr>")[2:]]


def test_who_is_a_name_and_a_role_not_an_id(client_as, world: World, anon: TestClient) -> None:  # type: ignore[no-untyped-def]
    admin = client_as("alice_admin")
    admin.get(f"/api/v1/users/{world.users['dan_discharge'].id}")  # a read of a person's record
    page = admin.get("/audit")
    assert page.status_code == 200
    rows = _rows(page.text)
    read = next(r for r in rows if "User viewed" in r)
    assert "Alice Admin" in read and "System administrator" in read and "Icb" in read
    assert "Personal data" in read
    for row in rows:
        assert not UUID.search(row), row
        assert "_" not in row, row
    # The name narrows the log to that person's actions.
    link = re.search(r'href="(/audit\?actor_id=[^"]+)">Alice Admin<', page.text)
    assert link
    narrowed = admin.get(link.group(1).replace("&amp;", "&"))
    assert "Showing only the actions of Alice Admin" in " ".join(read_page(narrowed.text).words)


def test_a_machine_is_named_by_its_key(client_as, world: World, anon: TestClient) -> None:  # type: ignore[no-untyped-def]
    pam = client_as("pam_provider")
    made = pam.post(
        f"/api/v1/organisations/{world.org_id('care_home_a')}/api-keys", json={"name": "Rota system", "access": "read"}
    )
    assert made.status_code == 201
    key = made.json()["key"]
    pam.delete(f"/api/v1/organisations/{world.org_id('care_home_a')}/api-keys/{made.json()['id']}")
    rows = _rows(client_as("alice_admin").get("/audit").text)
    assert any("Pam Provider" in r and "API key revoked" in r for r in rows), rows
    assert key not in " ".join(rows)
