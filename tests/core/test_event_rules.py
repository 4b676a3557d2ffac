"""The rules of who hears what, without a server: deny by default, the longest family wins, and a
notice carries no record."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.core import event_access
from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.event_access import TopicRule, as_heard_by, in_visible_set, own_organisation, readers
from joinedup.core.events import Event
from joinedup.core.permissions import Permission, Role
from joinedup.main import wire

ACTOR = Principal(
    kind="user",
    actor_id="u1",
    role=Role.COMMISSIONER,
    organisation_id="council",
    system_id="s1",
    visible_organisation_ids=frozenset({"council", "trust", "home"}),
)


def event(topic: str, organisation_id: str | None = "trust") -> Event:
    return Event(
        id=1,
        topic=topic,
        organisation_id=organisation_id,
        system_id="s1",
        record_id="r1",
        payload={"patient_id": "p1"},
        created_at=utcnow(),
    )


@pytest.fixture
def rules() -> Iterator[None]:
    saved = dict(event_access._rules)
    event_access._rules.clear()
    yield
    event_access._rules.clear()
    event_access._rules.update(saved)


topics = st.from_regex(r"[a-z_]{1,12}(\.[a-z_]{1,12}){0,2}", fullmatch=True)


@given(topic=topics)
def test_a_topic_no_rule_covers_reaches_nobody(topic: str) -> None:
    saved = dict(event_access._rules)
    try:
        event_access._rules.clear()
        event_access.use_topic_rules([TopicRule("known", lambda _a, _e: True)])
        heard = as_heard_by(ACTOR, event(topic))
        assert (heard is not None) == (topic == "known" or topic.startswith("known."))
    finally:
        event_access._rules.clear()
        event_access._rules.update(saved)


def test_the_longest_family_decides(rules: None) -> None:
    event_access.use_topic_rules([TopicRule("a", lambda _a, _e: True), TopicRule("a.secret", lambda _a, _e: False)])
    assert as_heard_by(ACTOR, event("a.open")) is not None
    assert as_heard_by(ACTOR, event("a.secret")) is None
    assert as_heard_by(ACTOR, event("a.secret.deeper")) is None
    assert as_heard_by(ACTOR, event("ab")) is None  # a family is a whole dotted name, not a prefix


def test_figure_readers_hear_a_notice_without_the_record(rules: None) -> None:
    event_access.use_topic_rules(
        [TopicRule("d", readers(Permission.DISCHARGE_COORDINATE), may_read_figures=readers(Permission.VISIBILITY_READ))]
    )
    heard = as_heard_by(ACTOR, event("d.patient_added"))
    assert heard is not None and heard.record_id is None and heard.payload == {}
    assert heard.organisation_id == "trust" and heard.topic == "d.patient_added"
    assert as_heard_by(ACTOR, event("d.patient_added", organisation_id="elsewhere")) is None


def test_organisation_checks() -> None:
    assert in_visible_set(ACTOR, event("x", "home")) and not in_visible_set(ACTOR, event("x", None))
    assert own_organisation(ACTOR, event("x", "council")) and not own_organisation(ACTOR, event("x", "home"))


def test_the_composition_root_registers_a_rule_for_every_domains_topics() -> None:
    wire()
    for topic in (
        "organisation.updated",
        "site.created",
        "user.created",
        "credential.created",
        "capacity.updated",
        "discharge.referral_sent",
        "roster_job.queued",
        "visibility.view_saved",
        "neighbourhoods.study_created",
    ):
        assert event_access.rule_for(topic) is not None, topic
    assert event_access.rule_for("audit.anything") is None


def test_every_topic_written_in_the_source_has_a_rule() -> None:
    """A topic no rule covers reaches no one: a new kind of change must say who may hear it
    (its domain's EVENT_RULES), or its live pages would never hear of it."""
    import re
    from pathlib import Path

    import joinedup
    from joinedup.domains.discharge.schemas import EVENT_TOPICS as DISCHARGE_TOPICS

    wire()
    source = Path(joinedup.__file__).parent
    written = set()
    for path in source.rglob("*.py"):
        text = path.read_text()
        written |= set(re.findall(r'topic=f?"([a-z_]+\.[a-z_]+)', text))
        written |= {f"{family}.x" for family in re.findall(r'topic=f"([a-z_]+)\.\{', text)}
    written |= set(DISCHARGE_TOPICS)  # named as constants, listed together
    assert len(written) > 15
    assert not [t for t in sorted(written) if event_access.rule_for(t) is None]
