"""Words on pages: plain-English labels for codes, counts with their unit ("1 bed", "2 beds"),
numbers as people write them ("123", not "123.0") and "Not recorded" where nothing was.

Every page renders codes through these (as Jinja filters), so a new code reads as words by
default and never reaches the screen as "dementia_nursing" or "None".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

NOT_RECORDED = "Not recorded"

# Short forms written in capitals wherever they appear in a code.
ACRONYMS = frozenset(
    {"api", "cqc", "csv", "fhir", "gp", "icb", "ics", "id", "ip", "lsoa", "nhs", "oauth", "ods", "sitrep", "spc", "uk"}
)
_SPELLED = {"api": "API", "oauth": "OAuth", "sitrep": "sitrep", "id": "ID", "ip": "IP"}

# Codes whose words are not just the code's own words.
KNOWN: dict[str, str] = {
    # organisations
    "acute_trust": "Acute hospital trust",
    "community_trust": "Community health trust",
    "care_home_provider": "Care home",
    "homecare_provider": "Homecare provider",
    "reablement_service": "Reablement service",
    "gp_practice": "GP practice",
    "council": "Council",
    "icb": "Integrated care board",
    "regulator": "Regulator",
    "voluntary_sector": "Voluntary sector organisation",
    # capacity
    "care_home": "Care home",
    "discharge_to_assess": "Discharge to assess",
    "respite": "Respite (short stay)",
    "reablement_pathway_1": "Reablement at home (pathway 1)",
    "reablement_pathway_2": "Reablement bed (pathway 2)",
    "double_up": "Two carers (double up)",
    "delegated_healthcare_tasks": "Delegated healthcare tasks",
    "nhs_continuing_healthcare": "NHS continuing healthcare",
    "self_funder": "Self-funded",
    "accepting": "Accepting admissions",
    "not_accepting": "Not accepting admissions",
    "waitlist": "Waiting list",
    "assessment_required": "Assessment needed first",
    "hours_per_week": "hours a week",
    "api_key": "API key",
    "oauth_client": "OAuth client",
}

# Where an audited change came from, and who (of which kind) made it.
CHANNELS = {"web": "Website", "api": "API", "fhir": "FHIR API", "cli": "Command line", "job": "Background job"}
ACTOR_KINDS = {"user": "Person", "api_key": "API key", "oauth_client": "OAuth client", "system": "The system"}

# The last word of an audit action ("organisation.create"), as a past tense.
DONE: dict[str, str] = {
    "create": "added",
    "update": "changed",
    "delete": "deleted",
    "revoke": "revoked",
    "read": "viewed",
    "list": "listed",
    "export": "exported",
    "import": "imported",
    "submit": "submitted",
    "end": "ended",
    "discharge": "discharged",
    "confirm": "confirmed",
    "sign_in": "signed in",
    "sign_out": "signed out",
    "sign_in_failed": "sign-in failed",
    "locked": "locked",
    "deactivate": "deactivated",
    "reactivate": "reactivated",
    "switch_role": "switched to another role",
}
RECORDS: dict[str, str] = {
    "auth": "Account",
    "discharge_patient": "Patient",
    "discharge_assessment": "Assessment",
    "discharge_referral": "Referral",
    "discharge_delay": "Delay",
    "capacity_service": "Service",
    "capacity_update": "Capacity",
    "roster_job": "Rostering job",
    "neighbourhood_study": "Neighbourhood study",
    "neighbourhoods": "Neighbourhood study",
    "saved_view": "Saved view",
    "audit_log": "Audit log",
}


def _code(value: object) -> str:
    return str(value.value) if isinstance(value, Enum) else str(value)


def humanise(code: str) -> str:
    """ "dementia_nursing" -> "Dementia nursing", "gp_practice" -> "GP practice"."""
    words = [w for w in re.split(r"[_\s]+|(?<=[a-z])(?=[A-Z])", code.strip()) if w]
    if not words:
        return ""
    out = [(_SPELLED.get(w.lower(), w.upper()) if w.lower() in ACRONYMS else w.lower()) for w in words]
    first = out[0]
    out[0] = first if first.lower() in ACRONYMS else first[:1].upper() + first[1:]
    return " ".join(out)


def label(value: object, labels: Mapping[Any, str] | None = None) -> str:
    """A code, an enum member or None as words: the caller's own labels first, then the known ones."""
    if value is None or value == "":
        return NOT_RECORDED
    if labels:
        for key in (value, _code(value)):
            if key in labels:
                return labels[key]
    code = _code(value)
    return KNOWN.get(code) or humanise(code)


def lower_label(value: object, labels: Mapping[Any, str] | None = None) -> str:
    """A label inside a sentence ("3 dementia nursing beds"): the first letter lower unless an acronym."""
    text = label(value, labels)
    head = text.split(" ", 1)[0]
    return text if head.isupper() and len(head) > 1 else text[:1].lower() + text[1:]


def number(value: object, places: int = 1, grouping: bool = True) -> str:
    """123.0 -> "123", 1234.56 -> "1,234.6", None -> "Not recorded". Without grouping (a form's
    value, which the browser reads back as a number): "1234.6"."""
    if value is None or value == "":
        return NOT_RECORDED
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return NOT_RECORDED
    sep = "," if grouping else ""
    text = f"{value:{sep}.{places}f}" if isinstance(value, float) else f"{value:{sep}}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


IRREGULAR = {"person": "people", "child": "children"}


_QUALIFIER = re.compile(r" (?:a|an|per|of|in|on|at|to) ")


def _plural_word(word: str) -> str:
    if word in IRREGULAR:
        return IRREGULAR[word]
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in set("aeiou"):
        return word[:-1] + "ies"
    return word + "s"


def plural(unit: str) -> str:
    """The plural of a unit: its noun made plural, before any qualifier ("hour a week" -> "hours
    a week", "care recipient" -> "care recipients", "person" -> "people")."""
    if unit in IRREGULAR:
        return IRREGULAR[unit]
    match = _QUALIFIER.search(unit)
    noun, rest = (unit[: match.start()], unit[match.start() :]) if match else (unit, "")
    *before, last = noun.split(" ")
    return " ".join([*before, _plural_word(last)]) + rest


def count(value: object, unit: str, units: str | None = None, places: int = 1) -> str:
    """A number with its unit in agreement: "1 bed", "2 beds", "1.5 hours", "0 places"."""
    if value is None or value == "":
        return NOT_RECORDED
    shown = number(value, places)
    one = shown == "1"
    return f"{shown} {unit if one else (units or plural(unit))}"


def or_not_recorded(value: object, missing: str = NOT_RECORDED) -> object:
    """The value, or "Not recorded" where there is none (None, empty text)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return missing
    return value


def audit_action(action: str) -> str:
    """ "discharge_patient.create" -> "Patient added"; "auth.sign_in" -> "Account signed in"."""
    record, _, verb = action.rpartition(".")
    done = DONE.get(verb) or humanise(verb).lower()
    if not record:
        return done[:1].upper() + done[1:]
    return f"{RECORDS.get(record) or label(record)} {done}"


def day(value: date | datetime | None) -> str:
    """23 November 2026 (the GOV.UK style for dates)."""
    if value is None:
        return NOT_RECORDED
    return f"{value.day} {value:%B %Y}"


def when(value: datetime | None) -> str:
    """23 November 2026, 14:05."""
    if value is None:
        return NOT_RECORDED
    return f"{day(value)}, {value:%H:%M}"


# What each permission lets a person do, for a page that says why it is refused.
PERMISSION_TEXT = {
    "home:view": "use this service",
    "organisations:read": "see organisations",
    "organisations:manage": "add or change organisations",
    "users:read": "see users",
    "users:manage": "add or change users",
    "credentials:manage": "manage API keys",
    "audit:read": "read the audit log",
    "events:listen": "follow live updates",
    "capacity:read": "see capacity",
    "capacity:write": "update capacity",
    "capacity:export": "export capacity returns",
    "rosters:run": "run homecare rosters",
    "discharge:coordinate": "coordinate hospital discharges",
    "discharge:respond": "answer discharge referrals",
    "discharge:report": "see discharge reports",
    "visibility:read": "see the system picture",
    "visibility:patients": "see patients in the system picture",
    "neighbourhoods:design": "design neighbourhoods",
}
_PERMISSION_ID = re.compile(r"\b(?:Your role may not|may not) ([a-z]+:[a-z_]+)")


def without_permission_ids(text: str) -> str:
    """ "Your role may not audit:read." -> "Your role does not let you read the audit log."."""

    def plain(match: re.Match[str]) -> str:
        doing = PERMISSION_TEXT.get(match.group(1), "do this")
        return f"{'Your role does' if match.group(0).startswith('Your') else 'does'} not let you {doing}"

    return _PERMISSION_ID.sub(plain, text)


FILTERS = {
    "label": label,
    "lower_label": lower_label,
    "number": number,
    "count": count,
    "or_not_recorded": or_not_recorded,
    "audit_action": audit_action,
    "day": day,
    "when": when,
}
