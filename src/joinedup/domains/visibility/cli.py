"""`joinedup visibility import-history` (a trust's published discharge series) and
`joinedup visibility snapshot` (today's capacity by type of care, for change over time)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from joinedup.config import get_settings
from joinedup.db.session import make_engine, make_session_factory, scoped_session
from joinedup.db.tenancy import Scope
from joinedup.domains.visibility.service import ImportProblem, import_trust_history, snapshot_today
from joinedup.domains.visibility.service.series_import import SHIPPED_DIR, shipped_trusts

app = typer.Typer(help="System visibility: real trust history and capacity snapshots.", no_args_is_help=True)
console = Console()


def default_data_dir() -> Path:
    """JOINEDUP_ENGLAND_DATA (a folder with the national files), else the slice that ships in the
    package (the demo trust, R0A): never a folder that merely happens to be near the checkout."""
    if env := os.environ.get("JOINEDUP_ENGLAND_DATA"):
        return Path(env)
    return SHIPPED_DIR


def _not_shipped(trust: str) -> str | None:
    """Why the shipped slice cannot serve `trust` (None if it can, or if it looks like a slip for
    a trust it holds: the importer then suggests the right code)."""
    code, shipped = trust.strip().upper(), shipped_trusts()
    if code in shipped or code.replace("O", "0") in shipped:
        return None
    return (
        f"joinedup ships the history of {', '.join(sorted(shipped))} only; for {code} pass --data-dir "
        "(or set JOINEDUP_ENGLAND_DATA) to a folder with NHS England's national files (docs/visibility.md)"
    )


@app.command("import-history")
def import_history(
    trust: Annotated[str, typer.Option("--trust", help="The trust's ODS code, e.g. R0A")],
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Folder with the national files (default: JOINEDUP_ENGLAND_DATA, else the shipped R0A slice)",
        ),
    ] = None,
) -> None:
    """Load a trust's daily criteria-to-reside and discharge series and its monthly delay reasons."""
    folder = data_dir or default_data_dir()
    if data_dir is None and folder == SHIPPED_DIR and (problem := _not_shipped(trust)):
        console.print(f"[red]trust:[/red] {problem}", soft_wrap=True)
        raise typer.Exit(2)
    factory = make_session_factory(make_engine(get_settings().database_url))
    try:
        with scoped_session(factory, Scope.system("cli visibility import")) as session:
            result = import_trust_history(session, data_dir=folder, trust_code=trust)
    except ImportProblem as exc:
        label = "trust" if "trust" in str(exc) else "data"
        console.print(f"[red]{label}:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from None
    linked = "linked to its organisation" if result.organisation_id else "not yet registered as an organisation"
    console.print(
        f"{result.trust_name} ({result.trust_code}): {result.days} days "
        f"({result.first_day} to {result.last_day}) and {result.months} months of delay reasons; {linked}."
    )


@app.command("snapshot")
def snapshot() -> None:
    """Store today's free capacity by type of care for every organisation (run once a day)."""
    factory = make_session_factory(make_engine(get_settings().database_url))
    with scoped_session(factory, Scope.system("cli visibility snapshot")) as session:
        rows = snapshot_today(session, settings=get_settings())
    console.print(f"Stored {rows} snapshot rows.")
