"""SPC charts drawn on the server as SVG (no scripts, printable), with the Making Data Count
colours: grey for common cause, blue for improvement, orange for concern, purple for neutral."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from joinedup.domains.visibility.engine.spc import Assurance, PointType, SpcResult

WIDTH, HEIGHT = 720, 260
PAD_L, PAD_R, PAD_T, PAD_B = 56, 16, 16, 36
COLOURS = {
    PointType.COMMON_CAUSE: "#7b7d7d",
    PointType.IMPROVEMENT: "#289de0",
    PointType.CONCERN: "#e46c0a",
    PointType.NEUTRAL: "#490092",
}
VARIATION_TEXT = {
    "common_cause": "Common cause variation: no significant change",
    "special_cause_improvement_high": "Special cause variation: improvement (high values)",
    "special_cause_improvement_low": "Special cause variation: improvement (low values)",
    "special_cause_concern_high": "Special cause variation: concern (high values)",
    "special_cause_concern_low": "Special cause variation: concern (low values)",
    "special_cause_neutral_high": "Special cause variation: unusually high",
    "special_cause_neutral_low": "Special cause variation: unusually low",
}
ASSURANCE_TEXT = {
    Assurance.PASS: "The process will consistently meet the target",
    Assurance.FAIL: "The process will consistently miss the target",
    Assurance.HIT_AND_MISS: "The process will sometimes meet and sometimes miss the target",
}
RULE_TEXT = {
    "outside_limits": "outside the limits",
    "shift": "run of 7 on one side",
    "trend": "trend of 7",
    "two_of_three": "2 of 3 near a limit",
}


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    unit: str
    days: Sequence[date]
    spc: SpcResult

    @property
    def variation_text(self) -> str:
        return VARIATION_TEXT[self.spc.variation]

    @property
    def assurance_text(self) -> str | None:
        return ASSURANCE_TEXT[self.spc.assurance] if self.spc.assurance else None

    def table_rows(self) -> list[list[str | float]]:
        return [
            [
                d.isoformat(),
                p.value,
                p.point_type.value.replace("_", " "),
                ", ".join(RULE_TEXT[r] for r in p.reasons),
            ]
            for d, p in zip(self.days, self.spc.points, strict=True)
        ]

    def svg(self) -> Markup:
        return render_svg(self)


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def render_svg(chart: Chart) -> Markup:
    spc = chart.spc
    values = [p.value for p in spc.points]
    lines = [spc.upper_limit, spc.lower_limit, spc.mean] + ([spc.target] if spc.target is not None else [])
    lo, hi = min(values + lines), max(values + lines)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    span_x = max(1, len(values) - 1)
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B

    def x(i: int) -> float:
        return PAD_L + plot_w * i / span_x

    def y(v: float) -> float:
        return PAD_T + plot_h * (1 - (v - lo) / (hi - lo))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="jup-spc" role="img" '
        f'aria-labelledby="{chart.key}-title {chart.key}-desc" data-testid="spc-{chart.key}">',
        f'<title id="{chart.key}-title">{escape(chart.title)}</title>',
        f'<desc id="{chart.key}-desc">{escape(chart.variation_text)}. Mean {_fmt(spc.mean)}, '
        f"upper limit {_fmt(spc.upper_limit)}, lower limit {_fmt(spc.lower_limit)} {escape(chart.unit)}.</desc>",
        f'<rect x="{PAD_L}" y="{PAD_T}" width="{plot_w}" height="{plot_h}" fill="#ffffff" stroke="#d8dde0"/>',
    ]
    for value, label, dash, colour in (
        (spc.upper_limit, "UPL", "6 4", "#425563"),
        (spc.lower_limit, "LPL", "6 4", "#425563"),
        (spc.mean, "Mean", "", "#212b32"),
    ):
        parts.append(
            f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="{colour}" '
            f'stroke-width="1" stroke-dasharray="{dash}"/>'
            f'<text x="{PAD_L - 4}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" fill="#212b32">'
            f"{label} {_fmt(value)}</text>"
        )
    if spc.target is not None:
        parts.append(
            f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{y(spc.target):.1f}" y2="{y(spc.target):.1f}" '
            f'stroke="#d5281b" stroke-width="1.5" stroke-dasharray="2 3"/>'
        )
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    parts.append(f'<path d="{path}" fill="none" stroke="#7b7d7d" stroke-width="1.2"/>')
    radius = 3 if len(values) <= 120 else 1.8
    for i, p in enumerate(spc.points):
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="{radius}" fill="{COLOURS[p.point_type]}"/>')
    if chart.days:
        for i in sorted({0, len(chart.days) // 2, len(chart.days) - 1}):
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - 12}" font-size="11" text-anchor="middle" fill="#212b32">'
                f"{chart.days[i].isoformat()}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text value above is escaped or numeric
