"""Who may hear each event on the live stream: whoever could read its subject through the API.

An event names a record of one organisation. Each domain says, for its topic family, who could
read that record through its API (the same permission and the same organisation rule its
service applies), in its `permissions.py`; the composition root registers those rules here
(`joinedup.main.wire`), so core imports no domain. A topic no rule covers reaches no one.

A rule may also name who reads only the organisation's figures that the event changes (the
system picture's counts): they hear an id-free notice (topic and organisation, no record id and
no payload), enough for a live page to refresh its counts, nothing about the record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from joinedup.core.auth.principal import Principal
from joinedup.core.events import Event
from joinedup.core.permissions import Permission

Check = Callable[[Principal, Event], bool]


@dataclass(frozen=True)
class TopicRule:
    """Who may hear a topic family (`family` and every `family.*` topic)."""

    family: str
    may_read: Check  # could read the event's subject through the API: hears the whole event
    may_read_figures: Check | None = None  # else could read the figures it changes: hears a notice


def in_visible_set(actor: Principal, event: Event) -> bool:
    """The event's organisation is one the caller may see (row-level tenancy)."""
    return event.organisation_id is not None and event.organisation_id in actor.visible_organisation_ids


def own_organisation(actor: Principal, event: Event) -> bool:
    """The event's organisation is the one the caller acts for."""
    return event.organisation_id is not None and event.organisation_id == actor.organisation_id


def readers(permission: Permission, where: Check = in_visible_set) -> Check:
    """Holders of `permission` for whom `where` holds: the usual shape of a read rule."""

    def check(actor: Principal, event: Event) -> bool:
        return actor.can(permission) and where(actor, event)

    return check


_rules: dict[str, TopicRule] = {}


def use_topic_rules(rules: Iterable[TopicRule]) -> None:
    """Register the domains' rules (at start-up; registering a family again replaces it)."""
    for rule in rules:
        _rules[rule.family] = rule


def rules_registered() -> bool:
    return bool(_rules)


def rule_for(topic: str) -> TopicRule | None:
    """The rule of the longest family that covers `topic`, or None (nobody hears it)."""
    parts = topic.split(".")
    for n in range(len(parts), 0, -1):
        rule = _rules.get(".".join(parts[:n]))
        if rule is not None:
            return rule
    return None


def notice(event: Event) -> Event:
    """The event without its record: what changed, and where."""
    return replace(event, record_id=None, payload={})


def as_heard_by(actor: Principal, event: Event) -> Event | None:
    """The event as `actor` may hear it: whole, as a notice, or not at all (None)."""
    rule = rule_for(event.topic)
    if rule is None:
        return None
    if rule.may_read(actor, event):
        return event
    if rule.may_read_figures is not None and rule.may_read_figures(actor, event):
        return notice(event)
    return None
