"""Comparison report: figures per scenario side by side, CSV, plots and a map (matplotlib)."""

from __future__ import annotations

import csv
import io
from typing import Any

from .area import Area
from .design import Design, compactness
from .scenarios import SCENARIOS, ScenarioRun

# (key, label, format) for the comparison table, in display order
COLUMNS: list[tuple[str, str, str]] = [
    ("recipients", "Recipients", "{:.0f}"),
    ("visits_per_day", "Visits a day", "{:.0f}"),
    ("groups", "Rostering groups", "{:.0f}"),
    ("workforce", "Care workers employed", "{:.0f}"),
    ("carers_per_day", "Carers on duty a day", "{:.1f}"),
    ("travel_share_pct", "Travel, % of paid time", "{:.1f}"),
    ("travel_min_per_visit", "Travel minutes per visit", "{:.2f}"),
    ("trips_per_visit", "Journeys per visit (home legs included)", "{:.2f}"),
    ("driving_min_per_visit", "Travel minutes per visit less the fixed overhead per journey", "{:.2f}"),
    ("care_hours_per_carer", "Care hours per carer a day", "{:.2f}"),
    ("late_services_per_day", "Late visits a day", "{:.1f}"),
    ("unassigned_per_day", "Unassigned visits a day", "{:.1f}"),
    ("setup_unassigned_per_day", "of which left out of the set-up runs", "{:.1f}"),
    ("distinct_carers", "Distinct carers per person (week)", "{:.2f}"),
    ("team_size_reliefs", "Named team per person: run carers and reliefs", "{:.2f}"),
    ("team_size", "Named team per person, planned cover carers included", "{:.2f}"),
    ("runs_relieved_pct", "Runs with named reliefs for every day off, %", "{:.1f}"),
    ("runs_two_reliefs_pct", "Runs whose days off are split between two reliefs, %", "{:.1f}"),
    ("uncovered_unreachable", "Days off no relief can reach in time (week)", "{:.0f}"),
    ("uncovered_booked", "Days off whose fitting reliefs are all booked (week)", "{:.0f}"),
    ("stuck_run_days", "Run-days a double-up's other carer could not wait for the relief", "{:.0f}"),
    ("relief_share_pct", "Visits by a named relief, %", "{:.1f}"),
    ("engine_share_pct", "Visits on the cover plan (days off no relief covers), %", "{:.1f}"),
    ("usual_carer_share_pct", "Visits by usual carers (named team), %", "{:.1f}"),
    ("familiar_carer_share_pct", "Visits by a carer already known, %", "{:.1f}"),
    ("people_80pct_usual_pct", "People with 80%+ usual-carer visits, %", "{:.1f}"),
    ("people_below_80pct", "People below 80% usual-carer visits", "{:.0f}"),
    ("people_below_80pct_core", "People below 80% by run carers and reliefs alone", "{:.0f}"),
    ("min_person_usual_pct", "Lowest person's usual-carer share, %", "{:.1f}"),
    ("violations", "Rule violations (checker)", "{:.0f}"),
]


def comparison(run: ScenarioRun) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for scenario, rows in run.results.items():
        if not rows:
            continue
        days = rows[0].days
        services = sum(r.services for r in rows) or 1
        carer_days = sum(r.carer_days for r in rows) or 1
        person_services: dict[str, int] = {}
        person_usual: dict[str, int] = {}
        person_core: dict[str, int] = {}
        person_carers: dict[str, int] = {}
        person_team: dict[str, int] = {}
        person_team_reliefs: dict[str, int] = {}
        for r in rows:
            person_team.update(r.person_team)
            person_team_reliefs.update(r.person_team_reliefs)
            person_services.update(r.person_services)
            person_usual.update(r.person_usual)
            person_core.update(r.person_core)
            person_carers.update(r.person_carers)
        shares = [person_usual[p] / n for p, n in person_services.items() if n]
        out[scenario] = {
            "recipients": sum(r.people for r in rows),
            "visits_per_day": sum(r.visits_per_day for r in rows),
            "groups": len(rows),
            "workforce": sum(r.workforce for r in rows),
            "carers_per_day": carer_days / days,
            "travel_share_pct": 100 * sum(r.travel_min for r in rows) / (sum(r.paid_min for r in rows) or 1),
            "travel_min_per_visit": sum(r.travel_min for r in rows) / services,
            "trips_per_visit": sum(r.trips for r in rows) / services,
            "driving_min_per_visit": sum(r.travel_min - r.overhead_min * r.trips for r in rows) / services,
            "care_hours_per_carer": sum(r.care_min for r in rows) / 60 / carer_days,
            "late_services_per_day": sum(r.late_services for r in rows) / days,
            "unassigned_per_day": sum(r.unassigned for r in rows) / days,
            "setup_unassigned_per_day": sum(r.setup_unassigned for r in rows),
            "distinct_carers": sum(person_carers.values()) / (len(person_carers) or 1),
            "team_size": sum(person_team.values()) / (len(person_team) or 1),
            "team_size_reliefs": sum(person_team_reliefs.values()) / (len(person_team_reliefs) or 1),
            "runs_relieved_pct": 100 * sum(r.runs_relieved for r in rows) / (sum(r.runs for r in rows) or 1),
            "runs_two_reliefs_pct": 100 * sum(r.runs_two_reliefs for r in rows) / (sum(r.runs for r in rows) or 1),
            "uncovered_unreachable": sum(r.uncovered_unreachable for r in rows),
            "uncovered_booked": sum(r.uncovered_booked for r in rows),
            "stuck_run_days": sum(r.stuck_run_days for r in rows),
            "relief_share_pct": 100 * sum(r.relief_services for r in rows) / services,
            "engine_share_pct": 100 * sum(r.engine_services for r in rows) / services,
            "usual_carer_share_pct": 100 * sum(r.usual_services for r in rows) / services,
            "familiar_carer_share_pct": 100 * sum(r.familiar_services for r in rows) / services,
            "people_80pct_usual_pct": 100 * sum(s >= 0.8 for s in shares) / (len(shares) or 1),
            "people_below_80pct": sum(s < 0.8 for s in shares),
            # what the cover plan adds: people kept at 80%+ only by carers planned for uncovered days off
            "people_below_80pct_core": sum(person_core.get(p, 0) / n < 0.8 for p, n in person_services.items() if n),
            "min_person_usual_pct": 100 * min(shares, default=0.0),
            "violations": sum(r.violations for r in rows),
            "partial": float(bool(run.failures.get(scenario))),
        }
    return out


def travel_cut_pct(table: dict[str, dict[str, float]], scenario: str = "neighbourhood") -> float | None:
    if "framework" not in table or scenario not in table:
        return None
    base = table["framework"]["travel_min_per_visit"]
    return 100 * (base - table[scenario]["travel_min_per_visit"]) / base if base else None


def rows_for_display(table: dict[str, dict[str, float]]) -> list[list[str]]:
    return [[label, *(fmt.format(table[s][key]) for s in table)] for key, label, fmt in COLUMNS]


def headers(table: dict[str, dict[str, float]]) -> list[str]:
    return ["Measure", *(SCENARIOS[s] for s in table)]


def to_csv(table: dict[str, dict[str, float]], design: Design | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["measure", *table])
    for key, _label, _fmt in COLUMNS:
        writer.writerow([key, *(round(table[s][key], 4) for s in table)])
    if design is not None:
        for key, value in design.balance().items():
            writer.writerow([f"design_{key}", *([value] * len(table))])
    return out.getvalue()


def design_rows(design: Design, area: Area) -> list[dict[str, Any]]:
    scores = compactness(design, area)
    sizes = design.sizes()
    return [
        {
            "neighbourhood": region,
            "lsoas": len(codes),
            "size": round(sizes[region], 1),
            "deviation_pct": round(100 * (sizes[region] - design.target) / design.target, 1),
            "compactness": scores[region],
        }
        for region, codes in design.members().items()
    ]


def _figure() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # no display on servers
    import matplotlib.pyplot as plt

    return plt


def plot_comparison(table: dict[str, dict[str, float]], fmt: str = "svg") -> bytes:
    plt = _figure()
    names = [SCENARIOS[s] for s in table]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
    colours = ["#d5281b", "#005eb8", "#007f3b"][: len(names)]
    for ax, (key, title) in zip(
        axes,
        [
            ("travel_min_per_visit", "Travel minutes per visit"),
            ("usual_carer_share_pct", "Visits by usual carers (%)"),
            ("care_hours_per_carer", "Care hours per carer a day"),
        ],
        strict=True,
    ):
        values = [table[s][key] for s in table]
        ax.bar(range(len(values)), values, color=colours)
        ax.set_xticks(range(len(values)), [n.replace(", ", ",\n") for n in names], fontsize=8)
        ax.set_title(title, fontsize=10)
        for i, v in enumerate(values):
            ax.annotate(f"{v:.1f}", (i, v), ha="center", va="bottom", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    plt.close(fig)
    return buf.getvalue()


def plot_map(design: Design, area: Area, fmt: str = "svg") -> bytes:
    """The neighbourhoods over their LSOAs, each labelled with its number and size."""
    from shapely.ops import unary_union

    plt = _figure()
    cmap = plt.get_cmap("tab20")
    fig, ax = plt.subplots(figsize=(7, 6))
    sizes = design.sizes()
    for region, codes in design.members().items():
        colour = cmap((region - 1) % 20)
        for code in codes:
            geom = area.lsoas[code].geometry
            for poly in getattr(geom, "geoms", [geom]):
                x, y = poly.exterior.xy
                ax.fill(x, y, color=colour, alpha=0.55, linewidth=0.3, edgecolor="white")
        outline = unary_union([area.lsoas[c].geometry for c in codes])
        for poly in getattr(outline, "geoms", [outline]):
            x, y = poly.exterior.xy
            ax.plot(x, y, color="#212b32", linewidth=1.2)
        centre = outline.representative_point()
        ax.annotate(f"{region}\n({sizes[region]:.0f})", (centre.x, centre.y), ha="center", va="center", fontsize=7)
    ax.set_aspect(1 / 0.6)  # roughly equal distances at 53 degrees north
    ax.set_axis_off()
    ax.set_title(f"{design.area_name}: {len(sizes)} neighbourhoods, target {design.target:g} {design.measure}")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    plt.close(fig)
    return buf.getvalue()
