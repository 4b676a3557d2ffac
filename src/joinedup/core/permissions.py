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
    NEIGHBOURHOODS_DESIGN = "neighbourhoods:design"  # neighbourhood design and scenario comparison


_P = Permission
_READ_ORGS = {_P.HOME_VIEW, _P.ORGANISATIONS_READ, _P.EVENTS_LISTEN}
_CAPACITY = {_P.CAPACITY_READ, _P.CAPACITY_WRITE, _P.CAPACITY_EXPORT}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.DISCHARGE_COORDINATOR: frozenset(_READ_ORGS | {_P.CAPACITY_READ}),
    Role.PROVIDER_MANAGER: frozenset(_READ_ORGS | _CAPACITY | {_P.CREDENTIALS_MANAGE, _P.ROSTERS_RUN}),
    Role.CARE_WORKER: frozenset({_P.HOME_VIEW, _P.ORGANISATIONS_READ}),
    Role.CLINICIAN: frozenset(_READ_ORGS | {_P.CAPACITY_READ}),
    Role.COMMISSIONER: frozenset(
        _READ_ORGS | {_P.CAPACITY_READ, _P.CAPACITY_EXPORT, _P.ROSTERS_RUN, _P.NEIGHBOURHOODS_DESIGN}
    ),
    Role.INSPECTOR: frozenset(_READ_ORGS | {_P.CAPACITY_READ}),
    Role.SYSTEM_ADMINISTRATOR: frozenset(Permission),
    Role.CARER: frozenset({_P.HOME_VIEW}),
    Role.PROVIDER_SYSTEM: frozenset(
        {_P.ORGANISATIONS_READ, _P.EVENTS_LISTEN, _P.CAPACITY_READ, _P.CAPACITY_WRITE, _P.ROSTERS_RUN}
    ),
}


def role_allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
