"""Failed sign-ins, lockouts and a throttled address are audited: the same row whether or not the
account exists, never the password or the account name, visible to the account's administrators."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.core.audit import AuditEvent
from joinedup.db.tenancy import Scope
from tests.personas import PASSWORD

WRONG = "not the password, but long"
MESSAGE = ("action", "actor_type", "actor_id", "actor_role", "record_type", "personal_data", "channel", "detail")


def _csrf(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert match
    return match.group(1)


def _sign_in(client: TestClient, email: str, password: str) -> int:
    data = {"email": email, "password": password, "csrf_token": _csrf(client)}
    return int(client.post("/login", data=data, follow_redirects=False).status_code)


def _security_rows(session_factory: Any) -> list[AuditEvent]:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        return list(
            s.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.in_(["auth.sign_in_failed", "auth.locked_out", "auth.address_blocked"]))
                .order_by(AuditEvent.id)
            )
        )


def _text(row: AuditEvent) -> str:
    return " ".join(str(getattr(row, c.key)) for c in AuditEvent.__table__.columns).lower()


def test_failures_and_a_lockout_are_audited_alike_for_known_and_unknown_accounts(
    anon, world, settings, session_factory
) -> None:
    accounts = ("bob_provider@example.test", "ghost@example.test")
    for email in accounts:
        for _ in range(settings.login_max_failures):
            assert _sign_in(anon, email, WRONG) == 401
        assert _sign_in(anon, email, PASSWORD) == 401  # locked: even the right password fails
    rows = _security_rows(session_factory)
    per_account: dict[str | None, list[AuditEvent]] = {}
    for row in rows:
        per_account.setdefault(row.record_id, []).append(row)
    assert len(per_account) == 2 and None not in per_account
    bob, ghost = per_account.values()
    actions = [r.action for r in bob]
    assert actions.count("auth.sign_in_failed") == settings.login_max_failures + 1
    assert actions.count("auth.locked_out") == 1
    assert [r.detail.get("outcome") for r in bob if r.action == "auth.sign_in_failed"][-1] == "refused while locked"

    def message(row: AuditEvent) -> tuple[Any, ...]:
        return tuple(getattr(row, name) for name in MESSAGE)

    # The same rows, in the same order, for an account that exists and one that does not.
    assert [message(r) for r in bob] == [message(r) for r in ghost]
    for row in rows:
        text = _text(row)
        assert WRONG.lower() not in text and PASSWORD.lower() not in text
        assert "bob_provider" not in text and "ghost" not in text  # the account name is not stored
        assert world.users["bob_provider"].id not in text
        assert row.client_ip == "testclient"


def test_administrators_see_failed_sign_ins_on_their_peoples_accounts(anon, client_as, world) -> None:
    assert _sign_in(anon, "bob_provider@example.test", WRONG) == 401
    params = {"action": "auth.sign_in_failed"}
    alice = client_as("alice_admin").get("/api/v1/audit-events", params=params).json()["items"]
    otto = client_as("otto_other_admin").get("/api/v1/audit-events", params=params).json()["items"]
    assert len(alice) == 1 and alice[0]["organisation_id"] == world.org_id("care_home_b")
    assert otto == []


def test_an_address_that_reaches_its_limit_is_audited_once(app, world, settings, session_factory) -> None:
    settings.login_ip_limit = 3
    with TestClient(app, raise_server_exceptions=False) as client:
        for i in range(5):
            _sign_in(client, f"someone{i}@example.test", WRONG)
    blocked = [r for r in _security_rows(session_factory) if r.action == "auth.address_blocked"]
    assert len(blocked) == 1 and blocked[0].client_ip == "testclient" and blocked[0].record_id is None
