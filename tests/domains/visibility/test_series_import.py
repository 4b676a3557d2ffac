"""Importing a trust's published discharge series: real rows, idempotent, clear errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from joinedup.demo.seed import DATA
from joinedup.domains.visibility.models import TrustDaily, TrustDelayMonthly
from joinedup.domains.visibility.service.series_import import (
    ImportProblem,
    care_group_of,
    clean_reason,
    import_trust_history,
    stage_of,
)

SLICE = DATA / "england_r0a"
SHARED = Path("/work/shared/data/england")


def test_demo_slice_loads_the_trusts_real_history(system_session, world) -> None:  # type: ignore[no-untyped-def]
    result = import_trust_history(system_session, data_dir=SLICE, trust_code="r0a")
    assert (result.trust_code, result.days, result.months) == ("R0A", 1065, 12)
    assert (result.first_day, result.last_day) == (date(2022, 4, 1), date(2025, 2, 28))
    first = system_session.scalars(select(TrustDaily).where(TrustDaily.day == date(2022, 4, 1))).one()
    # The published values for that day (england_trust_criteria_to_reside.csv, discharged_patients.csv).
    assert first.not_meeting_criteria == 535.0
    delays = system_session.scalars(select(TrustDelayMonthly).where(TrustDelayMonthly.month == date(2024, 6, 1))).all()
    assert len(delays) == 37
    assert {d.stage for d in delays} == {"hospital", "care_transfer_hub", "capacity", "interface", "wellbeing"}


def test_importing_again_replaces_rather_than_duplicates(system_session, world) -> None:  # type: ignore[no-untyped-def]
    import_trust_history(system_session, data_dir=SLICE, trust_code="R0A")
    import_trust_history(system_session, data_dir=SLICE, trust_code="R0A")
    assert system_session.scalar(select(func.count()).select_from(TrustDaily)) == 1065
    assert system_session.scalar(select(func.count()).select_from(TrustDelayMonthly)) == 444


def test_unknown_trust_is_named_with_suggestions(system_session) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportProblem, match=r"no NHS trust with ODS code 'ROA'.*did you mean R0A"):
        import_trust_history(system_session, data_dir=SLICE, trust_code="ROA")
    with pytest.raises(ImportProblem, match="does not exist"):
        import_trust_history(system_session, data_dir=Path("/no/such/folder"), trust_code="R0A")


def test_delay_reasons_map_to_stage_and_care_group() -> None:
    reason = clean_reason("Capacity \u2013 Residential/nursing home care not yet available\xa0(Pathway 3)")
    assert stage_of(reason) == "capacity"
    assert care_group_of(reason) == "care_home"
    assert stage_of("Hospital process - Awaiting medical review") == "hospital"
    assert care_group_of("Hospital process \u2013 Awaiting patient transport services") is None


@pytest.mark.skipif(not SHARED.is_dir(), reason="the full England files live in shared/data")
def test_any_trust_from_the_full_published_files(system_session) -> None:  # type: ignore[no-untyped-def]
    result = import_trust_history(system_session, data_dir=SHARED, trust_code="RAJ")
    assert result.trust_name.startswith("Mid And South Essex")
    assert result.days > 1000 and result.months == 12
    assert result.organisation_id is None  # not registered here: kept, seen by no one yet


def test_cli_reports_unknown_trust_with_exit_code_2(tmp_path, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from joinedup.cli import app

    monkeypatch.setenv("JOINEDUP_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    bad = runner.invoke(app, ["visibility", "import-history", "--trust", "ZZZ", "--data-dir", str(SLICE)])
    assert bad.exit_code == 2
    assert "no NHS trust with ODS code 'ZZZ'" in bad.output
    good = runner.invoke(app, ["visibility", "import-history", "--trust", "R0A", "--data-dir", str(SLICE)])
    assert good.exit_code == 0, good.output
    assert "1065 days" in good.output
