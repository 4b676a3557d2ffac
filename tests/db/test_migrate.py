"""Where migrations are found: the source checkout, else the working folder (an installed
package run beside a copy of alembic.ini and migrations/, as in the container image)."""

from __future__ import annotations

from pathlib import Path

import pytest

from joinedup.db import migrate


def test_migrations_come_from_the_source_checkout() -> None:
    assert migrate.alembic_ini() == migrate.ROOT / "alembic.ini"


def test_an_installed_package_finds_migrations_in_the_working_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(migrate, "ROOT", tmp_path / "site-packages")  # no alembic.ini beside the package
    monkeypatch.chdir(Path(__file__).resolve().parents[2])  # the project folder, as WORKDIR /app
    assert migrate.alembic_ini() == Path.cwd() / "alembic.ini"
    config = migrate.alembic_config("sqlite:///x.db")
    assert Path(config.get_main_option("script_location") or "").joinpath("env.py").exists()


def test_no_migrations_anywhere_says_where_it_looked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(migrate, "ROOT", tmp_path / "site-packages")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="run from the project folder"):
        migrate.alembic_ini()
