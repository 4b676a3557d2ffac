"""Making Data Count rules: the hand-calculated example, each rule on a crafted series, and
properties over wide inputs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.domains.visibility.engine.spc import Assurance, Direction, PointType, xmr

HAND = [10, 12, 11, 13, 12, 11, 10, 12, 13, 11]


def test_hand_calculated_example_from_planning_methods() -> None:
    chart = xmr(HAND)
    assert chart.mean == pytest.approx(11.5)
    assert chart.mr_bar == pytest.approx(1.444, abs=5e-4)
    assert chart.upper_limit == pytest.approx(15.342, abs=5e-4)
    assert chart.lower_limit == pytest.approx(7.658, abs=5e-4)
    assert chart.upper_near == pytest.approx(14.061, abs=5e-4)
    assert chart.lower_near == pytest.approx(8.939, abs=5e-4)
    assert all(p.point_type is PointType.COMMON_CAUSE for p in chart.points)
    assert chart.variation == "common_cause"


def test_alternating_series_with_opposite_extremes_is_common_cause() -> None:
    # NHSRplotthedots' own test: near-limit points on opposite sides are not "two of three".
    values = [1.0 if i % 2 == 0 else -1.0 for i in range(14)] + [5.5, -5.5]
    for screen in (False, True):
        chart = xmr(values, screen_outliers=screen)
        assert chart.points[-2].point_type is PointType.COMMON_CAUSE
        assert chart.points[-1].point_type is PointType.COMMON_CAUSE


def test_point_outside_the_limits_is_special_cause_with_direction() -> None:
    values = [*HAND, 30]
    chart = xmr(values, direction=Direction.DECREASE, baseline_points=10)
    last = chart.points[-1]
    assert last.outside_limits
    assert last.point_type is PointType.CONCERN
    assert chart.variation == "special_cause_concern_high"
    assert xmr(values, direction=Direction.INCREASE, baseline_points=10).points[-1].point_type is PointType.IMPROVEMENT
    assert xmr(values, baseline_points=10).points[-1].point_type is PointType.NEUTRAL


def test_shift_of_seven_on_one_side_of_the_mean() -> None:
    six = [*HAND, 12, 12, 12, 12, 12, 12]
    seven = [*six, 12]
    assert not any(p.shift for p in xmr(six, baseline_points=10).points)
    flagged = [p.index for p in xmr(seven, baseline_points=10).points if p.shift]
    assert flagged == list(range(10, 17))


def test_trend_of_seven_rising_points() -> None:
    rising = [*HAND, 8, 9, 10, 11, 12, 13]
    chart = xmr(rising, baseline_points=10, direction=Direction.INCREASE)
    assert [p.index for p in chart.points if p.trend] == []
    chart = xmr([*HAND, 7.9, 8, 9, 10, 11, 12, 13], baseline_points=10, direction=Direction.INCREASE)
    trend = [p for p in chart.points if p.trend]
    assert [p.index for p in trend] == list(range(10, 17))
    # A point below the mean in a rising trend is an improvement (the trend sets the side) unless
    # another rule, which goes by the side of the mean, flags it too.
    assert trend[2].value < chart.mean
    assert trend[2].point_type is PointType.IMPROVEMENT
    assert trend[0].two_of_three
    assert trend[0].point_type is PointType.CONCERN


def test_two_of_three_beyond_the_near_limit_band_on_one_side() -> None:
    chart = xmr([*HAND, 14.5, 12, 14.5], baseline_points=10)
    assert [p.index for p in chart.points if p.two_of_three] == [10, 12]
    assert not chart.points[11].two_of_three
    assert not any(p.two_of_three for p in xmr([*HAND, 14.5, 11, 11, 14.5], baseline_points=10).points)


def test_assurance_against_a_target() -> None:
    chart = xmr(HAND, direction=Direction.INCREASE, target=16)
    assert chart.assurance is Assurance.FAIL
    assert xmr(HAND, direction=Direction.DECREASE, target=16).assurance is Assurance.PASS
    assert xmr(HAND, direction=Direction.INCREASE, target=7).assurance is Assurance.PASS
    assert xmr(HAND, direction=Direction.DECREASE, target=7).assurance is Assurance.FAIL
    assert xmr(HAND, direction=Direction.INCREASE, target=12).assurance is Assurance.HIT_AND_MISS
    assert xmr(HAND, target=12).assurance is None


def test_empty_series_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one value"):
        xmr([])


series = st.lists(st.integers(min_value=-1000, max_value=1000), min_size=2, max_size=60)


@given(series)
def test_limits_are_symmetric_and_ordered(values: list[int]) -> None:
    chart = xmr(values)
    assert chart.lower_limit <= chart.lower_near <= chart.mean <= chart.upper_near <= chart.upper_limit
    assert chart.upper_limit - chart.mean == pytest.approx(chart.mean - chart.lower_limit)


@given(series, st.integers(min_value=-500, max_value=500), st.integers(min_value=1, max_value=7))
def test_rules_do_not_depend_on_units_or_origin(values: list[int], shift: int, scale: int) -> None:
    a = xmr(values)
    b = xmr([v * scale + shift for v in values])
    assert [p.reasons for p in a.points] == [p.reasons for p in b.points]


@given(series)
def test_direction_swaps_improvement_and_concern(values: list[int]) -> None:
    up = xmr(values, direction=Direction.INCREASE)
    down = xmr(values, direction=Direction.DECREASE)
    swap = {PointType.IMPROVEMENT: PointType.CONCERN, PointType.CONCERN: PointType.IMPROVEMENT}
    assert [swap.get(p.point_type, p.point_type) for p in up.points] == [p.point_type for p in down.points]


@given(st.lists(st.integers(min_value=0, max_value=100), min_size=2, max_size=40))
def test_a_far_point_is_always_outside_the_limits(values: list[int]) -> None:
    spread = max(values) - min(values)
    chart = xmr([*values, max(values) + 10 * spread + 1], baseline_points=len(values))
    assert chart.points[-1].outside_limits
    assert chart.points[-1].special_cause


@given(st.integers(min_value=-50, max_value=50), st.integers(min_value=2, max_value=30))
def test_a_constant_series_has_no_special_cause(value: int, n: int) -> None:
    assert not any(p.special_cause for p in xmr([value] * n).points)
