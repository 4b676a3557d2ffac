from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from joinedup.cli import app


def test_design_writes_a_design_and_a_map(tmp_path: Path) -> None:
    out, svg = tmp_path / "design.json", tmp_path / "map.svg"
    result = CliRunner().invoke(
        app,
        [
            "neighbourhoods",
            "design",
            "--locality",
            "West",
            "--recipients",
            "300",
            "--target",
            "100",
            "--output",
            str(out),
            "--map",
            str(svg),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Balance" in result.output
    saved = json.loads(out.read_text())
    assert saved["target"] == 100 and len(set(saved["assignment"].values())) == 3
    assert svg.read_bytes().startswith(b"<?xml")


@pytest.mark.slow  # whole designs or rosters: seconds each
def test_compare_on_a_small_area(tmp_path: Path) -> None:
    result = CliRunner(env={"JOINEDUP_EXECUTOR": "inline"}).invoke(
        app,
        [
            "neighbourhoods",
            "compare",
            "--locality",
            "West",
            "--recipients",
            "80",
            "--target",
            "40",
            "--providers",
            "3",
            "--days",
            "1",
            "--seconds-per-100-visits",
            "0.1",
            "--out-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "travel_cut_pct" in result.output and "Comparison" in result.output
    assert (tmp_path / "comparison.csv").read_text().startswith("measure,framework")
    assert (tmp_path / "comparison.svg").exists() and (tmp_path / "map.svg").exists()


def test_unknown_locality_and_bad_demand_are_named(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["neighbourhoods", "design", "--locality", "Atlantis"])
    assert result.exit_code != 0 and "Atlantis" in result.output
    bad = tmp_path / "demand.csv"
    bad.write_text(
        "person_id,postcode,slot,earliest,latest,duration_min,carers,time_critical\n"
        "X1,ZZ9 9ZZ,morning,07:00,08:00,30,1,yes\n"
    )
    result = runner.invoke(app, ["neighbourhoods", "design", "--demand", str(bad)])
    assert result.exit_code == 2 and "ZZ9 9ZZ" in result.output and "row 2" in result.output
