"""Who may see the system picture, and who may see patients in it."""

from __future__ import annotations

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import require
from joinedup.core.event_access import TopicRule, own_organisation
from joinedup.core.events import Event
from joinedup.core.permissions import Permission

can_view = require(Permission.VISIBILITY_READ)
can_save_views = require(Permission.VISIBILITY_READ, write=True)
can_view_patients = require(Permission.VISIBILITY_PATIENTS)


def may_see_patients(actor: Principal, organisation_id: str) -> bool:
    """A legitimate relationship: a caring role, acting for the organisation the patient is in."""
    return actor.can(Permission.VISIBILITY_PATIENTS) and actor.organisation_id == organisation_id


def _may_read_view(actor: Principal, event: Event) -> bool:
    """A saved view is its owner's, or shared with the same role in the same organisation."""
    owner, role, shared = event.payload.get("user_id"), event.payload.get("role"), event.payload.get("shared")
    return (
        actor.can(Permission.VISIBILITY_READ)
        and own_organisation(actor, event)
        and role == actor.role.value
        and (shared is True or (actor.user_id is not None and owner == actor.user_id))
    )


# Who hears of a saved view's change on the live stream: those who would find it in their list.
EVENT_RULES = (TopicRule("visibility", _may_read_view),)
