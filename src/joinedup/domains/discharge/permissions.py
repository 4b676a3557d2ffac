"""Who may coordinate discharges (a hospital's hub), respond to referrals (providers), and report;
and who hears of discharge changes on the live stream."""

from __future__ import annotations

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import public, require
from joinedup.core.event_access import TopicRule, own_organisation, readers
from joinedup.core.events import Event
from joinedup.core.permissions import Permission

can_read = require(Permission.DISCHARGE_COORDINATE)
can_coordinate = require(Permission.DISCHARGE_COORDINATE, write=True)
can_view_referrals = require(Permission.DISCHARGE_RESPOND)
can_respond = require(Permission.DISCHARGE_RESPOND, write=True)
can_report = require(Permission.DISCHARGE_REPORT)
anyone = public()  # the official code lists

REFERRAL_TOPICS = "discharge.referral_"


def _party(actor: Principal, event: Event) -> bool:
    """A patient's record is its hospital's (the discharge team's); a referral is also the
    provider's it was sent to, whose copy of the event names the provider's organisation."""
    if not own_organisation(actor, event):
        return False
    if event.topic.startswith(REFERRAL_TOPICS):
        return actor.can(Permission.DISCHARGE_COORDINATE) or actor.can(Permission.DISCHARGE_RESPOND)
    return actor.can(Permission.DISCHARGE_COORDINATE)


# The parties hear the whole event; those who see the organisation's discharge figures in the
# system picture hear only that something changed there, so their counts can refresh.
EVENT_RULES = (TopicRule("discharge", _party, may_read_figures=readers(Permission.VISIBILITY_READ)),)
