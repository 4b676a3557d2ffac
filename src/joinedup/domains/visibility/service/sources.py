"""What the system picture reads from other domains, through their doors: capacity's figures
per service, the organisations and places of a care system, and discharge's figures. The only
module of visibility that calls another domain, so a change of door is a change here."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.domains.discharge.schemas import (
    CARE_GROUPS,
    EVENT_TOPICS,
    DelayFigure,
    Demand,
    DischargeSummary,
    ReferralFigure,
    Waiting,
    WaitingPatient,
    WardFigure,
)
from joinedup.domains.discharge.service import discharge_summary, home_areas, ward_figures, ward_patients
from joinedup.domains.organisations.models import Organisation, OrganisationType, Place, Site
from joinedup.domains.visibility.figures import (
    ALL,
    CARE_TYPES,
    ServiceFigures,
    Summary,
    cache_for,
    read_services,
    summarise,
    totals,
)

__all__ = [
    "ALL",
    "CARE_GROUPS",
    "CARE_TYPES",
    "FIGURE_TOPICS",
    "HOSPITAL_TYPES",
    "DelayFigure",
    "Demand",
    "DischargeSummary",
    "OrganisationRow",
    "PlaceRow",
    "ReferralFigure",
    "ServiceFigures",
    "SitePoint",
    "Summary",
    "Waiting",
    "WaitingPatient",
    "WardFigure",
    "cache_for",
    "discharge_summary",
    "home_areas",
    "read_services",
    "summarise",
    "totals",
    "ward_figures",
    "ward_patients",
]

HOSPITAL_TYPES = (OrganisationType.ACUTE_TRUST, OrganisationType.COMMUNITY_TRUST)
# Events that change the figures of the system picture: capacity changes, and every discharge
# event (new patients, assessments, delays, discharges, each referral step).
FIGURE_TOPICS = ("capacity.updated", *EVENT_TOPICS)


@dataclass(frozen=True)
class OrganisationRow:
    id: str
    name: str
    type: str
    place_id: str | None
    system_id: str


@dataclass(frozen=True)
class PlaceRow:
    id: str
    system_id: str
    name: str
    gss_code: str


@dataclass(frozen=True)
class SitePoint:
    organisation_id: str
    name: str
    latitude: float | None
    longitude: float | None


def organisation_rows(session: Session, *, system_id: str | None) -> list[OrganisationRow]:
    """The system's organisations the session may see, as plain rows (thousands at ICB level)."""
    rows = session.execute(
        select(
            Organisation.id, Organisation.name, Organisation.type, Organisation.place_id, Organisation.system_id
        ).where(Organisation.system_id == system_id)
    )
    return [OrganisationRow(r.id, r.name, r.type, r.place_id, r.system_id) for r in rows]


def organisation_row(session: Session, *, organisation_id: str) -> OrganisationRow | None:
    org = session.get(Organisation, organisation_id)
    if org is None:
        return None
    return OrganisationRow(org.id, org.name, org.type, org.place_id, org.system_id)


def site_points(session: Session, *, organisation_ids: Collection[str]) -> list[SitePoint]:
    sites = session.scalars(select(Site).where(Site.organisation_id.in_(list(organisation_ids)))).all()
    return [SitePoint(s.organisation_id, s.name, s.latitude, s.longitude) for s in sites]


def places(session: Session, *, system_id: str | None) -> list[PlaceRow]:
    found = session.scalars(select(Place).where(Place.system_id == system_id).order_by(Place.name)).all()
    return [PlaceRow(p.id, p.system_id, p.name, p.gss_code) for p in found]


def place_row(session: Session, *, place_id: str) -> PlaceRow | None:
    place = session.get(Place, place_id)
    return None if place is None else PlaceRow(place.id, place.system_id, place.name, place.gss_code)


def organisation_id_for_ods(session: Session, *, ods_code: str) -> str | None:
    return session.scalar(select(Organisation.id).where(Organisation.ods_code == ods_code))
