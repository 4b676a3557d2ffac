"""How the system picture names and groups waiting patients: the care group each waits for, the
label of a delay reason and who answers for it, a pathway's short name, a ward's key."""

from __future__ import annotations

import re

from joinedup.domains.capacity.schemas import CareType
from joinedup.domains.discharge.delay_reasons import DELAY_REASONS, NOT_RECORDED
from joinedup.domains.discharge.pathways import PATHWAYS, PathwayCode
from joinedup.domains.discharge.schemas.figures import DELAY_RESPONSIBLE

# Care type of the latest assessment -> shortfall care group (every other care type is a bed).
CARE_TYPE_GROUP = {
    CareType.HOMECARE.value: "homecare",
    CareType.REABLEMENT_PATHWAY_1.value: "reablement",
    CareType.REABLEMENT_PATHWAY_2.value: "bedded_rehab",
    CareType.DISCHARGE_TO_ASSESS.value: "bedded_rehab",
}
# Without an assessment, the pathway says which group the patient waits for (P0 and a resident
# returning to their care home wait for none).
PATHWAY_GROUP = {
    PathwayCode.P1_REABLEMENT.value: "reablement",
    PathwayCode.P1_NEW_CARE.value: "homecare",
    PathwayCode.P1_HOTEL.value: "homecare",
    PathwayCode.P1_HOSPICE_AT_HOME.value: "homecare",
    PathwayCode.P2_REHAB_BED.value: "bedded_rehab",
    PathwayCode.P2_HOSPICE.value: "bedded_rehab",
    PathwayCode.P2_HOMELESS_HOSTEL.value: "bedded_rehab",
    PathwayCode.P2_EXTRA_CARE.value: "bedded_rehab",
    PathwayCode.P3_NEW_PLACEMENT.value: "care_home",
    PathwayCode.P3_END_OF_LIFE.value: "care_home",
}
NOT_RECORDED_LABEL = "No reason recorded"


def ward_key(name: str) -> str:
    """A ward's key in addresses: its name in lower case, runs of other characters as '-'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "ward"


def care_group(care_type: str | None, pathway: str) -> str | None:
    """The shortfall care group a patient waits for: by the assessed care type, else the pathway."""
    if care_type is not None:
        return CARE_TYPE_GROUP.get(care_type, "care_home")
    return PATHWAY_GROUP.get(pathway)


def reason_label(code: str | None) -> str:
    if code is None or code == NOT_RECORDED or code not in DELAY_REASONS:
        return NOT_RECORDED_LABEL
    return DELAY_REASONS[code].display


def responsible_for(code: str | None) -> str:
    """Who answers for a delay reason, by its family."""
    if code is None or code not in DELAY_REASONS:
        return "Not recorded"
    return DELAY_RESPONSIBLE.get(DELAY_REASONS[code].family.lower(), "Other")


def pathway_label(code: str) -> str:
    """ "Pathway 0".."Pathway 3" for a pathway code (the code itself if unknown)."""
    try:
        return f"Pathway {PATHWAYS[PathwayCode(code)].pathway}"
    except ValueError:
        return code
