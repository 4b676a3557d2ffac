"""Capacity's codes as a discharge sentence says them ("no dementia residential vacancy reported",
"does not accept NHS continuing healthcare"): care types, skills and funding routes in lower case
inside a sentence, acronyms kept, and dates as people write them. The API keeps the codes in its
fields; these words are only for the explanations people read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

CARE_TYPES: dict[str, str] = {
    "residential": "residential",
    "nursing": "nursing",
    "dementia_residential": "dementia residential",
    "dementia_nursing": "dementia nursing",
    "respite": "respite",
    "discharge_to_assess": "discharge to assess",
    "bariatric": "bariatric",
    "homecare": "homecare",
    "reablement_pathway_1": "reablement at home",
    "reablement_pathway_2": "reablement bed",
}
SKILLS: dict[str, str] = {
    "double_up": "two carers (double up)",
    "dementia": "dementia",
    "end_of_life": "end of life care",
    "delegated_healthcare_tasks": "delegated healthcare tasks",
}
FUNDING: dict[str, str] = {
    "council": "council funding",
    "nhs_continuing_healthcare": "NHS continuing healthcare",
    "self_funder": "self-funding",
}


def said(code: str, words: Mapping[str, str]) -> str:
    """A code's words; a code without any, its own words (never the underscores)."""
    return words.get(code) or code.replace("_", " ")


def said_all(codes: Iterable[str], words: Mapping[str, str]) -> str:
    return ", ".join(said(code, words) for code in sorted(codes))


def km(value: float) -> str:
    """2.5 km, 3 km (not 3.0 km)."""
    text = f"{value:.1f}"
    return f"{text[:-2] if text.endswith('.0') else text} km"


def day(value: date) -> str:
    """6 December 2026."""
    return f"{value.day} {value:%B %Y}"
