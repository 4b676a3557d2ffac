"""Fixtures for the rostering engine tests: small hand-made instances and the
published benchmark folder (``../shared/data/benchmarks`` next to the repo, or
``JOINEDUP_BENCHMARKS``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from joinedup.domains.homecare.solver import Instance

REPO = Path(__file__).resolve().parents[3]


def _benchmarks_dir() -> Path:
    """JOINEDUP_BENCHMARKS, else the shared folder beside the checkout, else the machine's /work/shared."""
    if configured := os.environ.get("JOINEDUP_BENCHMARKS"):
        return Path(configured)
    candidates = [REPO.parent / "shared" / "data" / "benchmarks", Path("/work/shared/data/benchmarks")]
    return next((c for c in candidates if c.is_dir()), candidates[0])


BENCHMARKS = _benchmarks_dir()


def line_matrix(n: int, step: float = 10.0) -> list[list[float]]:
    """Travel times between n points on a line, ``step`` minutes apart."""
    return [[abs(i - j) * step for j in range(n)] for i in range(n)]


def small_instance(**overrides: Any) -> Instance:
    """Office at 0, three homes at 1-3, two carers with different skills."""
    data: dict[str, Any] = {
        "name": "small",
        "travel_times": {"car": line_matrix(4)},
        "carers": [
            {"id": "ann", "home": 0, "skills": ["personal", "meds"], "shift": {"start": 0, "end": 600}},
            {"id": "bob", "home": 0, "skills": ["personal"], "shift": {"start": 0, "end": 600}},
        ],
        "recipients": [
            {
                "id": "r1",
                "location": 1,
                "visits": [
                    {"id": "v1", "window": {"start": 60, "end": 120}, "services": [{"skill": "meds", "duration": 30}]}
                ],
            },
            {
                "id": "r2",
                "location": 2,
                "visits": [
                    {
                        "id": "v2",
                        "window": {"start": 60, "end": 180},
                        "services": [{"skill": "personal", "duration": 30}],
                    }
                ],
            },
            {
                "id": "r3",
                "location": 3,
                "visits": [
                    {
                        "id": "v3",
                        "window": {"start": 200, "end": 260},
                        "services": [{"skill": "personal", "duration": 45}, {"skill": "personal", "duration": 45}],
                        "sync": {"kind": "simultaneous"},
                    }
                ],
            },
        ],
    }
    data.update(overrides)
    return Instance.model_validate(data)


@pytest.fixture
def small() -> Instance:
    return small_instance()


@pytest.fixture
def benchmarks() -> Path:
    if not BENCHMARKS.is_dir():
        pytest.skip(f"published benchmark instances not found at {BENCHMARKS}")
    return BENCHMARKS
