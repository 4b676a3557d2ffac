"""The trend chart as drawn: every label inside the picture (none clipped at an edge, none on top
of another), and a summary sentence that agrees with the points the chart highlights."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from xml.etree import ElementTree

from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.domains.visibility.engine.spc import Direction, PointType, xmr
from joinedup.domains.visibility.engine.spc_chart import COLOURS, HEIGHT, WIDTH, Chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 - a picture this process drew, not outside input


HAND = [10, 12, 11, 13, 12, 11, 10, 12, 13, 11]


def _chart(values: Sequence[float], *, start: date = date(2024, 12, 3), **kwargs: object) -> Chart:
    days = [start + timedelta(days=i) for i in range(len(values))]
    return Chart("trend", "A trend", "patients", days, xmr(values, **kwargs))  # type: ignore[arg-type]


def _width(text: str, size: float) -> float:
    """An upper bound on the drawn width of `text` in any sans-serif face: wider than the widest
    capital (M, W) for capitals, than a digit for everything else."""
    return sum(size * (0.95 if c in "MW" else 0.8 if c.isupper() else 0.62) for c in text)


def _labels(svg: str) -> list[tuple[float, float, float, float, str]]:
    """(left, right, top, bottom, text) of every text in the picture."""
    root = _parse(svg)
    assert root.get("viewBox") == f"0 0 {WIDTH} {HEIGHT}"
    boxes = []
    for node in root.iter(f"{SVG}text"):
        text = "".join(node.itertext())
        size = float(node.get("font-size", "11"))
        x, y = float(node.get("x", "0")), float(node.get("y", "0"))
        width = _width(text, size)
        anchor = node.get("text-anchor", "start")
        left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
        boxes.append((left, left + width, y - size, y + size * 0.25, text))
    return boxes


def _fits(svg: str) -> list[str]:
    problems = []
    boxes = _labels(svg)
    for left, right, top, bottom, text in boxes:
        if left < 0 or right > WIDTH or top < 0 or bottom > HEIGHT:
            problems.append(f"{text!r} runs outside the picture ({left:.0f}..{right:.0f}, {top:.0f}..{bottom:.0f})")
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]:
                problems.append(f"{a[4]!r} overlaps {b[4]!r}")
    return problems


def test_labels_of_the_demo_trust_fit_the_picture() -> None:
    # The chart: values in the hundreds, labelled "Mean 529.7", ending on 28 February.
    values = [529.7 + (i % 7 - 3) * 9 for i in range(84)]
    chart = _chart(values, start=date(2024, 12, 7), direction=Direction.DECREASE, target=480)
    assert _fits(str(chart.svg())) == []
    texts = [t for *_, t in _labels(str(chart.svg()))]
    assert any("Mean" in t for t in texts) and any("2025" in t for t in texts)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=2, max_size=200),
    target=st.none() | st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
)
def test_no_label_is_clipped_or_drawn_over_another_whatever_the_values(
    values: list[float], target: float | None
) -> None:
    chart = _chart(values, direction=Direction.INCREASE, target=target)
    assert _fits(str(chart.svg())) == []


def test_numbers_on_the_chart_are_written_as_people_write_them() -> None:
    chart = _chart([500.0, 510.0, 520.0, 530.0, 520.0, 510.0])
    svg = str(chart.svg())
    assert not re.search(r"(?<![\w.])\d+\.0\b", "".join(_parse(svg).itertext()))
    assert all(not re.search(r"\d+\.0$", str(row[1])) for row in chart.table_rows())
    assert all("_" not in str(cell) for row in chart.table_rows() for cell in row)


def _highlighted(chart: Chart) -> int:
    grey = COLOURS[PointType.COMMON_CAUSE]
    return len(re.findall(r'<circle [^>]*fill="(?!' + grey + r")#", str(chart.svg())))


def test_summary_does_not_say_no_change_while_points_beyond_the_limits_are_highlighted() -> None:
    # Two days far above the limits after the baseline; the latest day is ordinary.
    values = [*HAND, 12, 40, 11, 12, 41, 12, 11, 13, 12, 11]
    chart = _chart(values, direction=Direction.DECREASE, baseline_points=10)
    beyond = [p for p in chart.spc.points if p.outside_limits]
    assert len(beyond) == 2 and not chart.spc.points[-1].special_cause
    assert _highlighted(chart) == sum(p.special_cause for p in chart.spc.points) >= 2
    text = chart.variation_text
    assert "no significant change" not in text.lower()
    assert "special cause" in text.lower() and "concern" in text.lower()
    assert "2 days" in text and "latest" in text.lower()
    desc = _parse(str(chart.svg())).find(f"{SVG}desc")
    assert desc is not None and "no significant change" not in "".join(desc.itertext()).lower()


def test_summary_counts_each_kind_of_special_cause() -> None:
    # One day far below the limits (an improvement when lower is better), two far above (concern).
    values = [*HAND, 12, 1, 11, 12, 40, 12, 41, 13, 12, 11]
    chart = _chart(values, direction=Direction.DECREASE, baseline_points=10)
    text = chart.variation_text
    assert "on 3 days (improvement on 1, concern on 2)" in text, text
    assert "most recently 19 Dec 2024: concern (high values)" in text, text


def test_summary_says_no_change_only_when_nothing_is_highlighted() -> None:
    chart = _chart(HAND)
    assert _highlighted(chart) == 0
    assert chart.variation_text == "Common cause variation: no significant change"


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=60), min_size=2, max_size=60))
def test_summary_agrees_with_the_highlighting(values: list[int]) -> None:
    chart = _chart([float(v) for v in values], direction=Direction.DECREASE)
    special = sum(p.special_cause for p in chart.spc.points)
    assert _highlighted(chart) == special
    said_none = "no significant change" in chart.variation_text
    assert said_none == (special == 0)
