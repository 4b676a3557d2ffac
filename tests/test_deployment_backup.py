"""Backups and a tested restore (PostgreSQL): scripts/backup.sh then scripts/restore.sh give a
database with every row of every table, the schema at the same revision, and the audit log still
append-only. Defined in the PostgreSQL lane, never skipped."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from joinedup.db.migrate import schema_problem
from joinedup.db.registry import metadata
from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[1]


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {t.name: conn.scalar(select(func.count()).select_from(t)) or 0 for t in metadata.sorted_tables}
    engine.dispose()
    return counts


def _script(name: str, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JOINEDUP_DATABASE_URL": url}
    command = [str(ROOT / "scripts" / name), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_backup_refuses_a_database_that_is_not_postgresql(tmp_path: Path) -> None:
    done = _script("backup.sh", f"sqlite:///{tmp_path / 'joinedup.db'}")
    assert done.returncode == 2 and "JOINEDUP_DATABASE_URL" in done.stderr


if PG_URL:

    @pytest.mark.slow
    def test_a_backup_restores_every_row_into_a_new_database(database_url, world, client_as, tmp_path) -> None:
        # Rows in most tables: the world, a web session, an audited change and its event.
        admin = client_as("alice_admin")
        renamed = admin.patch(f"/api/v1/organisations/{world.org_id('care_home_a')}", json={"name": "Backed Up"})
        assert renamed.status_code == 200
        before = _counts(database_url)
        assert before["audit_events"] > 0 and before["outbox_events"] > 0 and before["users"] > 0

        backup = _script("backup.sh", database_url, str(tmp_path / "joinedup.dump"))
        assert backup.returncode == 0, backup.stderr
        assert Path(backup.stdout.strip()).stat().st_size > 0

        name = f"joinedup_restore_{uuid.uuid4().hex[:10]}"
        admin_engine = create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin_engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        restored = make_url(database_url).set(database=name).render_as_string(hide_password=False)
        try:
            done = _script("restore.sh", restored, str(tmp_path / "joinedup.dump"))
            assert done.returncode == 0, done.stderr
            assert _counts(restored) == before
            assert schema_problem(restored) is None  # the same revision: nothing to migrate
            engine = create_engine(restored)
            with pytest.raises(DBAPIError), engine.begin() as conn:  # still append-only
                conn.execute(text("UPDATE audit_events SET action = 'tampered'"))
            engine.dispose()
            again = _script("restore.sh", restored, str(tmp_path / "joinedup.dump"))
            assert again.returncode == 2 and "not empty" in again.stderr  # never over live data
        finally:
            with admin_engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin_engine.dispose()
