"""The audit log: written with the change, reads of personal data included, append-only,
searchable and exportable by administrators only."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DatabaseError

from joinedup.core.audit import AuditEvent
from joinedup.db.tenancy import Scope
from joinedup.domains.organisations.models import Organisation


def _audit_rows(session_factory, **where: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        stmt = select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)
        return list(s.scalars(stmt).all())


def test_a_change_writes_its_audit_row_with_who_for_whom_what_and_from_where(client_as, world, session_factory) -> None:
    r = client_as("alice_admin").post(
        "/api/v1/organisations",
        json={"name": "Sunrise House", "type": "care_home_provider"},
        headers={"X-Request-Id": "req-123"},
    )
    assert r.status_code == 201
    (row,) = _audit_rows(session_factory, action="organisation.create")
    assert row.actor_id == world.users["alice_admin"].id
    assert row.actor_role == "system_administrator"
    assert row.organisation_id == world.org_id("icb")
    assert row.record_id == r.json()["id"]
    assert row.client_ip and row.channel == "api" and row.request_id == "req-123"


def test_reading_a_person_is_audited_as_personal_data(client_as, world, session_factory) -> None:
    target = world.users["pam_provider"].id
    assert client_as("alice_admin").get(f"/api/v1/users/{target}").status_code == 200
    (row,) = _audit_rows(session_factory, action="user.read")
    assert row.personal_data and row.record_id == target


def test_a_failed_write_leaves_neither_record_nor_audit_row(client_as, world, session_factory) -> None:
    admin = client_as("alice_admin")
    body = {
        "email": "new.person@nhs.net",
        "display_name": "New Person",
        "password": "a long enough password",
        "memberships": [
            {"organisation_id": world.org_id("trust"), "role": "clinician"},
            {"organisation_id": world.org_id("other_icb"), "role": "clinician"},
        ],
    }
    r = admin.post("/api/v1/users", json=body)
    assert r.status_code == 403
    assert r.json()["errors"][0]["field"] == "body.memberships.1.organisation_id"
    assert _audit_rows(session_factory, action="user.create") == []
    assert admin.get("/api/v1/users").json()["items"] and all(
        u["email"] != "new.person@nhs.net" for u in admin.get("/api/v1/users").json()["items"]
    )


def test_audit_rows_cannot_be_changed_or_deleted_even_with_raw_sql(client_as, session_factory) -> None:
    client_as("alice_admin").get("/api/v1/users")
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        row = s.scalars(select(AuditEvent)).first()
        assert row is not None
        row.action = "tampered"
        with pytest.raises(PermissionError):
            s.flush()
        s.rollback()
    for statement in ("UPDATE audit_events SET action = 'tampered'", "DELETE FROM audit_events"):
        with session_factory() as s, pytest.raises(DatabaseError):
            s.execute(text(statement))
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        with pytest.raises(DatabaseError):  # bulk UPDATE skips ORM events; the trigger still refuses
            s.execute(update(AuditEvent).values(action="x"))
        s.rollback()
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "tampered")) == 0


def test_administrator_searches_the_audit_log_newest_first(client_as, world) -> None:
    admin = client_as("alice_admin")
    admin.get(f"/api/v1/users/{world.users['dan_discharge'].id}")
    admin.get(f"/api/v1/users/{world.users['pam_provider'].id}")
    r = admin.get("/api/v1/audit-events", params={"action": "user.read", "limit": 1})
    assert r.status_code == 200
    first = r.json()
    assert [e["record_id"] for e in first["items"]] == [world.users["pam_provider"].id]
    second = admin.get(
        "/api/v1/audit-events", params={"action": "user.read", "limit": 1, "cursor": first["next_cursor"]}
    ).json()
    assert [e["record_id"] for e in second["items"]] == [world.users["dan_discharge"].id]
    prefix = admin.get("/api/v1/audit-events", params={"action": "user."}).json()["items"]
    assert {e["action"] for e in prefix} == {"user.read"}


def test_administrators_of_another_system_do_not_see_this_systems_audit(client_as) -> None:
    client_as("alice_admin").get("/api/v1/users")
    assert (
        client_as("otto_other_admin").get("/api/v1/audit-events", params={"action": "user.list"}).json()["items"] == []
    )


def test_audit_export_is_csv_and_is_itself_audited(client_as, world, session_factory) -> None:
    admin = client_as("alice_admin")
    admin.post("/api/v1/organisations", json={"name": "=HYPERLINK(evil)", "type": "council"})
    r = admin.get("/api/v1/audit-events.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert any(row["action"] == "organisation.create" for row in rows)
    assert {"occurred_at", "actor_id", "organisation_id", "action", "record_id", "client_ip"} <= set(rows[0])
    assert len(_audit_rows(session_factory, action="audit.export")) == 1


def test_audit_export_refuses_rather_than_truncates(client_as, settings) -> None:
    admin = client_as("alice_admin")
    for _ in range(3):
        admin.get("/api/v1/users")
    settings.audit_export_max_rows = 2
    r = admin.get("/api/v1/audit-events.csv")
    assert r.status_code == 413 and "narrow" in r.json()["detail"]


def test_since_after_until_names_the_field(client_as) -> None:
    r = client_as("alice_admin").get(
        "/api/v1/audit-events", params={"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.until"


def test_audit_viewer_page_lists_events(client_as, world) -> None:
    admin = client_as("alice_admin")
    admin.get(f"/api/v1/users/{world.users['dan_discharge'].id}")
    page = admin.get("/audit", params={"action": "user.read"})
    assert page.status_code == 200
    assert "user.read" in page.text and "Personal data" in page.text


def test_organisation_names_in_audit_are_not_personal(system_session, world) -> None:
    # Guard for the CSV: organisation rows carry no personal fields.
    assert not {"email", "display_name"} & set(Organisation.__table__.columns.keys())
