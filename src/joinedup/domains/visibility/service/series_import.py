"""Import NHS England's published discharge series for one trust: daily patients no longer
meeting the criteria to reside and discharges, and monthly delays by official reason.

Reads the national files (NHS England's discharge statistics as CSV, names and columns below) or
the slice of them that ships in the package for the demo trust (`SHIPPED_DIR`: Manchester
University NHS FT, R0A). Importing a trust again replaces its rows: idempotent.
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from joinedup.domains.visibility.models import TrustDaily, TrustDelayMonthly
from joinedup.domains.visibility.service.other_domains import organisation_by_ods

TRUSTS_FILE = "england_nhs_trusts22_points.csv"
CRITERIA_FILE = "england_trust_criteria_to_reside.csv"
DISCHARGED_FILE = "england_trust_discharged_patients.csv"
DELAYS_FILE = "england_trust_delay_reasons_monthly.csv"
FILES = (TRUSTS_FILE, CRITERIA_FILE, DISCHARGED_FILE, DELAYS_FILE)
# The demo trust's rows of the four files, shipped in the package (OGL; demo/data/ATTRIBUTION.md).
SHIPPED_DIR = Path(str(files("joinedup") / "demo" / "data" / "england_r0a"))

# The stage of the journey a delay reason belongs to, and who answers for it.
STAGES = {
    "hospital process": ("hospital", "Acute trust"),
    "care transfer hub process": ("care_transfer_hub", "Care transfer hub"),
    "capacity": ("capacity", "Community and social care providers"),
    "interface process": ("interface", "Hospital and receiving provider together"),
    "wellbeing concerns": ("wellbeing", "Patient, family or safeguarding"),
}
RESPONSIBLE = {code: label for code, label in STAGES.values()}
# Delay reasons that wait for one of the shortfall care groups (discharge's CARE_GROUPS).
CARE_GROUP_PHRASES = (
    ("home-based rehabilitation", "reablement"),
    ("home based rehabilitation", "reablement"),
    ("bed-based rehabilitation", "bedded_rehab"),
    ("residential/nursing home", "care_home"),
    ("home-based social care", "homecare"),
    ("restart of existing social care", "homecare"),
    ("self-funded care package", "homecare"),
)


class ImportProblem(ValueError):
    """Input the importer cannot use; the message says what and how to fix it."""


@dataclass(frozen=True)
class ImportResult:
    trust_code: str
    trust_name: str
    organisation_id: str | None
    days: int
    months: int
    first_day: date | None
    last_day: date | None


def clean_reason(text: str) -> str:
    """Published reasons carry non-breaking spaces and line breaks; keep one plain form."""
    text = " ".join(text.replace("?", " ").split())
    return text.replace(" - ", " \u2013 ").replace("process\u2013", "process \u2013")


def stage_of(reason: str) -> str:
    head = reason.replace("\u2013", "-").split("-", 1)[0].strip().lower()
    return STAGES.get(head, ("other", "Other"))[0]


def care_group_of(reason: str) -> str | None:
    lower = reason.lower()
    return next((group for phrase, group in CARE_GROUP_PHRASES if phrase in lower), None)


def _rows(path: Path) -> Iterator[dict[str, str]]:
    if not path.exists():
        raise ImportProblem(f"{path.name} is missing from {path.parent}")
    with path.open(newline="", encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def trusts(data_dir: Path) -> dict[str, str]:
    """ODS code -> name of every trust in the published lookup."""
    return {r["nhs_trust22_code"].strip().upper(): r["nhs_trust22_name"].strip() for r in _rows(data_dir / TRUSTS_FILE)}


def shipped_trusts() -> dict[str, str]:
    """The trusts whose history ships in the package."""
    return trusts(SHIPPED_DIR)


def check_trust(data_dir: Path, trust_code: str) -> tuple[str, str]:
    if not data_dir.is_dir():
        raise ImportProblem(f"data folder {data_dir} does not exist")
    code = trust_code.strip().upper()
    known = trusts(data_dir)
    if code not in known:
        # ODS codes mix letters and digits: O for 0 is the commonest slip.
        near = [c for c in (code.replace("O", "0"), code.replace("0", "O")) if c in known and c != code]
        near += [c for c in difflib.get_close_matches(code, list(known), n=3, cutoff=0.5) if c not in near]
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise ImportProblem(f"no NHS trust with ODS code {trust_code!r} in {TRUSTS_FILE}{hint}")
    return code, known[code]


def import_trust_history(session: Session, *, data_dir: Path, trust_code: str) -> ImportResult:
    """Replace one trust's daily and monthly series with the published ones."""
    code, name = check_trust(data_dir, trust_code)
    org = organisation_by_ods(session, ods_code=code)
    org_id = org.id if org is not None else None
    daily: dict[date, dict[str, object]] = {}
    for r in _rows(data_dir / CRITERIA_FILE):
        if r["nhs_trust22_code"] == code:
            day = date.fromisoformat(r["date"])
            daily.setdefault(day, {"day": day})["not_meeting_criteria"] = _number(r["do_not_meet_criteria_to_reside"])
    for r in _rows(data_dir / DISCHARGED_FILE):
        if r["nhs_trust22_code"] == code:
            day = date.fromisoformat(r["date"])
            row = daily.setdefault(day, {"day": day})
            row["discharged_by_1700"] = _number(r["discharged_by_1700"])
            row["discharged_after_1700"] = _number(r["discharged_between_1701_2359"])
            row["discharged_total"] = _number(r["discharged_total"])
    monthly: dict[tuple[date, str], dict[str, object]] = {}
    for r in _rows(data_dir / DELAYS_FILE):
        if r["nhs_trust22_code"] != code:
            continue
        reason = clean_reason(r["delay_reason"])[:200]
        month = date.fromisoformat(r["date"])
        monthly[(month, reason)] = {
            "month": month,
            "reason": reason,
            "stage": stage_of(reason),
            "care_group": care_group_of(reason),
            "delayed": _number(r["delay_count"]) or 0.0,
        }
    if not daily and not monthly:
        raise ImportProblem(f"trust {code} ({name}) has no rows in the discharge files")
    session.execute(delete(TrustDaily).where(TrustDaily.trust_code == code))
    session.execute(delete(TrustDelayMonthly).where(TrustDelayMonthly.trust_code == code))
    base = {"trust_code": code, "organisation_id": org_id}
    empty = {"not_meeting_criteria": None, "discharged_by_1700": None, "discharged_after_1700": None}
    if daily:
        session.execute(
            insert(TrustDaily), [{**base, **empty, "discharged_total": None, **row} for row in daily.values()]
        )
    if monthly:
        session.execute(insert(TrustDelayMonthly), [{**base, **row} for row in monthly.values()])
    session.flush()
    days = sorted(daily)
    return ImportResult(
        trust_code=code,
        trust_name=name,
        organisation_id=org_id,
        days=len(daily),
        months=len({m for m, _ in monthly}),
        first_day=days[0] if days else None,
        last_day=days[-1] if days else None,
    )
