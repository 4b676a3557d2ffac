"""Shortfall arithmetic: people waiting against what could start now, in one unit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from joinedup.domains.capacity.engine.system_totals import free_by_care_type
from joinedup.domains.discharge.schemas import Demand
from joinedup.domains.visibility.engine.shortfall import HOURS_PER_PACKAGE, shortfall


def test_homecare_hours_become_packages_and_rows_rank_by_share_unmet() -> None:
    free = {"homecare": 3 * HOURS_PER_PACKAGE, "reablement": 0, "bedded_rehab": 2, "residential": 5, "nursing": 1}
    demand = [Demand("homecare", 4, None), Demand("bedded_rehab", 2, None), Demand("care_home", 12, None)]
    rows = {r.care_group: r for r in shortfall(free, demand, free_then={"7 days ago": {"residential": 12}})}
    assert rows["homecare"].capacity == 3 and rows["homecare"].shortfall == 1 and rows["homecare"].ratio == 0.25
    assert rows["care_home"].shortfall == 6 and rows["care_home"].ratio == 0.5
    assert rows["care_home"].ratio_then == {"7 days ago": 0.0}
    assert rows["bedded_rehab"].ratio == 0.0
    assert rows["reablement"].waiting is None and rows["reablement"].ratio is None
    ordered = [r.care_group for r in shortfall(free, demand)]
    assert ordered == ["care_home", "homecare", "bedded_rehab", "reablement"]


@given(
    st.dictionaries(
        st.sampled_from(["homecare", "reablement", "bedded_rehab", "residential", "nursing"]),
        st.floats(min_value=0, max_value=1e4),
    ),
    st.lists(
        st.tuples(
            st.sampled_from(["homecare", "reablement", "bedded_rehab", "care_home"]),
            st.floats(min_value=0, max_value=1e4),
        ),
        max_size=8,
    ),
)
def test_shortfall_is_never_negative_nor_above_demand(free: dict[str, float], waits: list[tuple[str, float]]) -> None:
    for row in shortfall(free, [Demand(g, w, None) for g, w in waits]):
        if row.waiting is None:
            assert row.shortfall is None and row.ratio is None
        else:
            assert row.shortfall is not None and row.ratio is not None
            assert 0 <= row.shortfall <= row.waiting + 1e-9
            assert 0 <= row.ratio <= 1


def test_free_capacity_reads_every_section_of_the_standard() -> None:
    sections = {
        "beds": {
            "value": [
                {"bed_type": "nursing", "accepting_admissions": 2},
                {"bed_type": "dementia_residential", "accepting_admissions": 1},
                {"bed_type": "discharge_to_assess", "accepting_admissions": 3},
            ]
        },
        "homecare": {"value": [{"spare_hours_per_week": 7.5}, {"spare_hours_per_week": 2.5}]},
        "reablement": {"value": [{"pathway": 1, "places": 4}, {"pathway": 2, "places": None, "hours_per_week": 3}]},
    }
    # The pathway 2 section reports only hours a week, as the standard allows: capacity's one
    # reading counts them (before, the system picture counted such a section as nil).
    assert free_by_care_type(sections) == {
        "homecare": 10.0,
        "reablement": 4.0,
        "bedded_rehab": 6.0,
        "residential": 1.0,
        "nursing": 2.0,
    }
