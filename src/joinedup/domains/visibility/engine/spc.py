"""Statistical process control the NHS way: NHS England's "Making Data Count" XmR charts.

Follows the rules as implemented in nhs-r-community/NHSRplotthedots:
mean and average moving range (optionally screened), limits at mean +/- 2.66 MR-bar, a near-limit
band at two thirds of that (about 2 sigma), and four special-cause rules: a point outside the
limits, a shift (7 in a row on one side of the mean), a trend (7 in a row rising or falling),
and two of three beyond the 2 sigma band on the same side. Pure functions, no I/O.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

LIMIT_FACTOR = 2.66  # 3 / d2, d2 = 1.128 for moving ranges of two
SCREEN_FACTOR = 3.267  # D4 for n = 2: moving ranges above 3.267 MR-bar are screened out
RUN_LENGTH = 7


class Direction(StrEnum):
    INCREASE = "increase"  # higher is better
    DECREASE = "decrease"  # lower is better
    NEUTRAL = "neutral"


class PointType(StrEnum):
    COMMON_CAUSE = "common_cause"
    IMPROVEMENT = "special_cause_improvement"
    CONCERN = "special_cause_concern"
    NEUTRAL = "special_cause_neutral"


class Assurance(StrEnum):
    PASS = "consistent_pass"  # noqa: S105 - the target is always met by the process
    FAIL = "consistent_fail"  # the target is never met by the process
    HIT_AND_MISS = "hit_and_miss"  # the target lies within the limits


@dataclass(frozen=True)
class SpcPoint:
    index: int
    value: float
    outside_limits: bool
    shift: bool
    trend: bool
    two_of_three: bool
    point_type: PointType

    @property
    def special_cause(self) -> bool:
        return self.point_type is not PointType.COMMON_CAUSE

    @property
    def reasons(self) -> tuple[str, ...]:
        names = ("outside_limits", "shift", "trend", "two_of_three")
        return tuple(n for n in names if getattr(self, n))


@dataclass(frozen=True)
class SpcResult:
    mean: float
    mr_bar: float
    upper_limit: float
    lower_limit: float
    upper_near: float  # the 2 sigma band
    lower_near: float
    direction: Direction
    target: float | None
    points: tuple[SpcPoint, ...]
    assurance: Assurance | None

    @property
    def variation(self) -> str:
        """The variation icon: common cause, or the last point's special cause and side."""
        if not self.points:
            return PointType.COMMON_CAUSE.value
        last = self.points[-1]
        if not last.special_cause:
            return PointType.COMMON_CAUSE.value
        side = "high" if last.value > self.mean else "low"
        return f"{last.point_type.value}_{side}"


def _sign(value: float, centre: float, tol: float) -> int:
    if value > centre + tol:
        return 1
    if value < centre - tol:
        return -1
    return 0


def _run_flags(signs: Sequence[int], length: int) -> list[bool]:
    flags = [False] * len(signs)
    i = 0
    while i < len(signs):
        j = i
        while j + 1 < len(signs) and signs[j + 1] == signs[i]:
            j += 1
        if signs[i] != 0 and j - i + 1 >= length:
            for k in range(i, j + 1):
                flags[k] = True
        i = j + 1
    return flags


def moving_ranges(values: Sequence[float]) -> list[float]:
    return [abs(b - a) for a, b in itertools.pairwise(values)]


def mean_moving_range(values: Sequence[float], *, screen: bool = False) -> float:
    ranges = moving_ranges(values)
    if not ranges:
        return 0.0
    mr_bar = sum(ranges) / len(ranges)
    if screen:
        kept = [r for r in ranges if r <= SCREEN_FACTOR * mr_bar]
        mr_bar = sum(kept) / len(kept) if kept else mr_bar
    return mr_bar


def xmr(
    values: Sequence[float],
    *,
    direction: Direction = Direction.NEUTRAL,
    target: float | None = None,
    screen_outliers: bool = False,
    baseline_points: int | None = None,
) -> SpcResult:
    """An XmR chart of `values` (in time order). `baseline_points` fixes the limits on the first
    n points (NHSRplotthedots' fix_after_n_points); the rules are then applied to every point."""
    data = [float(v) for v in values]
    if not data:
        raise ValueError("an SPC chart needs at least one value")
    base = data[: baseline_points or len(data)]
    if len(base) < 2:
        base = data
    mean = sum(base) / len(base)
    mr_bar = mean_moving_range(base, screen=screen_outliers)
    spread = LIMIT_FACTOR * mr_bar
    upl, lpl = mean + spread, mean - spread
    upper_near, lower_near = mean + spread * 2 / 3, mean - spread * 2 / 3
    # Tolerance for "on the line", so rounding never decides a rule.
    scale = max(1.0, max(abs(v) for v in data))
    tol = 1e-9 * scale
    side = [_sign(v, mean, tol) for v in data]
    outside = [v > upl + tol or v < lpl - tol for v in data]
    shift = _run_flags(side, RUN_LENGTH)
    # A trend of 7 points is 6 consecutive steps in one direction; each step marks both its points.
    steps = [_sign(b, a, tol) for a, b in itertools.pairwise(data)]
    trend = [False] * len(data)
    step_flags = _run_flags(steps, RUN_LENGTH - 1)
    trend_dir = [0] * len(data)
    for i, flagged in enumerate(step_flags):
        if flagged:
            trend[i] = trend[i + 1] = True
            trend_dir[i] = trend_dir[i + 1] = steps[i]
    near = [1 if v > upper_near + tol else -1 if v < lower_near - tol else 0 for v in data]
    two_of_three = [False] * len(data)
    for start in range(len(data) - 2):
        window = range(start, start + 3)
        for s in (1, -1):
            beyond = [i for i in window if near[i] == s]
            if len(beyond) >= 2:
                for i in beyond:
                    two_of_three[i] = True
    points = []
    for i, v in enumerate(data):
        flag = side[i] if (outside[i] or shift[i] or two_of_three[i]) else trend_dir[i] if trend[i] else 0
        points.append(
            SpcPoint(
                index=i,
                value=v,
                outside_limits=outside[i],
                shift=shift[i],
                trend=trend[i],
                two_of_three=two_of_three[i],
                point_type=_point_type(flag, direction),
            )
        )
    return SpcResult(
        mean=mean,
        mr_bar=mr_bar,
        upper_limit=upl,
        lower_limit=lpl,
        upper_near=upper_near,
        lower_near=lower_near,
        direction=direction,
        target=target,
        points=tuple(points),
        assurance=assurance(target, upl, lpl, direction),
    )


def _point_type(flag: int, direction: Direction) -> PointType:
    if flag == 0:
        return PointType.COMMON_CAUSE
    if direction is Direction.NEUTRAL:
        return PointType.NEUTRAL
    good = 1 if direction is Direction.INCREASE else -1
    return PointType.IMPROVEMENT if flag == good else PointType.CONCERN


def assurance(target: float | None, upl: float, lpl: float, direction: Direction) -> Assurance | None:
    """Whether the process will meet a target: a target outside the limits is always met or
    always missed; one inside them is met some days and not others."""
    if target is None or direction is Direction.NEUTRAL:
        return None
    if target > upl:
        return Assurance.FAIL if direction is Direction.INCREASE else Assurance.PASS
    if target < lpl:
        return Assurance.PASS if direction is Direction.INCREASE else Assurance.FAIL
    return Assurance.HIT_AND_MISS
