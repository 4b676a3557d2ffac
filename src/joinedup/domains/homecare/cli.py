"""`joinedup roster ...`: solve a rostering instance from a file, with progress and a summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from joinedup.core.errors import field_errors
from joinedup.domains.homecare.solver import (
    check_roster,
    compute_metrics,
    load_instance,
    solve,
    summary_rows,
    write_uhhc_solution,
)

app = typer.Typer(help="Homecare rostering: daily rounds that cut travel and keep continuity.", no_args_is_help=True)
console = Console()


def _errors(exc: ValidationError) -> str:
    return "; ".join(f"{e.field}: {e.message}" for e in field_errors(exc.errors()[:10]))


@app.command("solve")
def solve_command(
    instance: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="UHHC JSON, native JSON or VRPLIB")
    ],
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.1, max=86_400, help="Seconds to search")] = 60.0,
    seed: Annotated[int, typer.Option(min=0, help="Random seed; the same seed reproduces the search")] = 1,
    output: Annotated[Path | None, typer.Option(help="Write the roster here (JSON; .uhhc.json for UHHC)")] = None,
) -> None:
    """Solve INSTANCE and print a summary table; exits 1 if the roster breaks a rule."""
    try:
        problem = load_instance(instance)
    except ValidationError as exc:
        console.print(f"[red]{instance}:[/red] {_errors(exc)}")
        raise typer.Exit(2) from None
    except (ValueError, KeyError, json.JSONDecodeError) as exc:
        console.print(f"[red]{instance}:[/red] {exc}")
        raise typer.Exit(2) from None
    with Progress(
        TextColumn("Solving {task.description}"), BarColumn(), TimeElapsedColumn(), console=console, transient=True
    ) as progress:
        task = progress.add_task(instance.name, total=time_limit)
        roster = solve(
            problem,
            time_limit_s=time_limit,
            seed=seed,
            on_progress=lambda elapsed, limit: progress.update(task, completed=min(elapsed, limit)),
        )
    violations = check_roster(problem, roster)
    metrics = compute_metrics(problem, roster)
    table = Table(title=f"Roster for {roster.instance_name} (seed {seed}, {roster.runtime_s:.1f} s)")
    table.add_column("Measure")
    table.add_column("Value", justify="right")
    for name, value in summary_rows(metrics, len(violations)):
        table.add_row(name, value)
    console.print(table)
    for item in roster.unassigned[:20]:
        console.print(f"Unassigned {item.visit_id} (service {item.service_index}): {item.reason}")
    for v in violations[:20]:
        console.print(f"[red]Violation[/red] {v.model_dump_json()}")
    if output is not None:
        data = (
            write_uhhc_solution(problem, roster)
            if output.name.endswith(".uhhc.json")
            else roster.model_dump(mode="json")
        )
        output.write_text(json.dumps(data, indent=2), encoding="utf-8")
        console.print(f"Roster written to {output}")
    if violations:
        raise typer.Exit(1)
