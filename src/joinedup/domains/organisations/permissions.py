"""Who may do what with organisations, users and credentials, and who hears of their changes."""

from __future__ import annotations

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import require
from joinedup.core.event_access import TopicRule, readers
from joinedup.core.events import Event
from joinedup.core.permissions import Permission, Role

can_read_organisations = require(Permission.ORGANISATIONS_READ)
can_manage_organisations = require(Permission.ORGANISATIONS_MANAGE, write=True)
can_read_users = require(Permission.USERS_READ)
can_manage_users = require(Permission.USERS_MANAGE, write=True)
can_manage_credentials = require(Permission.CREDENTIALS_MANAGE, write=True)


def may_manage_credentials_of(actor: Principal, organisation_id: str | None) -> bool:
    """An organisation's API keys and OAuth clients: its own managers, or a system administrator
    of an organisation it may see."""
    if organisation_id is None or not actor.can(Permission.CREDENTIALS_MANAGE):
        return False
    if organisation_id == actor.organisation_id:
        return True
    return actor.role is Role.SYSTEM_ADMINISTRATOR and organisation_id in actor.visible_organisation_ids


def _hears_credentials(actor: Principal, event: Event) -> bool:
    return may_manage_credentials_of(actor, event.organisation_id)


# Who hears of a change on the live stream: those who could read the record through the API.
EVENT_RULES = (
    TopicRule("organisation", readers(Permission.ORGANISATIONS_READ)),
    TopicRule("site", readers(Permission.ORGANISATIONS_READ)),
    TopicRule("user", readers(Permission.USERS_READ)),
    TopicRule("credential", _hears_credentials),
)
