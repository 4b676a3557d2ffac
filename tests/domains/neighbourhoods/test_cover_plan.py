"""Days off no relief can cover are planned at set-up: the cover carers join the person's named
team before the week, so a run with no possible relief still keeps 80%+ of each person's visits
with carers they were told of."""

from __future__ import annotations

from joinedup.domains.neighbourhoods import calibrated_travel
from joinedup.domains.neighbourhoods.engine.demand import PackageVisit, Person
from joinedup.domains.neighbourhoods.engine.instances import Worker
from joinedup.domains.neighbourhoods.engine.week import GroupTask, roster_week

STREET = (-2.35, 53.39)  # Altrincham


def _person(i: int) -> Person:
    # one time-critical morning call each, staggered so one carer works all three in turn
    start = 7 * 60 + 45 * i
    visit = PackageVisit("morning", start, start + 30, 30, 1, True)
    return Person(f"p{i}", "WA14 1AA", "E01006074", STREET[0] + 0.002 * i, STREET[1], [visit])


def test_a_run_no_relief_can_work_is_planned_and_its_carer_joins_the_team() -> None:
    people = [_person(i) for i in range(3)]
    # the main carer lives on the street and is off on days 1 and 2; the only other worker on the
    # shift lives 40 km away, so cannot reach the 07:00 call in time and cannot be the run's relief,
    # but can do the later calls
    main = Worker("main", STREET, "early", (1, 2))
    far = Worker("far", (STREET[0], STREET[1] + 0.36), "early", (0, 3))
    task = GroupTask("neighbourhood", "street", people, [main, far], calibrated_travel(), False, 2.0)
    out = roster_week(task)
    assert out.runs == 1 and out.runs_relieved == 0
    assert out.uncovered_unreachable == 2  # both days off
    assert out.violations == 0
    # the far worker covers the later calls on both days off, and is in those people's team
    assert out.engine_services == 4 and out.unassigned == 2  # p0's 07:00 call on days 1 and 2
    for pid in ("p1", "p2"):
        assert out.person_services[pid] == 7
        assert out.person_team_reliefs[pid] == 1 and out.person_team[pid] == 2
        assert out.person_usual[pid] / out.person_services[pid] >= 0.8
        assert out.person_core[pid] == 5  # run carer and reliefs alone: 5 of 7
    assert out.person_team["p0"] == 1  # nobody new comes to p0
