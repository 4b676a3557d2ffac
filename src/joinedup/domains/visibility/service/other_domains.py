"""What the system picture reads from other domains, through their doors: capacity's figures
per service, the organisations and places of a care system, and discharge's figures. The only
module of visibility that calls another domain, so a change of door is a change here."""

from __future__ import annotations

from joinedup.domains.capacity.engine.system_totals import ALL, CARE_TYPES, ServiceFigures, Summary, summarise, totals
from joinedup.domains.capacity.service import capacity_summaries, read_service_figures, service_figures
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
from joinedup.domains.discharge.service import LIVE_SOURCE, discharge_summary, home_areas, ward_figures, ward_patients
from joinedup.domains.organisations.schemas import HOSPITAL_TYPES, OrganisationRef, PlaceRef, SiteRef
from joinedup.domains.organisations.service import (
    find_organisations,
    organisation,
    organisation_by_ods,
    place,
    places_in_system,
    sites_of,
)

__all__ = [
    "ALL",
    "CARE_GROUPS",
    "CARE_TYPES",
    "FIGURE_TOPICS",
    "HOSPITAL_TYPES",
    "LIVE_SOURCE",
    "DelayFigure",
    "Demand",
    "DischargeSummary",
    "OrganisationRef",
    "PlaceRef",
    "ReferralFigure",
    "ServiceFigures",
    "SiteRef",
    "Summary",
    "Waiting",
    "WaitingPatient",
    "WardFigure",
    "capacity_summaries",
    "discharge_summary",
    "find_organisations",
    "home_areas",
    "organisation",
    "organisation_by_ods",
    "place",
    "places_in_system",
    "read_service_figures",
    "service_figures",
    "sites_of",
    "summarise",
    "totals",
    "ward_figures",
    "ward_patients",
]

# Events that change the figures of the system picture: capacity changes, and every discharge
# event (new patients, assessments, delays, discharges, each referral step).
FIGURE_TOPICS = ("capacity.updated", *EVENT_TOPICS)
