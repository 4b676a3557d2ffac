"""Bad input gives a clear error naming the record, or a roster that lists
what could not be assigned and why; never a crash or a silently wrong roster."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from joinedup.domains.homecare.solver import check_roster, load_instance, read_uhhc, solve

from .conftest import small_instance


def recipients() -> list[dict[str, Any]]:
    return [r.model_dump() for r in small_instance().recipients]


def test_unknown_field_is_rejected_naming_the_record() -> None:
    recs = recipients()
    recs[1]["visits"][0]["colour"] = "blue"
    with pytest.raises(ValidationError) as err:
        small_instance(recipients=recs)
    assert "colour" in str(err.value) and "recipients.1.visits.0" in str(err.value)


def test_negative_duration_is_rejected() -> None:
    recs = recipients()
    recs[0]["visits"][0]["services"][0]["duration"] = -5
    with pytest.raises(ValidationError, match=r"recipients\.0\.visits\.0\.services\.0\.duration"):
        small_instance(recipients=recs)


def test_window_ending_before_it_starts_is_rejected() -> None:
    recs = recipients()
    recs[1]["visits"][0]["window"] = {"start": 200, "end": 100}
    with pytest.raises(ValidationError, match=r"ends .* before it starts"):
        small_instance(recipients=recs)


def test_unknown_carer_reference_is_rejected() -> None:
    recs = recipients()
    recs[0]["usual_carers"] = ["nobody"]
    with pytest.raises(ValidationError, match="recipient r1: usual_carers names unknown carers"):
        small_instance(recipients=recs)


def test_negative_travel_time_is_rejected() -> None:
    matrix = [[0.0, -1.0, 0.0, 0.0]] + [[0.0] * 4 for _ in range(3)]
    with pytest.raises(ValidationError, match="negative"):
        small_instance(travel_times={"car": matrix})


def test_skill_nobody_has_is_unassigned_with_reason() -> None:
    recs = recipients()
    recs[1]["visits"][0]["services"][0]["skill"] = "peg feeding"
    inst = small_instance(recipients=recs)
    roster = solve(inst, time_limit_s=2, seed=1, iterations=50)
    reasons = {u.visit_id: u.reason for u in roster.unassigned}
    assert "peg feeding" in reasons["v2"]
    assert check_roster(inst, roster) == []
    assert {s.visit_id for r in roster.routes for s in r.stops} == {"v1", "v3"}


def test_double_up_with_one_able_carer_is_unassigned_with_reason() -> None:
    recs = recipients()
    recs[2]["visits"][0]["services"][1]["skill"] = "meds"  # only ann has meds...
    recs[2]["visits"][0]["services"][0]["skill"] = "meds"  # ...and both need it
    inst = small_instance(recipients=recs)
    roster = solve(inst, time_limit_s=2, seed=1, iterations=50)
    reasons = [u.reason for u in roster.unassigned if u.visit_id == "v3"]
    assert len(reasons) == 2 and "two different carers" in reasons[0]
    assert check_roster(inst, roster) == []


def test_unreachable_visit_is_unassigned_not_late() -> None:
    recs = recipients()
    recs[0]["visits"][0]["window"] = {"start": 0, "end": 5}  # 10 minutes away, hard end at 5
    inst = small_instance(recipients=recs)
    roster = solve(inst, time_limit_s=2, seed=1, iterations=50)
    assert [u.visit_id for u in roster.unassigned] == ["v1"]
    assert check_roster(inst, roster) == []


def test_uhhc_unknown_field_names_the_patient(benchmarks: Path) -> None:
    data = json.loads((benchmarks / "hhc-mankowska" / "InstanzCPLEX_HCSRP_10_1.json").read_text())
    data["patients"][3]["mood"] = "cheerful"
    with pytest.raises(ValueError, match="patient p4: unsupported UHHC fields"):
        read_uhhc(data)


def test_uhhc_inverted_window_is_rejected(benchmarks: Path) -> None:
    data = json.loads((benchmarks / "hhc-mankowska" / "InstanzCPLEX_HCSRP_10_1.json").read_text())
    data["patients"][0]["time_windows"] = [{"start": 400, "end": 300}]
    with pytest.raises(ValidationError, match="before it starts"):
        read_uhhc(data)


def test_unrecognised_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(ValueError, match="neither JSON"):
        load_instance(path)
