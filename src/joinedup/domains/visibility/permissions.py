"""Who may see the system picture, and who may see patients in it."""

from __future__ import annotations

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import require
from joinedup.core.permissions import Permission

can_view = require(Permission.VISIBILITY_READ)
can_save_views = require(Permission.VISIBILITY_READ, write=True)
can_view_patients = require(Permission.VISIBILITY_PATIENTS)


def may_see_patients(actor: Principal, organisation_id: str) -> bool:
    """A legitimate relationship: a caring role, acting for the organisation the patient is in."""
    return actor.can(Permission.VISIBILITY_PATIENTS) and actor.organisation_id == organisation_id
