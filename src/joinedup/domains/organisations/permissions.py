"""Who may do what with organisations, users and credentials, and who hears of their changes."""

from __future__ import annotations

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import require
from joinedup.core.event_access import TopicRule, readers
from joinedup.core.events import Event
from joinedup.core.permissions import Permission, Role
from joinedup.domains.organisations.schemas import HOSPITAL_TYPES, PROVIDER_TYPES, OrganisationType

can_read_organisations = require(Permission.ORGANISATIONS_READ)
can_manage_organisations = require(Permission.ORGANISATIONS_MANAGE, write=True)
can_read_users = require(Permission.USERS_READ)
can_manage_users = require(Permission.USERS_MANAGE, write=True)
can_manage_credentials = require(Permission.CREDENTIALS_MANAGE, write=True)


# Where each staff role is held: a role's reach follows its organisation (visible_sets.py), so a
# role is granted only in the kind of organisation it belongs to. Carers and provider systems
# are never granted through a membership.
_T = OrganisationType
ROLE_PLACES: dict[Role, frozenset[OrganisationType]] = {
    Role.SYSTEM_ADMINISTRATOR: frozenset({_T.ICB}),
    Role.COMMISSIONER: frozenset({_T.ICB, _T.COUNCIL}),
    Role.DISCHARGE_COORDINATOR: HOSPITAL_TYPES,
    Role.CLINICIAN: HOSPITAL_TYPES | {_T.GP_PRACTICE},
    Role.PROVIDER_MANAGER: PROVIDER_TYPES,
    Role.CARE_WORKER: PROVIDER_TYPES | {_T.VOLUNTARY_SECTOR},
    Role.INSPECTOR: frozenset({_T.REGULATOR}),
}
# The same places in words, for a person reading why a role cannot be granted.
ROLE_PLACE_WORDS: dict[Role, str] = {
    Role.SYSTEM_ADMINISTRATOR: "the care system's integrated care board (ICB)",
    Role.COMMISSIONER: "an integrated care board (ICB) or a council",
    Role.DISCHARGE_COORDINATOR: "a hospital trust",
    Role.CLINICIAN: "a hospital trust or a GP practice",
    Role.PROVIDER_MANAGER: "a care provider (a care home, homecare or reablement service)",
    Role.CARE_WORKER: "a care provider or a voluntary organisation",
    Role.INSPECTOR: "a regulator",
}


def role_belongs_at(role: Role, organisation_type: OrganisationType) -> bool:
    return organisation_type in ROLE_PLACES.get(role, frozenset())


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
