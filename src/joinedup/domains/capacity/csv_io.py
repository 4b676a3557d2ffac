"""CSV in and out: the bulk-upload template, upload with a dry run, and the national return.

Upload rows sharing an `update_id` make one update (one row per bed type or homecare slot).
Every row is checked before anything is stored; each error names its row and column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.config import Settings
from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.errors import FieldError, ProblemError, error_loc, invalid
from joinedup.domains.capacity import schemas, service
from joinedup.domains.capacity.csv_records import read_records
from joinedup.domains.capacity.engine import freshness, merge
from joinedup.domains.capacity.models import CapacityCurrent, CapacityService
from joinedup.domains.organisations import service as organisations

MAX_ROWS = 5000
BED_COLUMNS = ["bed_type", "physical", "staffed", "occupied", "reserved", "vacant", "accepting_admissions"]
HOMECARE_COLUMNS = ["time_band", "spare_hours_per_week", "postcode_districts", "lsoa_codes", "skills", "earliest_start"]
# Reablement rows are named reablement_*, so a row can carry beds and reablement side by side.
REABLEMENT_COLUMNS = {
    "reablement_pathway": "pathway",
    "reablement_places": "places",
    "reablement_hours_per_week": "hours_per_week",
}
# Admission rules hold once per update, like status: repeated rows must agree.
ADMISSION_COLUMNS = {
    "admission_days": "days",
    "admission_from_time": "from_time",
    "admission_to_time": "to_time",
    "admission_funding": "funding",
}
COLUMNS = [
    "update_id",
    "provider_service_id",
    "as_of",
    "source_system",
    "status",
    "note",
    *BED_COLUMNS,
    *HOMECARE_COLUMNS,
    *REABLEMENT_COLUMNS,
    *ADMISSION_COLUMNS,
]
LISTS = {"postcode_districts", "lsoa_codes", "skills", "admission_days", "admission_funding"}
SECTION_ROWS = ("beds", "homecare", "reablement")

TRACKER_COLUMNS = [
    "organisation_name",
    "cqc_location_id",
    "provider_service_id",
    "service_name",
    "maximum_capacity",
    "occupied",
    "vacant_reserved",
    "vacant_accepting_admissions",
    "as_of",
    "stale",
]


TEMPLATE_ROWS: list[dict[str, str]] = [
    {
        "bed_type": "nursing",
        "physical": "40",
        "staffed": "36",
        "occupied": "30",
        "reserved": "1",
        "vacant": "6",
        "accepting_admissions": "4",
        "admission_days": "mon tue wed thu fri",
        "admission_from_time": "09:00",
        "admission_to_time": "17:00",
        "admission_funding": "council self_funder",
    },
    {
        "bed_type": "dementia_nursing",
        "physical": "12",
        "staffed": "12",
        "occupied": "12",
        "reserved": "0",
        "vacant": "0",
        "accepting_admissions": "0",
        "admission_days": "mon tue wed thu fri",
        "admission_from_time": "09:00",
        "admission_to_time": "17:00",
        "admission_funding": "council self_funder",
    },
]


def template() -> str:
    """A filled-in example: a care home (two bed types, admission rules), a homecare branch,
    and a reablement team; each update is the rows sharing its update_id."""
    day = utcnow().date()  # today's date, so the example is itself a valid upload
    as_of = f"{day.isoformat()}T00:00:00+00:00"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n", restval="")
    writer.writeheader()
    home = {
        "update_id": f"{day.isoformat()}-ash-1",
        "provider_service_id": "ASH-01",
        "as_of": as_of,
        "source_system": "CareRoster 4.2",
        "status": "accepting",
    }
    for row in TEMPLATE_ROWS:
        writer.writerow({**home, **row})
    writer.writerow(
        {
            "update_id": f"{day.isoformat()}-hc-1",
            "provider_service_id": "HC-SALE",
            "as_of": as_of,
            "source_system": "CareRoster 4.2",
            "status": "accepting",
            "time_band": "morning",
            "spare_hours_per_week": "12.5",
            "postcode_districts": "M33 M32",
            "skills": "double_up dementia",
            "earliest_start": (day + timedelta(days=7)).isoformat(),
        }
    )
    writer.writerow(
        {
            "update_id": f"{day.isoformat()}-re-1",
            "provider_service_id": "REABLE-1",
            "as_of": as_of,
            "source_system": "CareRoster 4.2",
            "status": "accepting",
            "reablement_pathway": "1",
            "reablement_places": "3",
            "reablement_hours_per_week": "40",
        }
    )
    return out.getvalue()


@dataclass
class _Group:
    first_row: int
    fields: dict[str, Any]
    # Row number of each entry of the beds, homecare and reablement lists, to place errors.
    section_rows: dict[str, list[int]] = field(default_factory=lambda: {name: [] for name in SECTION_ROWS})


def _row_error(row: int, column: str, message: str, code: str = "invalid") -> dict[str, Any]:
    return {"row": row, "field": column, "message": message, "code": code}


def _cell(values: dict[str, str], column: str) -> Any:
    value = values.get(column) or ""
    if column == "reablement_pathway" and value.isdigit():
        return int(value)  # the standard's pathway is the number 1 or 2, not text
    return value.split() if column in LISTS else (value or None)


def _column(section: str, name: str | None) -> str:
    """The CSV column a field of the standard came from."""
    if section == "reablement":
        return next((c for c, n in REABLEMENT_COLUMNS.items() if n == name), "reablement_pathway")
    if section == "admission_rules":
        return next((c for c, n in ADMISSION_COLUMNS.items() if n == name), "admission_days")
    return name or section


def parse(text: str) -> tuple[list[schemas.CapacityUpdate], list[int], list[dict[str, Any]]]:
    """Updates, the first row number of each, and every row error (row 1 is the header)."""
    records = read_records(text)
    bad = records.unreadable
    if bad is not None and bad.row == 1:
        return [], [], [_row_error(1, bad.column, bad.message, "unreadable")]
    header = records.header
    missing = [c for c in ("update_id", "provider_service_id", "as_of", "source_system") if c not in header]
    unknown = [c if len(c) <= 40 else c[:40] + "…" for c in header if c not in COLUMNS]
    errors = [_row_error(1, c, "required column is missing", "missing") for c in missing]
    errors += [_row_error(1, c, "unknown column", "extra_forbidden") for c in unknown]
    if errors:
        return [], [], errors  # the rows cannot be read without their columns
    if bad is not None:  # the rows before it are still checked, so every error is reported at once
        errors.append(_row_error(bad.row, bad.column, bad.message, "unreadable"))
    groups: dict[str, _Group] = {}
    for number, row in records.rows:
        if number - 1 > MAX_ROWS:
            errors.append(_row_error(number, "row", f"at most {MAX_ROWS} rows per upload", "too_long"))
            break
        if row is None:
            errors.append(_row_error(number, "row", "more values than columns", "invalid"))
            continue
        values = {k: v.strip() for k, v in row.items()}
        uid = values.get("update_id", "")
        group = groups.setdefault(uid, _Group(first_row=number, fields={}))
        for name in ("update_id", "provider_service_id", "as_of", "source_system", "status", "note"):
            value = values.get(name) or None
            if value is None:
                continue
            held = group.fields.get(name)
            if held is not None and held != value:
                errors.append(_row_error(number, name, f"differs from row {group.first_row} of this update_id"))
            group.fields[name] = value
        if values.get("bed_type"):
            group.fields.setdefault("beds", []).append({c: values.get(c) or None for c in BED_COLUMNS})
            group.section_rows["beds"].append(number)
        if values.get("time_band"):
            slot = {c: _cell(values, c) for c in HOMECARE_COLUMNS}
            group.fields.setdefault("homecare", []).append(slot)
            group.section_rows["homecare"].append(number)
        if values.get("reablement_pathway"):
            places = {name: _cell(values, column) for column, name in REABLEMENT_COLUMNS.items()}
            group.fields.setdefault("reablement", []).append(places)
            group.section_rows["reablement"].append(number)
        rules_given = {name: _cell(values, column) for column, name in ADMISSION_COLUMNS.items() if values.get(column)}
        if rules_given:
            held_rules = group.fields.get("admission_rules")
            if held_rules is not None and held_rules != rules_given:
                errors.append(
                    _row_error(number, "admission_days", f"admission rules differ from row {group.first_row}")
                )
            group.fields["admission_rules"] = rules_given
    updates: list[schemas.CapacityUpdate] = []
    rows: list[int] = []
    for group in groups.values():
        try:
            updates.append(schemas.CapacityUpdate.model_validate(group.fields))
            rows.append(group.first_row)
        except ValidationError as exc:
            for err in exc.errors():
                loc = list(error_loc(err))
                at_row, column = group.first_row, str(loc[0]) if loc else "row"
                if len(loc) >= 2 and loc[0] in SECTION_ROWS and isinstance(loc[1], int):
                    numbers = group.section_rows[str(loc[0])]
                    at_row = numbers[loc[1]] if loc[1] < len(numbers) else at_row
                    column = _column(str(loc[0]), str(loc[2]) if len(loc) > 2 else None)
                elif loc and loc[0] == "admission_rules":
                    column = _column("admission_rules", str(loc[1]) if len(loc) > 1 else None)
                errors.append(_row_error(at_row, column, err["msg"], err["type"]))
    return updates, rows, errors


def upload(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    text: str,
    dry_run: bool,
    organisation_id: str | None = None,
) -> schemas.CsvResult:
    """Check every row; store nothing if any is bad (or on a dry run)."""
    org = service.target_organisation(session, actor=actor, organisation_id=organisation_id)
    updates, rows, errors = parse(text)
    if any(e["row"] == 1 for e in errors):  # not in the template's columns: no row can be checked
        raise ProblemError(
            422,
            "validation",
            "Invalid request",
            "The file is not in the template's columns; nothing was checked or stored.",
            errors=[FieldError(field=f"row.1.{e['field']}", message=e["message"], code=e["code"]) for e in errors],
        )
    count = max(0, len([line for line in text.splitlines() if line.strip()]) - 1)
    if updates and not errors:
        savepoint = session.begin_nested()
        try:
            service.ingest_for(session, actor=actor, org=org, settings=settings, updates=updates, field_prefix="")
        except ProblemError as exc:
            savepoint.rollback()
            for e in exc.errors:
                index, _, column = e.field.partition(".")
                errors.append(_row_error(rows[int(index)], column, e.message, e.code))
        else:
            if dry_run:
                savepoint.rollback()
            else:
                savepoint.commit()
    if errors and not dry_run:
        raise ProblemError(
            422,
            "validation",
            "Invalid request",
            f"{len(errors)} row error(s); nothing was stored.",
            errors=[
                FieldError(field=f"row.{e['row']}.{e['field']}", message=e["message"], code=e["code"]) for e in errors
            ],
        )
    errors.sort(key=lambda e: (e["row"], e["field"]))
    return schemas.CsvResult(
        dry_run=dry_run, rows=count, stored=0 if dry_run or errors else len(updates), errors=errors
    )


def capacity_tracker(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    organisation_id: str | None = None,
    place_id: str | None = None,
) -> str:
    """The monthly Capacity Tracker care-home items, computed from the live data."""
    stmt = (
        select(CapacityService, CapacityCurrent)
        .outerjoin(CapacityCurrent, CapacityCurrent.service_id == CapacityService.id)
        .where(CapacityService.kind == schemas.ServiceKind.CARE_HOME.value, CapacityService.active.is_(True))
    )
    if place_id is not None:  # a place's return counts only services whose identity is verified
        stmt = stmt.where(
            CapacityService.place_id == place_id,
            CapacityService.identity_status == schemas.IdentityStatus.VERIFIED.value,
        )
    else:
        org_id = organisation_id or actor.organisation_id
        if org_id is None:
            raise invalid("query.organisation_id", "Name an organisation or a place.", "missing")
        stmt = stmt.where(CapacityService.organisation_id == org_id)
    found = session.execute(stmt).all()
    orgs = organisations.organisations_by_id(session, ids={svc.organisation_id for svc, _ in found})
    rows = sorted(
        ((svc, current, orgs[svc.organisation_id]) for svc, current in found if svc.organisation_id in orgs),
        key=lambda r: (r[2].name, r[0].provider_service_id),
    )
    now = utcnow()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TRACKER_COLUMNS)
    for svc, current, org in rows:
        beds: Sequence[dict[str, Any]] = ((current.sections.get("beds") or {}).get("value") or []) if current else []
        as_of = merge.newest_as_of(current.sections) if current else None
        limit = freshness.stale_after(svc.kind, settings.capacity_stale_hours)
        writer.writerow(
            [
                org.name,
                svc.cqc_location_id or org.cqc_location_id or "",
                svc.provider_service_id,
                svc.name,
                sum(b["physical"] for b in beds) if beds else "",
                sum(b["occupied"] for b in beds) if beds else "",
                sum(b["reserved"] for b in beds) if beds else "",
                sum(b["accepting_admissions"] for b in beds) if beds else "",
                as_of.isoformat() if as_of else "",
                "yes" if freshness.is_stale(as_of, now, limit) else "no",
            ]
        )
    return out.getvalue()
