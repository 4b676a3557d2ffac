from __future__ import annotations

import pytest

from joinedup.domains.neighbourhoods import MatrixProvider, TravelModel, calibrated_travel
from joinedup.domains.neighbourhoods.road_times import calibrate

OLD_TRAFFORD = (-2.2905, 53.4577)
ALTRINCHAM = (-2.3536, 53.3870)
URMSTON = (-2.3540, 53.4480)


def test_matrix_is_symmetric_with_zero_diagonal() -> None:
    model = TravelModel()
    m = model.matrix([OLD_TRAFFORD, ALTRINCHAM, URMSTON], "car")
    assert all(m[i][i] == 0 for i in range(3))
    assert all(m[i][j] == m[j][i] for i in range(3) for j in range(3))
    assert m[0][1] > m[0][2] > 0  # Altrincham is further from Old Trafford than Urmston is


def test_modes_differ_and_unknown_mode_is_refused() -> None:
    model = TravelModel()
    assert model.minutes(OLD_TRAFFORD, ALTRINCHAM, "walk") > model.minutes(OLD_TRAFFORD, ALTRINCHAM, "car")
    with pytest.raises(ValueError, match="unknown travel mode 'boat'"):
        model.matrix([OLD_TRAFFORD, URMSTON], "boat")


def test_about_right_for_a_known_trip() -> None:
    # Old Trafford to Altrincham is about 8.5 km in a straight line, 15-25 minutes by car
    minutes = calibrated_travel().minutes(OLD_TRAFFORD, ALTRINCHAM)
    assert 12 < minutes < 25


def test_calibration_against_road_times_is_reported_and_beats_a_textbook_guess() -> None:
    cal = calibrate()
    report = cal.as_dict()
    assert report["pairs"] >= 100 and report["lsoas"] >= 100
    assert cal.mape_pct < cal.mape_uncalibrated_pct
    assert cal.mape_pct < 20
    assert 1.0 < cal.minutes_per_km < 3.0
    assert cal.model.minutes_per_km("car") == pytest.approx(cal.minutes_per_km)


def test_a_council_matrix_plugs_in() -> None:
    class Fixed:
        def matrix(self, points: list[tuple[float, float]], mode: str) -> list[list[float]]:
            return [[0.0 if i == j else 5.0 for j in range(len(points))] for i in range(len(points))]

    provider: MatrixProvider = Fixed()
    assert provider.matrix([OLD_TRAFFORD, URMSTON], "car")[0][1] == 5.0
