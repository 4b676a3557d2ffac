"""The 37 official NHS England acute sitrep delay reasons (2024/25 onwards), in five families.

`label` is the text exactly as NHS England publishes it (non-breaking spaces and en dashes kept), so
monthly counts can be written in the published shape; `code` is joinedup's short, stable key.
Source: ../shared/data/england/england_trust_delay_reasons_monthly.csv.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

FAMILIES = {
    "H": "Hospital process",
    "T": "Care transfer hub process",
    "I": "Interface process",
    "C": "Capacity",
    "W": "Wellbeing concerns",
}

_OFFICIAL: tuple[tuple[str, str], ...] = (
    ("C01", "Capacity \u2013 Awaiting restart of existing social care arrangements (Pathway 0)"),
    ("C02", "Capacity \u2013 Bed-based rehabilitation, reablement or recovery services not yet available (Pathway 2)"),
    ("C03", "Capacity \u2013 End of life care inc Fast-Track CHC not yet available\xa0(Pathway 1 or 3)"),
    ("C04", "Capacity \u2013 Equipment and associated training not yet delivered (Pathway 1-3)"),
    (
        "C05",
        "Capacity \u2013 Home-based rehabilitation, reablement or recovery services not yet available\xa0(Pathway 1)",
    ),
    ("C06", "Capacity \u2013 Housing adaptations not yet completed (Pathway 1 or 3)"),
    ("C07", "Capacity \u2013 Housing provision not yet available (Pathway 0 or 1)"),
    ("C08", "Capacity \u2013 Mental health admitted patient care not yet available (Pathway 2)"),
    ("C09", "Capacity \u2013 Other home-based community health services not yet available (Pathway 1)"),
    ("C10", "Capacity \u2013 Other home-based social care service not yet available (Pathway 1)"),
    ("C11", "Capacity \u2013 Residential/nursing home care not yet available (Pathway 3)"),
    ("T01", "Care transfer hub process \u2013 Awaiting confirmation of funding eligibility"),
    ("T02", "Care transfer hub process \u2013 Waiting for confirmation of immediate care needs and pathway"),
    ("T03", "Care transfer hub process\u2013 Awaiting necessary referrals by care transfer hub"),
    ("H01", "Hospital process - Awaiting medical review of need for supported discharge"),
    ("H02", "Hospital process \u2013 Awaiting formal decision to discharge (inc diagnostic test results)"),
    (
        "H03",
        "Hospital process \u2013 Awaiting medicines to take home, discharge letter\xa0or other discharge documentation",
    ),
    ("H04", "Hospital process \u2013 Awaiting patient transport services"),
    ("H05", "Hospital process \u2013 Awaiting referral to care transfer hub for supported discharge"),
    ("H06", "Hospital process \u2013 Awaiting therapy review of need for supported discharge"),
    ("H07", "Hospital process \u2013 Remaining in hospital due to infection prevention and control restrictions"),
    (
        "I01",
        "Interface process \u2013 Bed-based rehabilitation, reablement or recovery service arrangements still underway (Pathway 2)",  # noqa: E501
    ),
    (
        "I02",
        "Interface process \u2013 Home based rehabilitation, reablement or recovery service arrangements still underway (Pathway 1)",  # noqa: E501
    ),
    (
        "I03",
        "Interface process \u2013 Other home-based community health service arrangements still underway (Pathway 1)",
    ),
    ("I04", "Interface process \u2013 Other home-based social care service arrangements still underway (Pathway 1)"),
    ("I05", "Interface process \u2013 Residential/nursing home care arrangements still underway (Pathway 3)"),
    (
        "I06",
        "Interface\xa0process \u2013 End of life care inc Fast-Track CHC arrangement still underway?(Pathway 1 or 3)",
    ),
    ("I07", "Interface\xa0process \u2013 Further action requested by agreed provider"),
    ("I08", "Interface\xa0process \u2013 Homeless with no recourse to public funds?"),
    (
        "I09",
        "Interface\xa0process \u2013 Housing provision arrangement for homelessness still underway\xa0(Pathway 0 or 1)",
    ),
    ("I10", "Interface\xa0process \u2013 Out of area discharge arrangements requested but not completed"),
    ("I11", "Interface\xa0process \u2013 Patient/family/carer choice discussions on package still underway"),
    ("I12", "Interface\xa0process \u2013 Self-funded care package arrangements still underway"),
    ("W01", "Wellbeing concerns - Issues with discharge destination readiness"),
    ("W02", "Wellbeing concerns \u2013 Awaiting determination of mental capacity"),
    ("W03", "Wellbeing concerns \u2013 Ongoing\xa0safeguarding concern"),
    ("W04", "Wellbeing concerns \u2013 Patient\xa0/family/carer concerns over discharge readiness"),
)


@dataclass(frozen=True)
class DelayReason:
    code: str
    label: str  # as published

    @property
    def family(self) -> str:
        return FAMILIES[self.code[0]]

    @cached_property
    def display(self) -> str:
        """The label with ordinary spaces, for screens (worked out once: every ward list row shows one)."""
        return re.sub(r"\s+", " ", self.label.replace("\xa0", " ")).strip()


DELAY_REASONS: dict[str, DelayReason] = {code: DelayReason(code, label) for code, label in _OFFICIAL}
NOT_RECORDED = "not_recorded"


def is_reason(code: str) -> bool:
    return code in DELAY_REASONS
