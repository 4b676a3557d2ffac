"""`joinedup roster solve`: a roster and a summary table from a file, clear errors for bad files."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from joinedup.cli import app

runner = CliRunner()

INSTANCE = {
    "name": "two-homes",
    "travel_times": {"car": [[0, 10, 20], [10, 0, 10], [20, 10, 0]]},
    "carers": [{"id": "ann", "home": 0, "skills": ["personal"], "shift": {"start": 0, "end": 600}}],
    "recipients": [
        {
            "id": "r1",
            "location": 1,
            "visits": [
                {"id": "v1", "window": {"start": 60, "end": 120}, "services": [{"skill": "personal", "duration": 30}]}
            ],
        },
        {
            "id": "r2",
            "location": 2,
            "visits": [
                {"id": "v2", "window": {"start": 60, "end": 240}, "services": [{"skill": "personal", "duration": 30}]}
            ],
        },
    ],
}


def test_solve_prints_a_summary_and_writes_a_roster(tmp_path: Path) -> None:
    source = tmp_path / "instance.json"
    source.write_text(json.dumps(INSTANCE))
    out = tmp_path / "roster.json"
    result = runner.invoke(
        app, ["roster", "solve", str(source), "--time-limit", "1", "--seed", "1", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Constraint violations" in result.output and "Travel time" in result.output
    roster = json.loads(out.read_text())
    stops = [s["visit_id"] for route in roster["routes"] for s in route["stops"]]
    assert sorted(stops) == ["v1", "v2"] and roster["unassigned"] == []


def test_a_bad_instance_is_an_error_naming_the_record(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(INSTANCE))
    bad["recipients"][0]["visits"][0]["window"] = {"start": 120, "end": 60}
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(bad))
    result = runner.invoke(app, ["roster", "solve", str(source), "--time-limit", "1"])
    assert result.exit_code == 2
    assert "window" in result.output


def test_help_names_the_options() -> None:
    result = runner.invoke(app, ["roster", "solve", "--help"])
    assert result.exit_code == 0
    for option in ("--time-limit", "--seed", "--output"):
        assert option in result.output
