"""What a newcomer and an operator read first: the licence, how to contribute, how to deploy."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_licence() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Licence", 1)[1]
    return section.strip().splitlines()[0]


def test_the_licence_file_is_the_licence_the_readme_and_the_package_name() -> None:
    licence = (ROOT / "LICENSE").read_text()
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]["text"]
    assert declared == "MIT"
    assert licence.startswith("MIT License")
    assert "Permission is hereby granted, free of charge" in licence
    assert re.search(r"Copyright \(c\) \d{4}", licence)
    assert _readme_licence().startswith("MIT for the code")
    assert "LICENSE" in _readme_licence()


def test_contributing_says_how_to_test_where_the_house_plan_is_and_how_to_add_a_domain() -> None:
    guide = (ROOT / "CONTRIBUTING.md").read_text()
    assert 'pytest -m "not slow"' in guide
    assert "./scripts/test.sh" in guide
    assert "docs/architecture.md" in guide
    # The section it points a new domain at exists under that name.
    assert "Where a new capability goes" in guide
    assert "## Where a new capability goes" in (ROOT / "docs" / "architecture.md").read_text()
    assert "CONTRIBUTING.md" in (ROOT / "README.md").read_text()
