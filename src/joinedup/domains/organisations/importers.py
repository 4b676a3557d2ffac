"""Import real organisations from open data: CQC care homes and GP practices (CSV)."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.domains.organisations.models import Organisation, Site
from joinedup.domains.organisations.schemas import OrganisationType


def _float(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def import_care_homes(session: Session, path: Path, *, system_id: str, place_id: str) -> int:
    """One organisation per CQC location (a care home), its site at the home. Idempotent by CQC id."""
    count = 0
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            cqc_id = row["cqc_id"].strip()
            if session.scalar(select(Organisation.id).where(Organisation.cqc_location_id == cqc_id)):
                continue
            org = Organisation(
                system_id=system_id,
                place_id=place_id,
                name=row["name"].strip(),
                type=OrganisationType.CARE_HOME_PROVIDER,
                cqc_location_id=cqc_id,
                cqc_provider_name=row["provider"].strip() or None,
            )
            org.sites.append(
                Site(
                    system_id=system_id,
                    name=row["name"].strip(),
                    postcode=row["postcode"].strip().upper(),
                    latitude=_float(row["lat"]),
                    longitude=_float(row["lon"]),
                )
            )
            session.add(org)
            count += 1
    session.flush()
    return count


def import_gp_practices(session: Session, path: Path, *, system_id: str, place_id: str) -> int:
    """GP practices (the open extract has no ODS codes); idempotent by name and postcode."""
    count = 0
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            name, postcode = row["name"].strip(), row["postcode"].strip().upper()
            exists = session.scalar(select(Site.id).where(Site.name == name, Site.postcode == postcode))
            if exists:
                continue
            org = Organisation(system_id=system_id, place_id=place_id, name=name, type=OrganisationType.GP_PRACTICE)
            org.sites.append(
                Site(
                    system_id=system_id,
                    name=name,
                    postcode=postcode,
                    latitude=_float(row["lat"]),
                    longitude=_float(row["lon"]),
                )
            )
            session.add(org)
            count += 1
    session.flush()
    return count
