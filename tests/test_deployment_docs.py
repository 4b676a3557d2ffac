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


def test_the_deployment_guide_covers_the_service_and_names_real_settings_and_scripts() -> None:
    from joinedup.config import Settings

    guide = (ROOT / "docs" / "deployment.md").read_text()
    for heading in ("## The layout", "## Several processes act as one", "## Backups and a tested restore"):
        assert heading in guide
    for heading in ("## Upgrades", "## The container image", "### Settings for production", "### The proxy"):
        assert heading in guide
    named = set(re.findall(r"JOINEDUP_([A-Z_]+[A-Z])\b", guide))
    fields = {name.upper() for name in Settings.model_fields}
    assert {"DATABASE_URL", "SECRET_KEY", "TRUSTED_PROXIES", "ENVIRONMENT"} <= named
    assert named <= fields, f"settings the guide names that do not exist: {named - fields}"
    for path in ("scripts/backup.sh", "scripts/restore.sh", "Containerfile", "tests/test_deployment_backup.py"):
        assert path in guide and (ROOT / path).exists(), path
    assert "joinedup migrate" in guide and "pg_dump" in guide and "pg_restore" in guide
    assert "docs/deployment.md" in (ROOT / "README.md").read_text()
