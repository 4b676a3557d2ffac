"""SPC charts drawn on the server as SVG (no scripts, printable), with the Making Data Count
colours: grey for common cause, blue for improvement, orange for concern, purple for neutral.

Labels are laid out to fit: the left margin is as wide as the widest limit label, limit labels
are pushed apart where lines lie close, and the first and last dates are aligned to the plot's
edges rather than centred on them. The summary sentence is read from every point, so it never
says "no significant change" beside a highlighted point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from joinedup.domains.visibility.engine.spc import Assurance, PointType, SpcPoint, SpcResult

WIDTH, HEIGHT = 720, 260
PAD_R, PAD_T, PAD_B = 16, 16, 36
FONT = 11  # px, every label
GAP = 6  # px between a label and what it names
COLOURS = {
    PointType.COMMON_CAUSE: "#7b7d7d",
    PointType.IMPROVEMENT: "#289de0",
    PointType.CONCERN: "#e46c0a",
    PointType.NEUTRAL: "#490092",
}
COMMON = "Common cause variation: no significant change"
# What kind of special cause a point is, by its type and its side of the mean.
KIND_TEXT = {
    ("special_cause_improvement", "high"): "improvement (high values)",
    ("special_cause_improvement", "low"): "improvement (low values)",
    ("special_cause_concern", "high"): "concern (high values)",
    ("special_cause_concern", "low"): "concern (low values)",
    ("special_cause_neutral", "high"): "unusually high",
    ("special_cause_neutral", "low"): "unusually low",
}
KIND_WORD = {
    PointType.IMPROVEMENT: "improvement",
    PointType.CONCERN: "concern",
    PointType.NEUTRAL: "unusual values",
}
POINT_TEXT = {
    PointType.COMMON_CAUSE: "Common cause",
    PointType.IMPROVEMENT: "Special cause: improvement",
    PointType.CONCERN: "Special cause: concern",
    PointType.NEUTRAL: "Special cause",
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


def _fmt(value: float) -> str:
    """One decimal place, none for a whole number: "529.7", "530"."""
    text = f"{value:,.1f}"
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def text_width(text: str, size: float = FONT) -> float:
    """A generous estimate of the drawn width of `text` in a sans-serif face (never narrower than
    the real text in Arial, Helvetica or Frutiger), so a label laid out by it is never clipped."""
    return sum(size * (0.95 if c in "MW" else 0.8 if c.isupper() else 0.62) for c in text)


def _kind(spc: SpcResult, point: SpcPoint) -> str:
    side = "high" if point.value > spc.mean else "low"
    return KIND_TEXT[(point.point_type.value, side)]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    unit: str
    days: Sequence[date]
    spc: SpcResult

    @property
    def special(self) -> list[int]:
        """The indexes of the points the chart highlights (special cause by any rule)."""
        return [p.index for p in self.spc.points if p.special_cause]

    @property
    def variation_text(self) -> str:
        """What the chart shows, in one sentence that agrees with every highlighted point."""
        special = self.special
        if not special:
            return COMMON
        points = self.spc.points
        days = f"{len(special)} day{'' if len(special) == 1 else 's'}"
        last = points[-1]
        if last.special_cause:
            return f"Special cause variation: {_kind(self.spc, last)} on the latest day ({days} in all)"
        latest = points[special[-1]]
        when = _day(self.days[latest.index]) if self.days else f"point {latest.index + 1}"
        kinds: dict[str, int] = {}
        for i in special:
            kind = KIND_WORD[points[i].point_type]
            kinds[kind] = kinds.get(kind, 0) + 1
        mix = f" ({', '.join(f'{k} on {n}' for k, n in kinds.items())})" if len(kinds) > 1 else ""
        return (
            f"Special cause variation on {days}{mix}, most recently {when}: {_kind(self.spc, latest)}; "
            "the latest day shows common cause variation"
        )

    @property
    def assurance_text(self) -> str | None:
        return ASSURANCE_TEXT[self.spc.assurance] if self.spc.assurance else None

    def table_rows(self) -> list[list[str]]:
        return [
            [_day(d), _fmt(p.value), POINT_TEXT[p.point_type], ", ".join(RULE_TEXT[r] for r in p.reasons)]
            for d, p in zip(self.days, self.spc.points, strict=True)
        ]

    def svg(self) -> Markup:
        return render_svg(self)


def _spread(wanted: list[float], low: float, high: float, step: float) -> list[float]:
    """Label baselines as near as possible to `wanted` (in order), at least `step` apart, all
    within [low, high]."""
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed = [0.0] * len(wanted)
    at = low - step
    for i in order:
        at = max(wanted[i], at + step)
        placed[i] = at
    overflow = at - high
    if overflow > 0:  # pushed past the bottom: slide the stack up, keeping the gaps
        for i in order[::-1]:
            placed[i] = min(placed[i], high)
            high = placed[i] - step
    return [max(low, p) for p in placed]


def _text(x: float, y: float, text: str, anchor: str) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{FONT}" text-anchor="{anchor}" fill="#212b32">{escape(text)}</text>'
    )


def render_svg(chart: Chart) -> Markup:
    spc = chart.spc
    values = [p.value for p in spc.points]
    marks = [("UPL", spc.upper_limit, "6 4", "#425563"), ("LPL", spc.lower_limit, "6 4", "#425563")]
    marks.append(("Mean", spc.mean, "", "#212b32"))
    if spc.target is not None:
        marks.append(("Target", spc.target, "2 3", "#d5281b"))
    labels = [f"{name} {_fmt(value)}" for name, value, _, _ in marks]
    pad_l = GAP * 2 + max(text_width(label) for label in labels)
    lines = [value for _, value, _, _ in marks]
    lo, hi = min(values + lines), max(values + lines)
    if hi - lo < 1e-9 * max(1.0, abs(hi)):
        lo, hi = lo - 1, hi + 1
    span_x = max(1, len(values) - 1)
    plot_w, plot_h = WIDTH - pad_l - PAD_R, HEIGHT - PAD_T - PAD_B

    def x(i: int) -> float:
        return pad_l + plot_w * i / span_x

    def y(v: float) -> float:
        return PAD_T + plot_h * (1 - (v - lo) / (hi - lo))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="jup-spc" role="img" '
        f'aria-labelledby="{chart.key}-title {chart.key}-desc" data-testid="spc-{chart.key}">',
        f'<title id="{chart.key}-title">{escape(chart.title)}</title>',
        f'<desc id="{chart.key}-desc">{escape(chart.variation_text)}. Mean {_fmt(spc.mean)}, '
        f"upper limit {_fmt(spc.upper_limit)}, lower limit {_fmt(spc.lower_limit)} {escape(chart.unit)}.</desc>",
        f'<rect x="{pad_l:.1f}" y="{PAD_T}" width="{plot_w:.1f}" height="{plot_h}" fill="#ffffff" stroke="#d8dde0"/>',
    ]
    # A label's baseline sits a third of the font below its line, so the text is centred on it.
    baselines = _spread([y(v) + FONT / 3 for v in lines], FONT, HEIGHT - PAD_B, FONT + 4)
    for (_, value, dash, colour), label, baseline in zip(marks, labels, baselines, strict=True):
        width = "1.5" if dash == "2 3" else "1"
        parts.append(
            f'<line x1="{pad_l:.1f}" x2="{WIDTH - PAD_R}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="{colour}" '
            f'stroke-width="{width}" stroke-dasharray="{dash}"/>'
        )
        parts.append(_text(pad_l - GAP, baseline, label, "end"))
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    parts.append(f'<path d="{path}" fill="none" stroke="#7b7d7d" stroke-width="1.2"/>')
    radius = 3 if len(values) <= 120 else 1.8
    for i, p in enumerate(spc.points):
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="{radius}" fill="{COLOURS[p.point_type]}"/>')
    if chart.days:
        last = len(chart.days) - 1
        # The first date starts at the plot's left edge, the last ends at its right edge, so
        # neither runs off the picture; the middle one is centred where there is room for it.
        shown = [(0, "start")] + ([(last, "end")] if last > 0 else [])
        middle = last // 2
        room = x(last) - x(0) - text_width(_day(chart.days[0])) - text_width(_day(chart.days[last]))
        if 0 < middle < last and room > text_width(_day(chart.days[middle])) + 4 * GAP:
            shown.append((middle, "middle"))
        for i, anchor in shown:
            parts.append(_text(x(i), HEIGHT - 12, _day(chart.days[i]), anchor))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text value above is escaped or numeric
