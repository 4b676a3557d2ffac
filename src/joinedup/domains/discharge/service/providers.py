"""What discharge needs to know about the services it refers to, asked of capacity's door (capacity
owns what its figures mean: free units, their unit, and whether a service is accepting)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.orm import Session

from joinedup.domains.capacity import service as capacity
from joinedup.domains.capacity.schemas import FreeUnits, ServiceSummary


def service_row(session: Session, service_id: str) -> ServiceSummary | None:
    """The service as capacity describes it (id, name, organisation, system, kind, active)."""
    return capacity.service_summary(session, service_id=service_id)


def service_kind(session: Session, service_id: str) -> str:
    """The service's kind (care_home, homecare, reablement), "" if it is not visible."""
    service = service_row(session, service_id)
    return service.kind if service else ""


def service_names(session: Session, service_ids: Collection[str]) -> dict[str, str]:
    return capacity.service_names(session, service_ids=service_ids) if service_ids else {}


def reported_free(session: Session, service_id: str, care_type: str) -> FreeUnits | None:
    """What the service last reported free for the care type, read afresh: an acceptance
    counts against the newest figures, not the session's copy (None: never reported)."""
    return capacity.free_units(session, service_id=service_id, care_type=care_type)
