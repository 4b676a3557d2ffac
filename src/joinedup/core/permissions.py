"""Roles, permissions and the rule that maps one to the other. Deny by default."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    DISCHARGE_COORDINATOR = "discharge_coordinator"
    PROVIDER_MANAGER = "provider_manager"
    CARE_WORKER = "care_worker"
    CLINICIAN = "clinician"
    COMMISSIONER = "commissioner"
    INSPECTOR = "inspector"
    SYSTEM_ADMINISTRATOR = "system_administrator"
    CARER = "carer"  # a member of the public; no organisation data at all
    PROVIDER_SYSTEM = "provider_system"  # a provider's software, through an API key or token


ROLE_LABELS = {
    Role.DISCHARGE_COORDINATOR: "Discharge coordinator",
    Role.PROVIDER_MANAGER: "Provider manager",
    Role.CARE_WORKER: "Care worker",
    Role.CLINICIAN: "Clinician",
    Role.COMMISSIONER: "Commissioner",
    Role.INSPECTOR: "Inspector",
    Role.SYSTEM_ADMINISTRATOR: "System administrator",
    Role.CARER: "Unpaid carer",
    Role.PROVIDER_SYSTEM: "Provider system",
}

STAFF_ROLES = frozenset(Role) - {Role.CARER, Role.PROVIDER_SYSTEM}


class Permission(StrEnum):
    HOME_VIEW = "home:view"
    ORGANISATIONS_READ = "organisations:read"
    ORGANISATIONS_MANAGE = "organisations:manage"
    USERS_READ = "users:read"
    USERS_MANAGE = "users:manage"
    CREDENTIALS_MANAGE = "credentials:manage"  # API keys and OAuth clients of one's own organisation
    AUDIT_READ = "audit:read"
    EVENTS_LISTEN = "events:listen"
    CAPACITY_READ = "capacity:read"  # current and past capacity, search
    CAPACITY_WRITE = "capacity:write"  # services and capacity updates of one's own organisation
    CAPACITY_EXPORT = "capacity:export"  # the monthly Capacity Tracker return
    ROSTERS_RUN = "rosters:run"  # homecare rostering solves
    DISCHARGE_COORDINATE = "discharge:coordinate"  # a hospital's patients, assessments, referrals, delays
    DISCHARGE_RESPOND = "discharge:respond"  # a provider's incoming referrals: open, ask, offer, decline
    DISCHARGE_REPORT = "discharge:report"  # bed days lost and the sitrep counts
    VISIBILITY_READ = "visibility:read"  # the system picture: drill-down counts, trends, maps, exports
    VISIBILITY_PATIENTS = "visibility:patients"  # patient level, only within one's own organisation
    NEIGHBOURHOODS_DESIGN = "neighbourhoods:design"  # neighbourhood design and scenario comparison


_P = Permission
_READ_ORGS = {_P.HOME_VIEW, _P.ORGANISATIONS_READ, _P.EVENTS_LISTEN}
_CAPACITY = {_P.CAPACITY_READ, _P.CAPACITY_WRITE, _P.CAPACITY_EXPORT}
# System visibility: counts for every staff role that plans or places care; patient level only for
# the roles that care for the patient (checked again against their own organisation).
_SEES_SYSTEM = {_P.VISIBILITY_READ}
_SEES_PATIENTS = {_P.VISIBILITY_READ, _P.VISIBILITY_PATIENTS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.DISCHARGE_COORDINATOR: frozenset(
        _READ_ORGS | _SEES_PATIENTS | {_P.CAPACITY_READ, _P.DISCHARGE_COORDINATE, _P.DISCHARGE_REPORT}
    ),
    Role.PROVIDER_MANAGER: frozenset(
        _READ_ORGS | _CAPACITY | _SEES_SYSTEM | {_P.CREDENTIALS_MANAGE, _P.ROSTERS_RUN, _P.DISCHARGE_RESPOND}
    ),
    Role.CARE_WORKER: frozenset({_P.HOME_VIEW, _P.ORGANISATIONS_READ}),
    Role.CLINICIAN: frozenset(_READ_ORGS | _SEES_PATIENTS | {_P.CAPACITY_READ}),
    Role.COMMISSIONER: frozenset(
        _READ_ORGS
        | _SEES_SYSTEM
        | {_P.CAPACITY_READ, _P.CAPACITY_EXPORT, _P.ROSTERS_RUN, _P.DISCHARGE_REPORT, _P.NEIGHBOURHOODS_DESIGN}
    ),
    Role.INSPECTOR: frozenset(_READ_ORGS | _SEES_SYSTEM | {_P.CAPACITY_READ}),
    Role.SYSTEM_ADMINISTRATOR: frozenset(Permission),
    Role.CARER: frozenset({_P.HOME_VIEW}),
    Role.PROVIDER_SYSTEM: frozenset(
        {_P.ORGANISATIONS_READ, _P.EVENTS_LISTEN, _P.CAPACITY_READ, _P.CAPACITY_WRITE, _P.ROSTERS_RUN}
    ),
}


def role_allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
