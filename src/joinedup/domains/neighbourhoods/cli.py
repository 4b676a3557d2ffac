"""`joinedup neighbourhoods design|compare`: design neighbourhoods and compare the scenarios."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .areas import area_for
from .engine.adjacency import Barriers
from .engine.area import Area
from .engine.demand import Demand, DemandError, generate_demand, load_demand_csv
from .engine.design import Design, DesignError, design_neighbourhoods
from .engine.pipeline import compare, design_from_json, design_to_json
from .engine.scenarios import ScenarioSettings
from .report import design_rows, headers, plot_comparison, plot_map, rows_for_display, to_csv
from .road_times import calibrated_travel

app = typer.Typer(
    help="Neighbourhood homecare: design neighbourhoods, compare with framework commissioning.", no_args_is_help=True
)
console = Console()

Localities = Annotated[list[str] | None, typer.Option("--locality", help="Only this council locality (repeatable)")]
Recipients = Annotated[int, typer.Option(min=1, max=100_000, help="Synthetic recipients to generate")]
DemandCsv = Annotated[
    Path | None, typer.Option("--demand", exists=True, dir_okay=False, help="A council's CSV extract")
]
Target = Annotated[float, typer.Option(min=1, help="Neighbourhood size: recipients, or care hours a day")]
Measure = Annotated[str, typer.Option(help="recipients or care_hours")]
SplitLocalities = Annotated[bool, typer.Option("--within-localities", help="Keep each neighbourhood in one locality")]


def _demand(
    area_localities: list[str] | None, recipients: int, seed: int, csv_path: Path | None
) -> tuple[Area, Demand]:
    try:
        area = area_for(area_localities)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--locality") from exc
    try:
        demand: Demand = (
            load_demand_csv(csv_path.read_text(encoding="utf-8"), area)
            if csv_path
            else generate_demand(area, recipients, seed)
        )
    except DemandError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    label = f"synthetic (seed {seed})" if demand.synthetic else f"loaded from {csv_path}"
    console.print(f"{area.name}: {len(demand.people)} recipients, {demand.visits} visits a day, {label}")
    return area, demand


def _design(
    area: Area, demand: Demand, target: float, measure: str, within: bool, seed: int, saved: Path | None
) -> Design:
    barriers = Barriers(localities=within) if within else None
    try:
        if saved:
            return design_from_json(saved.read_text(encoding="utf-8"), area, demand, barriers)
        return design_neighbourhoods(area, demand, target, measure=measure, barriers=barriers, seed=seed)
    except DesignError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


def _print_design(design: Design, area: Area) -> None:
    table = Table(title=f"Neighbourhoods (target {design.target:g} {design.measure})")
    for col in ("neighbourhood", "lsoas", "size", "deviation_pct", "compactness"):
        table.add_column(col.replace("_", " "), justify="right")
    for row in design_rows(design, area):
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)
    console.print("Balance: " + ", ".join(f"{k} {v}" for k, v in design.balance().items()))


@app.command("design")
def design_command(
    locality: Localities = None,
    recipients: Recipients = 2000,
    seed: int = 1,
    demand_csv: DemandCsv = None,
    target: Target = 200,
    measure: Measure = "recipients",
    within_localities: SplitLocalities = False,
    output: Annotated[Path | None, typer.Option(help="Write the design (JSON) here")] = None,
    map_file: Annotated[Path | None, typer.Option("--map", help="Write a map (.svg or .png) here")] = None,
) -> None:
    """Partition the area into contiguous, balanced neighbourhoods."""
    area, demand = _demand(locality, recipients, seed, demand_csv)
    design = _design(area, demand, target, measure, within_localities, seed, None)
    _print_design(design, area)
    if output:
        output.write_text(design_to_json(design), encoding="utf-8")
    if map_file:
        map_file.write_bytes(plot_map(design, area, map_file.suffix.lstrip(".") or "svg"))


@app.command("compare")
def compare_command(
    locality: Localities = None,
    recipients: Recipients = 2000,
    seed: int = 1,
    demand_csv: DemandCsv = None,
    target: Target = 200,
    measure: Measure = "recipients",
    within_localities: SplitLocalities = False,
    design_file: Annotated[Path | None, typer.Option("--design", exists=True, help="A saved design (JSON)")] = None,
    providers: Annotated[int, typer.Option(min=1, max=500, help="K framework providers")] = 20,
    seconds_per_100_visits: Annotated[float, typer.Option(min=0.05, max=60)] = 0.6,
    days: Annotated[int, typer.Option(min=1, max=28, help="Days in the measured week")] = 7,
    out_dir: Annotated[Path | None, typer.Option(help="Write comparison.csv, comparison.svg and map.svg here")] = None,
) -> None:
    """Roster framework, neighbourhood and flexible-time scenarios on the same demand."""
    area, demand = _demand(locality, recipients, seed, demand_csv)
    design = _design(area, demand, target, measure, within_localities, seed, design_file)
    _print_design(design, area)
    settings = ScenarioSettings(
        providers=providers, seconds_per_100_visits=seconds_per_100_visits, days=days, seed=seed
    )
    with Progress(
        TextColumn("Rostering"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as bar:
        job = bar.add_task("groups", total=None)
        result = compare(
            area,
            demand,
            design,
            calibrated_travel(),
            settings=settings,
            on_done=lambda done, total: bar.update(job, completed=done, total=total),
        )
    table = Table(title="Comparison" + (" (PARTIAL: some groups failed)" if result.run.partial else ""))
    for i, h in enumerate(headers(result.table)):
        table.add_column(h, justify="left" if i == 0 else "right")
    for row in rows_for_display(result.table):
        table.add_row(*row)
    console.print(table)
    for scenario, failed in result.run.failures.items():
        for line in failed:
            console.print(f"[red]{scenario}: {line}[/red]")
    console.print(result.headline())
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "comparison.csv").write_text(to_csv(result.table, design), encoding="utf-8")
        (out_dir / "comparison.svg").write_bytes(plot_comparison(result.table))
        (out_dir / "map.svg").write_bytes(plot_map(design, area))
        (out_dir / "design.json").write_text(design_to_json(design), encoding="utf-8")
        console.print(f"Report files in {out_dir}")
