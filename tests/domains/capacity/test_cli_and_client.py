"""`joinedup push` through the reference client against a live server; `joinedup simulate-capacity`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from joinedup.capacity_client import CapacityClient, CapacityError
from joinedup.cli import app as cli
from joinedup.config import get_settings
from joinedup.core.auth.models import AccessLevel
from joinedup.db.tenancy import Scope
from joinedup.domains.capacity.models import CapacityUpdateRow
from tests.domains.capacity.conftest import SERVICE, api_key_for, update
from tests.live_server import serve

runner = CliRunner()


def _updates(session_factory) -> int:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        return int(s.scalar(select(func.count()).select_from(CapacityUpdateRow)) or 0)


def test_push_json_and_csv_through_the_reference_client(app, world, session_factory, tmp_path: Path) -> None:
    key = api_key_for(session_factory, world, "care_home_a", "pam_provider", AccessLevel.READ_WRITE)
    with serve(app) as base:
        client = CapacityClient(base, api_key=key)
        assert client.put_service("home-1", SERVICE)["provider_service_id"] == "home-1"
        file = tmp_path / "updates.json"
        file.write_text(json.dumps({"updates": [update("p1"), update("p2", minutes_ago=1)]}))
        result = runner.invoke(cli, ["push", str(file), "--url", base, "--api-key", key])
        assert result.exit_code == 0, result.output
        assert "2 stored (2 changed the current state)" in result.output
        again = runner.invoke(cli, ["push", str(file), "--url", base, "--api-key", key])
        assert "2 already received" in again.output
        assert client.capacity("home-1")["sections"]["beds"]["update_id"] == "p2"
        bad = tmp_path / "bad.csv"
        template = client.request("GET", "/api/v1/capacity/updates/template.csv").splitlines()[0]
        bad.write_text(template + "\nx,home-1,2026-11-20T09:00:00+00:00,S,accepting,,nursing,1,2,0,0,0,0,,,,,,\n")
        checked = runner.invoke(cli, ["push", str(bad), "--url", base, "--api-key", key, "--dry-run"])
        assert checked.exit_code == 1 and "row 2, staffed" in checked.output
        with pytest.raises(CapacityError) as refused:
            list(client.push([update("p3", service="not-mine")]))
        assert refused.value.problem["errors"][0]["field"] == "body.updates.0.provider_service_id"
    assert _updates(session_factory) == 2


def test_simulator_keeps_the_demo_changing(monkeypatch: pytest.MonkeyPatch, database_url: str, session_factory) -> None:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", database_url)
    monkeypatch.setenv("JOINEDUP_ENVIRONMENT", "development")
    get_settings.cache_clear()
    try:
        assert runner.invoke(cli, ["seed"]).exit_code == 0
        seeded = _updates(session_factory)
        assert seeded == 65
        result = runner.invoke(cli, ["simulate-capacity", "--rounds", "2", "--interval", "0", "--changes", "4"])
        assert result.exit_code == 0, result.output
        assert _updates(session_factory) == seeded + 8
    finally:
        get_settings.cache_clear()
