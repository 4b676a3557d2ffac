"""Discharge's door: patients awaiting discharge, the shared assessment, matching, referrals,
offers and the places they hold, delays, the discharge itself, reports, and the figures the
system picture shows.

One module per job; every public function is re-exported here, so callers (this domain's
handlers and other domains) import from the package. Each function takes the session first
and keyword-only arguments after; every change writes its audit row and event through
core.changes in the caller's transaction.
"""

from __future__ import annotations

from joinedup.domains.discharge.engine.figure_labels import ward_key
from joinedup.domains.discharge.service.access import hospital_for, lock_patient, shared_read
from joinedup.domains.discharge.service.assessments import (
    add_assessment,
    assessment_data,
    assessment_out,
    assessment_versions,
    latest_assessment,
    save_assessment,
)
from joinedup.domains.discharge.service.delays import add_delay, delays_of, end_delay
from joinedup.domains.discharge.service.discharges import discharge, undo_discharge
from joinedup.domains.discharge.service.matches import match_patient
from joinedup.domains.discharge.service.offers import accept, expire_due_offers, offer
from joinedup.domains.discharge.service.patient_board import patient_board, patient_summary
from joinedup.domains.discharge.service.patient_view import patient_out
from joinedup.domains.discharge.service.patients import create_patient, get_patient, list_patients, update_patient
from joinedup.domains.discharge.service.referral_state import effective_state, hospital_referral, provider_referral
from joinedup.domains.discharge.service.referrals import (
    answer,
    ask,
    decline,
    get_referral,
    hospital_referrals,
    incoming,
    open_referral,
    provider_view,
    refer,
    referral_for_hospital,
    referral_out,
    withdraw,
)
from joinedup.domains.discharge.service.reports import (
    bed_days_report,
    daily_sitrep,
    monthly_delay_reasons,
    report_organisation,
    report_range,
)
from joinedup.domains.discharge.service.system_figures import (
    LIVE_SOURCE,
    discharge_summary,
    home_areas,
    ward_figures,
    ward_patients,
)
from joinedup.domains.discharge.service.ward_list import ward_list

__all__ = [
    "LIVE_SOURCE",
    "accept",
    "add_assessment",
    "add_delay",
    "answer",
    "ask",
    "assessment_data",
    "assessment_out",
    "assessment_versions",
    "bed_days_report",
    "create_patient",
    "daily_sitrep",
    "decline",
    "delays_of",
    "discharge",
    "discharge_summary",
    "effective_state",
    "end_delay",
    "expire_due_offers",
    "get_patient",
    "get_referral",
    "home_areas",
    "hospital_for",
    "hospital_referral",
    "hospital_referrals",
    "incoming",
    "latest_assessment",
    "list_patients",
    "lock_patient",
    "match_patient",
    "monthly_delay_reasons",
    "offer",
    "open_referral",
    "patient_board",
    "patient_out",
    "patient_summary",
    "provider_referral",
    "provider_view",
    "refer",
    "referral_for_hospital",
    "referral_out",
    "report_organisation",
    "report_range",
    "save_assessment",
    "shared_read",
    "undo_discharge",
    "update_patient",
    "ward_figures",
    "ward_key",
    "ward_list",
    "ward_patients",
    "withdraw",
]
