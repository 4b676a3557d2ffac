"""What each role sees first: the jobs that role comes to do."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.permissions import ROLE_LABELS, Permission, Role
from joinedup.domains.organisations import service as organisations

ROLE_HOME: dict[Role, tuple[str, str]] = {
    Role.DISCHARGE_COORDINATOR: (
        "Patients ready to leave hospital",
        "Find live capacity, refer, and record delays for patients who no longer meet the criteria to reside.",
    ),
    Role.PROVIDER_MANAGER: (
        "Your services and capacity",
        "Keep your vacancies and spare hours live, and answer referrals.",
    ),
    Role.CARE_WORKER: ("Today's visits", "Your rounds and delegated tasks."),
    Role.CLINICIAN: (
        "Delegated tasks and escalations",
        "Supervise tasks delegated to care workers and act on escalations.",
    ),
    Role.COMMISSIONER: ("System picture", "Capacity against demand by type of care, across your place."),
    Role.INSPECTOR: ("Providers by risk", "Quality indicators across providers, to decide whom to inspect."),
    Role.SYSTEM_ADMINISTRATOR: ("Administration", "Organisations, users, credentials and the audit log."),
    Role.CARER: ("Support for unpaid carers", "Find out what help is available to you as a carer."),
}


def context_for(session: Session, actor: Principal) -> dict[str, Any]:
    heading, lede = ROLE_HOME.get(actor.role, ("Home", ""))
    organisation = (
        organisations.organisation(session, organisation_id=actor.organisation_id) if actor.organisation_id else None
    )
    cards = []
    if actor.can(Permission.CAPACITY_READ):
        mine = actor.can(Permission.CAPACITY_WRITE) and organisation is not None and organisation.is_provider
        cards.append(
            {
                "href": "/capacity",
                "heading": "Your capacity" if mine else "Find capacity",
                "description": "Keep vacancies and spare hours live; confirm in one click."
                if mine
                else "Live beds, homecare hours and reablement places, with how fresh each figure is.",
            }
        )
    if actor.can(Permission.DISCHARGE_COORDINATE):
        cards.append(
            {
                "href": "/discharge",
                "heading": "Discharge",
                "description": "The ward list: days since ready, delays, assessments, matches and referrals.",
            }
        )
    if actor.can(Permission.DISCHARGE_RESPOND):
        cards.append(
            {
                "href": "/discharge/incoming",
                "heading": "Discharge referrals",
                "description": "Patients referred to your services: read the assessment, offer or decline.",
            }
        )
    if actor.can(Permission.ORGANISATIONS_READ):
        cards.append(
            {
                "href": "/organisations",
                "heading": "Organisations",
                "description": "Organisations your role lets you see.",
            }
        )
    if actor.can(Permission.USERS_READ):
        cards.append({"href": "/users", "heading": "Users", "description": "People, their roles and organisations."})
    if actor.can(Permission.AUDIT_READ):
        cards.append(
            {"href": "/audit", "heading": "Audit log", "description": "Who did what, and who read personal data."}
        )
    return {
        "title": heading,
        "heading": heading,
        "lede": lede,
        "organisation": organisation,
        "cards": cards,
        "role_label": ROLE_LABELS[actor.role],
        "visible_count": len(actor.visible_organisation_ids) if actor.organisation_id else None,
    }
