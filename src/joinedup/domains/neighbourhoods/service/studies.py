"""Making and changing a study: its demand (generated or a council's extract), its design, and
hand moves of one LSOA. Every change is audited and announced through ``core.changes``; an
uploaded extract is personal data (ids, postcodes, packages), synthetic demand is not."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.changes import record_change
from joinedup.core.clock import utcnow
from joinedup.core.errors import FieldError, ProblemError
from joinedup.domains.neighbourhoods.areas import area_for
from joinedup.domains.neighbourhoods.engine.area import Area
from joinedup.domains.neighbourhoods.engine.demand import Demand, DemandError, generate_demand, load_demand_csv
from joinedup.domains.neighbourhoods.engine.design import DesignError
from joinedup.domains.neighbourhoods.engine.design import move_lsoa as move_one
from joinedup.domains.neighbourhoods.models import NeighbourhoodStudy
from joinedup.domains.neighbourhoods.schemas import RowError, UploadCheck
from joinedup.domains.neighbourhoods.service.store import Study, StudyStore, demand_to_json, study_row

RECORD = "neighbourhood_study"


class UploadRejected(ValueError):
    """Bad rows in a council extract: each with row, person, field and message (the first
    MAX_REPORTED_ERRORS of them); `bad_rows` counts them all."""

    def __init__(self, errors: list[RowError], bad_rows: int | None = None):
        self.bad_rows = bad_rows if bad_rows is not None else len({e.row for e in errors})
        super().__init__(f"{self.bad_rows} bad row(s)")
        self.errors = errors

    @property
    def detail(self) -> str:
        listed = "" if len(self.errors) >= self.bad_rows else f" (the first {len(self.errors)} are listed)"
        return f"{self.bad_rows:,} row(s) with errors{listed}; nothing was stored."


def invalid_input(field_name: str, message: str) -> ProblemError:
    return ProblemError(
        422,
        "validation",
        "Invalid input",
        message,
        errors=[FieldError(field=field_name, message=message, code="invalid")],
    )


def running(detail: str, title: str = "Scenarios are running") -> ProblemError:
    return ProblemError(409, "running", title, detail)


def record(
    session: Session,
    *,
    actor: Principal | None,
    action: str,
    row: NeighbourhoodStudy,
    detail: dict[str, Any],
    personal: bool = False,
) -> None:
    """Audit and announce one change to a study (``detail``: counts and codes, no personal data)."""
    record_change(
        session,
        actor=actor,
        action=f"neighbourhoods.{action}",
        topic=f"neighbourhoods.{action}",
        record_type=RECORD,
        record_id=row.id,
        organisation_id=row.organisation_id,
        system_id=row.system_id,
        detail=detail,
        payload=detail,
        personal_data=personal,
    )


def _area(localities: list[str]) -> Area:
    try:
        return area_for(localities or None)
    except ValueError as exc:
        raise invalid_input("body.localities", str(exc)) from exc


def _add(session: Session, actor: Principal, localities: list[str], area: Area, demand: Demand) -> Study:
    if actor.organisation_id is None:
        raise ProblemError(403, "forbidden", "No organisation", "Studies belong to an organisation; act for one.")
    row = NeighbourhoodStudy(
        organisation_id=actor.organisation_id,
        system_id=actor.system_id,
        created_by=actor.actor_id,
        localities=sorted(localities),
        area_name=area.name,
        synthetic=demand.synthetic,
        seed=demand.seed,
        recipients=len(demand.people),
        demand=demand_to_json(demand),
        design=None,
        previous_balance=None,
        status="new",
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor,
        action="study_created" if demand.synthetic else "demand_uploaded",
        row=row,
        detail={"recipients": len(demand.people), "visits": demand.visits},
        personal=not demand.synthetic,
    )
    return Study(row.id, row.organisation_id, area, demand)


def create_study(session: Session, *, actor: Principal, localities: list[str], recipients: int, seed: int) -> Study:
    """A study on synthetic demand (seeded) for the whole area or some localities."""
    area = _area(localities)
    try:
        demand = generate_demand(area, recipients, seed)
    except DemandError as exc:
        raise invalid_input("body.recipients", str(exc)) from exc
    return _add(session, actor, localities, area, demand)


def _rows(exc: DemandError) -> list[RowError]:
    rows = [
        RowError(row=e.get("row", "0"), record=e["record"], field=e.get("field", "body"), message=e["message"])
        for e in exc.errors
    ]
    return sorted(rows, key=lambda e: (int(e.row), e.field))


def check_upload(*, localities: list[str], text: str) -> UploadCheck:
    """A dry run: every bad row by row number and field; nothing stored."""
    area = _area(localities)
    try:
        demand = load_demand_csv(text, area)
    except DemandError as exc:
        errors = _rows(exc)
        if any(e.field in ("header", "body") for e in errors):
            raise UploadRejected(errors) from exc  # not a demand extract at all: nothing to report by row
        return UploadCheck(
            dry_run=True, valid=False, recipients=0, visits_per_day=0, errors=errors, rows_with_errors=exc.bad_rows
        )
    return UploadCheck(dry_run=True, valid=True, recipients=len(demand.people), visits_per_day=demand.visits, errors=[])


def upload_study(session: Session, *, actor: Principal, localities: list[str], text: str) -> Study:
    """A study on a council extract; raises ``UploadRejected`` naming every bad row."""
    area = _area(localities)
    try:
        demand = load_demand_csv(text, area)
    except DemandError as exc:
        raise UploadRejected(_rows(exc), exc.bad_rows) from exc
    return _add(session, actor, localities, area, demand)


def get_study(session: Session, *, store: StudyStore, actor: Principal, study_id: str) -> Study:
    return store.get(session, actor, study_id)


def move_lsoa(session: Session, *, store: StudyStore, actor: Principal, study_id: str, lsoa: str, to: int) -> Study:
    """Move one LSOA to a touching neighbourhood, keeping the balance before the move to show."""
    study = store.get(session, actor, study_id)
    if study.design is None or study.design_spec is None:
        raise ProblemError(409, "no_design", "No design yet", "Design the neighbourhoods first.")
    if study.status in ("running", "designing"):
        raise running("Wait for the run or the design to finish.")
    try:
        moved = move_one(study.design, lsoa, to)
    except DesignError as exc:
        raise invalid_input("body.lsoa", str(exc)) from exc
    row = study_row(session, study.id)
    before = study.design.balance()
    row.design = {**study.design_spec, "assignment": dict(moved.assignment)}
    row.previous_balance = before
    row.status, row.latest_run_id, row.updated_at = "new", None, utcnow()
    record(session, actor=actor, action="lsoa_moved", row=row, detail={"lsoa": lsoa, "to": to})
    study.design, study.design_spec, study.previous_balance = moved, row.design, before
    study.status = "new"
    study.forget_results()
    return study
