"""Imports every table so Alembic and tests see the whole schema."""

from __future__ import annotations

from joinedup.core.audit import AuditEvent
from joinedup.core.auth.models import ApiKey, LoginThrottle, OAuthClient, WebSession
from joinedup.core.outbox import OutboxEvent
from joinedup.db.base import Base
from joinedup.domains.capacity.models import CapacityCurrent, CapacityService, CapacityUpdateRow
from joinedup.domains.discharge.models import (
    DischargeAssessment,
    DischargeDelay,
    DischargeHold,
    DischargePatient,
    DischargeReferral,
    DischargeServiceLock,
    DischargeServiceProfile,
)
from joinedup.domains.homecare.models import RosterJob
from joinedup.domains.neighbourhoods.models import NeighbourhoodRun, NeighbourhoodStudy
from joinedup.domains.organisations.models import CareSystem, Membership, Organisation, Place, Site, User
from joinedup.domains.visibility.models import CapacitySnapshot, SavedView, TrustDaily, TrustDelayMonthly

metadata = Base.metadata

__all__ = [
    "ApiKey",
    "AuditEvent",
    "CapacityCurrent",
    "CapacityService",
    "CapacitySnapshot",
    "CapacityUpdateRow",
    "CareSystem",
    "DischargeAssessment",
    "DischargeDelay",
    "DischargeHold",
    "DischargePatient",
    "DischargeReferral",
    "DischargeServiceLock",
    "DischargeServiceProfile",
    "LoginThrottle",
    "Membership",
    "NeighbourhoodRun",
    "NeighbourhoodStudy",
    "OAuthClient",
    "Organisation",
    "OutboxEvent",
    "Place",
    "RosterJob",
    "SavedView",
    "Site",
    "TrustDaily",
    "TrustDelayMonthly",
    "User",
    "WebSession",
    "metadata",
]
