"""What each role sees first: every job that role may do, each linked to where it is done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.permissions import ROLE_LABELS, Permission, Role
from joinedup.domains.organisations import service as organisations
from joinedup.domains.organisations.schemas import OrganisationRef

ROLE_HOME: dict[Role, tuple[str, str]] = {
    Role.DISCHARGE_COORDINATOR: (
        "Patients ready to leave hospital",
        "Find live capacity, refer, and record delays for patients who no longer meet the criteria to reside.",
    ),
    Role.PROVIDER_MANAGER: (
        "Your services and capacity",
        "Keep your vacancies and spare hours live, and answer referrals.",
    ),
    Role.CARE_WORKER: ("Your organisations", "Look up the organisations you work with."),
    Role.CLINICIAN: ("Capacity and the system picture", "Find care that is free now and see where patients wait."),
    Role.COMMISSIONER: ("System picture", "Capacity against demand by type of care, across your place."),
    Role.INSPECTOR: ("Providers and capacity", "Capacity and how fresh it is, across the providers you inspect."),
    Role.SYSTEM_ADMINISTRATOR: ("Administration", "Organisations, users, credentials and the audit log."),
    Role.CARER: (
        "Support for unpaid carers",
        "Your account is for unpaid carers. It shows no one's personal or organisation data.",
    ),
}


@dataclass(frozen=True)
class Job:
    href: str
    heading: str
    description: str


def _jobs(actor: Principal, organisation: OrganisationRef | None) -> list[Job]:
    """Every job the role may do, in the order it is usually done."""
    can = actor.can
    provider = organisation is not None and organisation.is_provider
    jobs: list[Job] = []
    if can(Permission.CAPACITY_WRITE) and provider:
        jobs += [
            Job("/capacity", "Your capacity", "Keep vacancies and spare hours live; confirm in one click."),
            Job("/capacity/upload", "Upload capacity", "Update many services at once from a CSV file."),
        ]
    if can(Permission.DISCHARGE_RESPOND):
        jobs.append(
            Job(
                "/discharge/incoming",
                "Discharge referrals",
                "Patients referred to your services: read the assessment, offer or decline.",
            )
        )
    if can(Permission.DISCHARGE_COORDINATE):
        jobs += [
            Job("/discharge", "Discharge", "The ward list: days since ready, delays, assessments and referrals."),
            Job(
                "/discharge/patients/new", "Add a patient", "Add a patient who no longer meets the criteria to reside."
            ),
        ]
    if can(Permission.CAPACITY_READ) and not (can(Permission.CAPACITY_WRITE) and provider):
        jobs.append(
            Job("/capacity", "Find capacity", "Live beds, homecare hours and reablement places, and how fresh each is.")
        )
    if can(Permission.DISCHARGE_REPORT):
        jobs.append(
            Job("/discharge/reports", "Discharge reports", "Bed days lost, delay reasons and the daily sitrep.")
        )
    if can(Permission.VISIBILITY_READ):
        jobs += [
            Job("/visibility", "System picture", "Capacity, demand and delays from the whole system down to a ward."),
            Job("/visibility/map", "Map of capacity", "Where care is free and where people wait, by locality."),
            Job("/visibility/views", "Saved views", "Pages of the system picture you or your role saved."),
        ]
    if can(Permission.NEIGHBOURHOODS_DESIGN):
        jobs.append(
            Job(
                "/neighbourhoods",
                "Neighbourhood homecare",
                "Design neighbourhoods, compare scenarios, see your studies.",
            )
        )
    if can(Permission.CREDENTIALS_MANAGE) and actor.organisation_id:
        jobs.append(
            Job(
                f"/organisations/{actor.organisation_id}/api-keys",
                "API keys",
                "Keys that let your organisation's software send capacity.",
            )
        )
    if can(Permission.ORGANISATIONS_READ):
        jobs.append(Job("/organisations", "Organisations", "Organisations your role lets you see."))
    if can(Permission.ORGANISATIONS_MANAGE):
        jobs.append(Job("/organisations/new", "Add an organisation", "Register a provider, trust or council."))
    if can(Permission.USERS_READ):
        jobs.append(Job("/users", "Users", "People, their roles and organisations."))
    if can(Permission.AUDIT_READ):
        jobs.append(Job("/audit", "Audit log", "Who did what, and who read personal data."))
    return jobs


def context_for(session: Session, actor: Principal) -> dict[str, Any]:
    heading, lede = ROLE_HOME.get(actor.role, ("Home", ""))
    organisation = (
        organisations.organisation(session, organisation_id=actor.organisation_id) if actor.organisation_id else None
    )
    return {
        "title": heading,
        "heading": heading,
        "lede": lede,
        "organisation": organisation,
        "cards": _jobs(actor, organisation),
        "role_label": ROLE_LABELS[actor.role],
        "visible_count": len(actor.visible_organisation_ids) if actor.organisation_id else None,
    }
