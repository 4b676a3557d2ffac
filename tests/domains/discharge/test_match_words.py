"""Why a service matched or was excluded, in words (issue 14, item 17): the explanation is a
sentence a coordinator reads on the patient's page, so capacity's codes (care types, skills,
funding routes) appear by their words, acronyms in capitals, dates as people write them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from joinedup.domains.capacity.schemas import CareType, Funding, ServiceCapacity, Skill
from joinedup.domains.discharge.engine import matching, need_words

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
CODE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
LOWER_ACRONYM = re.compile(r"\b(?:nhs|Nhs|gp|cqc)\b")


def _service(care_type: str, *, accepting: bool, skills: frozenset[str], funding: frozenset[str]) -> ServiceCapacity:
    return ServiceCapacity(
        service_id="s1",
        name="Oak House",
        organisation_id="o1",
        system_id="sys",
        kind="care_home",
        latitude=53.45,
        longitude=-2.35,
        as_of=NOW - timedelta(days=3),
        status="accepting" if accepting else "not_accepting",
        care_type=care_type,
        accepting=accepting,
        skills=skills,
        funding=funding,
        areas=frozenset({"M41"}),
        free=None,
        admission_days=None,
        earliest_start=date(2026, 12, 20),
    )


def _need(care_type: str, funding: str, skills: frozenset[str]) -> matching.Need:
    return matching.Need(
        care_type=care_type,
        hours_per_week=10.0 if care_type == CareType.HOMECARE.value else None,
        funding=funding,
        start=date(2026, 12, 7),
        origins=((53.45, -2.35),),
        max_distance_km=15,
        wanted_areas=frozenset({"M41"}),
        named=frozenset(),
        skills=skills,
    )


def test_every_code_of_capacity_has_words() -> None:
    assert set(need_words.CARE_TYPES) == {c.value for c in CareType}
    assert set(need_words.SKILLS) == {s.value for s in Skill}
    assert set(need_words.FUNDING) == {f.value for f in Funding}


def test_the_issue_examples_read_as_words() -> None:
    need = _need("dementia_residential", "nhs_continuing_healthcare", frozenset())
    service = _service("dementia_residential", accepting=False, skills=frozenset(), funding=frozenset({"council"}))
    details = [r.detail for r in matching.screen(service, need, now=NOW, stale_hours={}, rating=None).reasons]
    assert "no dementia residential vacancy reported" in details
    assert "does not accept NHS continuing healthcare" in details


@given(
    care_type=st.sampled_from([c.value for c in CareType]),
    funding=st.sampled_from([f.value for f in Funding]),
    offered=st.frozensets(st.sampled_from([f.value for f in Funding])),
    needed=st.frozensets(st.sampled_from([s.value for s in Skill])),
    has=st.frozensets(st.sampled_from([s.value for s in Skill])),
    accepting=st.booleans(),
)
def test_no_explanation_shows_a_code(
    care_type: str,
    funding: str,
    offered: frozenset[str],
    needed: frozenset[str],
    has: frozenset[str],
    accepting: bool,
) -> None:
    need = _need(care_type, funding, needed)
    service = _service(care_type, accepting=accepting, skills=has, funding=offered)
    candidate = matching.screen(service, need, now=NOW, stale_hours={}, rating=None)
    matching.count(candidate, need, committed=0.0)
    for r in candidate.reasons:
        assert not CODE.search(r.detail), r.detail
        assert not LOWER_ACRONYM.search(r.detail), r.detail
        assert not re.search(r"\d{4}-\d{2}-\d{2}", r.detail), r.detail
        assert not re.search(r"(?<![\w.])\d+\.0\b", r.detail), r.detail  # "0.0 km"
