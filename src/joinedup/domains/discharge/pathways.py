"""Discharge pathways 0-3 with the community sitrep sub-codes (from October 2023), P3b included.

Each pathway names the kinds of service that can receive a patient on it, so a referral to a
service of the wrong kind is refused (a pathway/service mismatch).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PathwayCode(StrEnum):
    P0 = "P0"  # usual residence, no new needs (or a restarted package)
    P1_REABLEMENT = "P1_reablement"  # home with rehabilitation / reablement
    P1_NEW_CARE = "P1_new_care"  # home with a new long-term care package
    P1_HOTEL = "P1_hotel"
    P1_HOSPICE_AT_HOME = "P1_hospice_at_home"
    P2_REHAB_BED = "P2_rehab_bed"
    P2_HOSPICE = "P2_hospice"
    P2_HOMELESS_HOSTEL = "P2_homeless_hostel"
    P2_EXTRA_CARE = "P2_extra_care"
    P3_NEW_PLACEMENT = "P3_new_placement"
    P3_END_OF_LIFE = "P3_end_of_life"
    P3B_RETURNING_RESIDENT = "P3b"  # existing resident returning to their care home


@dataclass(frozen=True)
class Pathway:
    code: PathwayCode
    pathway: int
    label: str
    service_kinds: frozenset[str]


_HOME = frozenset({"homecare", "reablement"})
_BED = frozenset({"care_home", "reablement"})

PATHWAYS: dict[PathwayCode, Pathway] = {
    p.code: p
    for p in (
        Pathway(PathwayCode.P0, 0, "Pathway 0: usual residence, no new support", frozenset({"homecare"})),
        Pathway(PathwayCode.P1_REABLEMENT, 1, "Pathway 1: home with reablement", _HOME),
        Pathway(PathwayCode.P1_NEW_CARE, 1, "Pathway 1: home with a new care package", _HOME),
        Pathway(PathwayCode.P1_HOTEL, 1, "Pathway 1: hotel with support", _HOME),
        Pathway(PathwayCode.P1_HOSPICE_AT_HOME, 1, "Pathway 1: hospice at home", _HOME),
        Pathway(PathwayCode.P2_REHAB_BED, 2, "Pathway 2: rehabilitation bed", _BED),
        Pathway(PathwayCode.P2_HOSPICE, 2, "Pathway 2: hospice bed", _BED),
        Pathway(PathwayCode.P2_HOMELESS_HOSTEL, 2, "Pathway 2: homeless hostel", _BED),
        Pathway(PathwayCode.P2_EXTRA_CARE, 2, "Pathway 2: extra care", _BED),
        Pathway(PathwayCode.P3_NEW_PLACEMENT, 3, "Pathway 3: new care home placement", frozenset({"care_home"})),
        Pathway(PathwayCode.P3_END_OF_LIFE, 3, "Pathway 3: end of life", frozenset({"care_home"})),
        Pathway(
            PathwayCode.P3B_RETURNING_RESIDENT, 3, "Pathway 3b: returning to their care home", frozenset({"care_home"})
        ),
    )
}


def pathway_of(code: str) -> Pathway:
    return PATHWAYS[PathwayCode(code)]


def accepts_kind(code: str, service_kind: str) -> bool:
    return service_kind in pathway_of(code).service_kinds
