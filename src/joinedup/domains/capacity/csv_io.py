"""CSV in and out: the bulk-upload template, upload with a dry run, and the national return.

Upload rows sharing an `update_id` make one update (one row per bed type or homecare slot).
Every row is checked before anything is stored; each error names its row and column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.config import Settings
from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.errors import FieldError, ProblemError, invalid
from joinedup.domains.capacity import rules, schemas, service
from joinedup.domains.capacity.models import CapacityCurrent, CapacityService
from joinedup.domains.organisations.models import Organisation

MAX_ROWS = 5000
BED_COLUMNS = ["bed_type", "physical", "staffed", "occupied", "reserved", "vacant", "accepting_admissions"]
HOMECARE_COLUMNS = ["time_band", "spare_hours_per_week", "postcode_districts", "lsoa_codes", "skills", "earliest_start"]
COLUMNS = [
    "update_id",
    "provider_service_id",
    "as_of",
    "source_system",
    "status",
    "note",
    *BED_COLUMNS,
    *HOMECARE_COLUMNS,
]
LISTS = {"postcode_districts", "lsoa_codes", "skills"}

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


def template() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerow(
        [
            "2026-11-23-ash-1",
            "ASH-01",
            "2026-11-23T09:00:00+00:00",
            "CareRoster 4.2",
            "accepting",
            "",
            "nursing",
            "40",
            "36",
            "30",
            "1",
            "6",
            "4",
            "",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    writer.writerow(
        [
            "2026-11-23-ash-1",
            "ASH-01",
            "2026-11-23T09:00:00+00:00",
            "CareRoster 4.2",
            "accepting",
            "",
            "dementia_nursing",
            "12",
            "12",
            "12",
            "0",
            "0",
            "0",
            "",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    writer.writerow(
        [
            "2026-11-23-hc-1",
            "HC-SALE",
            "2026-11-23T09:00:00+00:00",
            "CareRoster 4.2",
            "accepting",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "morning",
            "12.5",
            "M33 M32",
            "",
            "double_up dementia",
            "2026-12-01",
        ]
    )
    return out.getvalue()


@dataclass
class _Group:
    first_row: int
    fields: dict[str, Any]
    bed_rows: list[int] = field(default_factory=list)
    slot_rows: list[int] = field(default_factory=list)


def _row_error(row: int, column: str, message: str, code: str = "invalid") -> dict[str, Any]:
    return {"row": row, "field": column, "message": message, "code": code}


def parse(text: str) -> tuple[list[schemas.CapacityUpdate], list[int], list[dict[str, Any]]]:
    """Updates, the first row number of each, and every row error (row 1 is the header)."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in ("update_id", "provider_service_id", "as_of", "source_system") if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    errors = [_row_error(1, c, "required column is missing", "missing") for c in missing]
    errors += [_row_error(1, c, "unknown column", "extra_forbidden") for c in unknown]
    if errors:
        return [], [], errors
    groups: dict[str, _Group] = {}
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            errors.append(_row_error(number, "row", f"at most {MAX_ROWS} rows per upload", "too_long"))
            break
        if None in row:
            errors.append(_row_error(number, "row", "more values than columns", "invalid"))
            continue
        values = {k: (v or "").strip() for k, v in row.items() if k}
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
            group.bed_rows.append(number)
        if values.get("time_band"):
            slot: dict[str, Any] = {}
            for c in HOMECARE_COLUMNS:
                v = values.get(c) or ""
                slot[c] = v.split() if c in LISTS else (v or None)
            group.fields.setdefault("homecare", []).append(slot)
            group.slot_rows.append(number)
    updates: list[schemas.CapacityUpdate] = []
    rows: list[int] = []
    for group in groups.values():
        try:
            updates.append(schemas.CapacityUpdate.model_validate(group.fields))
            rows.append(group.first_row)
        except ValidationError as exc:
            for err in exc.errors():
                loc = list(err["loc"])
                ctx = err.get("ctx") or {}
                if err["type"] == "rule" and ctx.get("field"):
                    loc.append(ctx["field"])
                at_row, column = group.first_row, str(loc[0]) if loc else "row"
                if len(loc) >= 2 and loc[0] in ("beds", "homecare") and isinstance(loc[1], int):
                    numbers = group.bed_rows if loc[0] == "beds" else group.slot_rows
                    at_row = numbers[loc[1]] if loc[1] < len(numbers) else at_row
                    column = str(loc[2]) if len(loc) > 2 else str(loc[0])
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
        select(CapacityService, CapacityCurrent, Organisation)
        .join(Organisation, Organisation.id == CapacityService.organisation_id)
        .outerjoin(CapacityCurrent, CapacityCurrent.service_id == CapacityService.id)
        .where(CapacityService.kind == schemas.ServiceKind.CARE_HOME.value, CapacityService.active.is_(True))
        .order_by(Organisation.name, CapacityService.provider_service_id)
    )
    if place_id is not None:
        stmt = stmt.where(CapacityService.place_id == place_id)
    else:
        org_id = organisation_id or actor.organisation_id
        if org_id is None:
            raise invalid("query.organisation_id", "Name an organisation or a place.", "missing")
        stmt = stmt.where(CapacityService.organisation_id == org_id)
    now = utcnow()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TRACKER_COLUMNS)
    for svc, current, org in session.execute(stmt):
        beds: Sequence[dict[str, Any]] = ((current.sections.get("beds") or {}).get("value") or []) if current else []
        as_of = rules.newest_as_of(current.sections) if current else None
        limit = rules.stale_after(svc.kind, settings.capacity_stale_hours)
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
                "yes" if rules.is_stale(as_of, now, limit) else "no",
            ]
        )
    return out.getvalue()
