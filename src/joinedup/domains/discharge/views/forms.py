"""What every discharge page shares: who may see it, the labels and tags it shows, each form's
questions with a plain-English message for every rule, and the messages a page shows after a
redirect (a fixed set, chosen by key)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends

from joinedup.core.auth.principal import Principal
from joinedup.domains.discharge import permissions
from joinedup.domains.discharge.delay_reasons import DELAY_REASONS
from joinedup.domains.discharge.engine.need_words import SKILLS
from joinedup.domains.discharge.pathways import PATHWAYS
from joinedup.domains.discharge.schemas import (
    DECLINE_LABELS,
    NEED_LABELS,
    REFERRAL_STATE_LABELS,
    Behaviour,
    Cognition,
    Continence,
    Level,
    Medication,
    Mobility,
    Nutrition,
    Skin,
)
from joinedup.web.flash import Flash
from joinedup.web.forms import Field, Form
from joinedup.web.words import day, label

Hub = Annotated[Principal, Depends(permissions.can_read)]
HubWriter = Annotated[Principal, Depends(permissions.can_coordinate)]
Provider = Annotated[Principal, Depends(permissions.can_view_referrals)]
ProviderWriter = Annotated[Principal, Depends(permissions.can_respond)]
Reporter = Annotated[Principal, Depends(permissions.can_report)]
STATE_TAGS = {
    "sent": "grey",
    "opened": "blue",
    "question": "yellow",
    "offered": "green",
    "accepted": "green",
    "declined": "red",
    "expired": "orange",
    "withdrawn": "grey",
    "completed": "purple",
}
NEED_FIELDS: list[tuple[str, str, type[Any]]] = [
    ("mobility", "Mobility and transfers", Mobility),
    ("personal_care", "Personal care", Level),
    ("continence", "Continence", Continence),
    ("nutrition", "Nutrition", Nutrition),
    ("medication_support", "Medication support", Medication),
    ("cognition", "Cognition and dementia", Cognition),
    ("behaviour", "Behaviour", Behaviour),
    ("skin_integrity", "Skin integrity", Skin),
]

FLASH = Flash(
    {
        "patient-added": "Patient added",
        "details-saved": "Details saved",
        "no-changes": "No changes were made: the ward, discharge ready date and pathway are as they were",
        "assessment-saved": "Assessment saved",
        "assessment-unchanged": "The assessment is the same as the latest version, so no new version was added",
        **{f"referred-{n}": f"Referred to {n} service{'s' if n > 1 else ''}" for n in range(1, 11)},
        "offer-accepted": "Offer accepted; a place is held",
        "referral-withdrawn": "Referral withdrawn",
        "answer-sent": "Answer sent",
        "delay-recorded": "Delay recorded",
        "delay-ended": "Delay ended",
        "discharged": "Discharge recorded",
        "discharge-undone": "Discharge undone: the patient is back on the ward list",
        "referral-opened": "Referral opened",
        "offer-sent": "Offer sent",
        "referral-declined": "Referral declined",
        "question-sent": "Question sent",
    }
)

_REAL_POSTCODE = {
    "format": "Enter a full UK postcode, like M41 5BU",
    "too_long": "Enter a full UK postcode, like M41 5BU",
}


def _long(label: str, limit: int) -> dict[str, str]:
    return {"too_long": f"{label} must be {limit} characters or fewer"}


PATIENT_FORM = Form(
    "patient",
    Field(
        "nhs_number",
        "NHS number",
        required="Enter the patient's NHS number",
        messages={
            "nhs_number_digits": "NHS number must be 10 digits",
            "nhs_number_check_digit": "Check the NHS number: its last digit does not match the first nine",
            "too_long": "NHS number must be 10 digits",
        },
    ),
    Field("name", "Name", required="Enter the patient's name", messages=_long("Name", 120)),
    Field(
        "hospital_number",
        "Hospital number",
        messages={"format": "Hospital number must be up to 30 letters, numbers or hyphens"},
    ),
    Field("ward", "Ward", required="Enter the ward", messages=_long("Ward", 60)),
    Field("admitted_on", "Admission date", kind="date", required="Enter the admission date"),
    Field("discharge_ready_on", "Discharge ready date", kind="date"),
    Field(
        "pathway",
        "Proposed discharge pathway",
        kind="choice",
        messages={"choice": "Select the proposed discharge pathway"},
    ),
    Field("home_postcode", "Home postcode", kind="postcode", messages=_REAL_POSTCODE),
    Field("family_postcode", "Family's postcode", kind="postcode", messages=_REAL_POSTCODE),
)


def details_form(*, had_ready_date: bool) -> Form:
    """Ward, discharge ready date and pathway while in hospital. A ready date once recorded can be
    corrected but not emptied: an empty date there is an error, not a silent "no change"."""
    return Form(
        "details",
        Field("ward", "Ward", required="Enter the ward", messages=_long("Ward", 60)),
        Field(
            "discharge_ready_on",
            "Discharge ready date",
            kind="date",
            required="Enter the discharge ready date" if had_ready_date else None,
        ),
        Field(
            "pathway",
            "Proposed discharge pathway",
            kind="choice",
            required="Select the proposed discharge pathway",
            messages={"choice": "Select the proposed discharge pathway"},
        ),
    )


ASSESSMENT_FORM = Form(
    "assessment",
    *(
        Field(name, text, kind="choice", noun=f"the patient's {text[:1].lower() + text[1:]}")
        for name, text, _ in NEED_FIELDS
    ),
    Field("equipment", "Equipment", kind="choices", messages={"choice": "Select equipment from the list"}),
    Field("carers_needed", "Carers needed", kind="choice", messages={"range": "Select 1 or 2 carers"}),
    Field("end_of_life", "End of life care", kind="flag"),
    Field("care_type", "Care type or bed type", kind="choice"),
    Field(
        "hours_per_week",
        "Hours a week",
        kind="number",
        messages={
            "number": "Hours a week must be a number, like 10 or 12.5",
            "range": "Hours a week must be more than 0 and no more than 168",
        },
    ),
    Field("start_date", "Start date", kind="date", required="Enter the start date"),
    Field("funding", "Funding route", kind="choice"),
    Field(
        "areas",
        "Preferred areas",
        messages={
            "format": "Enter postcode districts like M41 or M33, separated by commas",
            "too_many": "Enter no more than 20 preferred areas",
        },
    ),
    Field(
        "max_distance_km",
        "Furthest distance",
        kind="number",
        messages={
            "number": "Furthest distance must be a number, like 15",
            "range": "Furthest distance must be more than 0 and no more than 100 km",
        },
    ),
    Field(
        "notes",
        "The person's and family's wishes",
        multiline=True,
        messages=_long("The person's and family's wishes", 500),
    ),
    Field("risks", "Risks", multiline=True, messages=_long("Risks", 500)),
)

REFER_FORM = Form(
    "refer",
    Field(
        "service_id",
        "Services",
        kind="choices",
        key="service_ids",
        required="Select at least one service to refer to",
        messages={
            "too_many": "Select no more than 10 services at once",
            "not_visible": "Select services from the list",
            "duplicate": "Each service can be referred to only once",
        },
    ),
)

DELAY_FORM = Form(
    "delay",
    Field(
        "reason_code",
        "Reason for the delay",
        kind="choice",
        required="Select the reason for the delay",
        messages={
            "format": "Select the reason for the delay from the list",
            "unknown_reason": "Select the reason for the delay from the list",
        },
    ),
    Field("primary", "Primary reason", kind="flag"),
    Field("started_on", "Delay started", kind="date", noun="the day the delay started"),
)

DISCHARGE_FORM = Form("discharge", Field("discharged_at", "Discharge time"))
CORRECTION_FORM = Form(
    "correction",
    Field(
        "reason",
        "Why is the discharge being undone?",
        kind="choice",
        required="Select why the discharge is being undone",
    ),
)


def answer_form(referral_id: str) -> Form:
    """The hospital's answer to a provider's question; one form per referral on the patient page."""
    return Form(
        f"answer-{referral_id}",
        Field("text", "Answer", required="Enter your answer", messages=_long("Your answer", 1000)),
        prefix=f"answer-{referral_id}-",
    )


OFFER_FORM = Form(
    "offer",
    Field(
        "start_date",
        "Start date",
        kind="date",
        required="Enter the date the place can start",
        messages={"past": "The start date must be today or in the future"},
    ),
    Field(
        "hold_hours",
        "Hold the offer for",
        kind="number",
        messages={
            "number": "Hold the offer for a whole number of hours, like 24",
            "whole_number": "Hold the offer for a whole number of hours, like 24",
            "range": "Hold the offer for between 1 and 168 hours",
        },
    ),
    Field("accepted_without_reassessment", "Accept the shared assessment", kind="flag"),
)
DECLINE_FORM = Form(
    "decline",
    Field("reason", "Reason", kind="choice", required="Select why you are declining"),
    Field("note", "Note", messages=_long("Note", 500)),
)
QUESTION_FORM = Form(
    "question",
    Field("text", "Question", required="Enter your question", messages=_long("Your question", 1000)),
)


def start_day(iso: str | None) -> str:
    """A referral summary's start date (kept as ISO text in the summary) as people write it."""
    return day(date.fromisoformat(iso)) if iso else "Not given"


def common() -> dict[str, Any]:
    return {
        "label": label,
        "start_day": start_day,
        "pathway_labels": {code.value: pathway.label for code, pathway in PATHWAYS.items()},
        "skill_words": SKILLS,
        "need_labels": NEED_LABELS,
        "state_labels": {s.value: v for s, v in REFERRAL_STATE_LABELS.items()},
        "state_tags": STATE_TAGS,
        "decline_labels": {k.value: v for k, v in DECLINE_LABELS.items()},
        "reasons": DELAY_REASONS,
    }
