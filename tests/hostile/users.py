"""The user pages' forms, as hostile-input cases: add a user, change one, deactivate and
reactivate an account, and choose which of one's roles to act in."""

from __future__ import annotations

import itertools

from joinedup.core.auth.models import Membership
from joinedup.core.permissions import Role
from joinedup.domains.organisations import service as organisations
from tests.hostile.harness import FormCase, Stage, Target

numbers = itertools.count(1)


def _user(stage: Stage, persona: str) -> str:
    return str(stage.dx.world.users[persona].id)


def _new_user(stage: Stage) -> Target:
    return Target(
        "/users/new",
        lambda: {
            "display_name": "Hostile Test",
            "email": f"hostile.test.{next(numbers)}@example.org",
            "password": "a long temporary password",
            "organisation_id": stage.org("care_home_a"),
            "role": "provider_manager",
        },
    )


def _edit_user(stage: Stage) -> Target:
    return Target(
        f"/users/{_user(stage, 'bob_provider')}/edit",
        lambda: {
            "display_name": "Bob Provider",
            "email": "bob_provider@example.test",
            "add_organisation": stage.org("care_home_b"),
            "add_role": "care_worker",
        },
    )


def _deactivate(stage: Stage) -> Target:
    return Target(f"/users/{_user(stage, 'bob_provider')}/deactivate", dict)


def _reactivate(stage: Stage) -> Target:
    bob = _user(stage, "bob_provider")
    stage.act("alice_admin", organisations.deactivate_user, user_id=bob)
    return Target(f"/users/{bob}/reactivate", dict)


def _switch_role(stage: Stage) -> Target:
    """Dan, a discharge coordinator, is also a clinician at his trust."""
    with stage.dx.session() as s:
        second = Membership(
            user_id=_user(stage, "dan_discharge"),
            organisation_id=stage.org("trust"),
            system_id=stage.dx.world.system_id,
            role=Role.CLINICIAN,
        )
        s.add(second)
        s.commit()
        chosen = second.id
    return Target("/account/roles", lambda: {"role": chosen})


USER_FORMS = [
    FormCase("add a user", "alice_admin", _new_user, "/users/new"),
    FormCase("change a user", "alice_admin", _edit_user, "/users"),
    FormCase("deactivate an account", "alice_admin", _deactivate, "/users"),
    FormCase("reactivate an account", "alice_admin", _reactivate, "/users"),
    FormCase("choose a role", "dan_discharge", _switch_role, "/account/roles"),
]
