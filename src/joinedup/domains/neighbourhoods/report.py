"""Comparison report: figures per scenario side by side for display, CSV, plots and a map (matplotlib)."""

from __future__ import annotations

import csv
import io
from typing import Any

from .engine.area import Area
from .engine.design import Design, compactness
from .engine.scenarios import SCENARIOS

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
