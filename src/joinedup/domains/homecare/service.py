"""Rostering jobs: submit (validated, audited), read, and run in the background."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from joinedup.core.auth.principal import Principal
from joinedup.core.changes import record_change
from joinedup.core.clock import utcnow
from joinedup.core.errors import FieldError, ProblemError, field_errors, not_found
from joinedup.core.pagination import paginate
from joinedup.db.tenancy import Scope
from joinedup.domains.homecare.models import JobStatus, RosterJob
from joinedup.domains.homecare.schemas import RosterJobIn
from joinedup.domains.homecare.solver import Instance, check_roster, compute_metrics, solve
from joinedup.domains.homecare.solver.uhhc import is_uhhc, read_uhhc

MAX_LOCATIONS = 2_000  # a travel-time matrix beyond this is not one neighbourhood's day


def parse_instance(data: dict[str, Any]) -> Instance:
    """The instance, or a 422 naming the record that is wrong."""
    try:
        instance = read_uhhc(data) if is_uhhc(data) else Instance.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc.errors()[:20], "body", "instance")
        raise ProblemError(422, "validation", "Invalid instance", errors[0].message, errors=errors) from None
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        message = f"Not a valid instance: {exc}"[:500]
        raise ProblemError(
            422,
            "validation",
            "Invalid instance",
            message,
            errors=[FieldError(field="body.instance", message=message, code="invalid")],
        ) from None
    if any(len(matrix) > MAX_LOCATIONS for matrix in instance.travel_times.values()):
        raise ProblemError(413, "too-large", "Instance too large", f"At most {MAX_LOCATIONS} locations per solve.")
    return instance


def submit_job(session: Session, *, actor: Principal, data: RosterJobIn) -> RosterJob:
    if actor.organisation_id is None or actor.system_id is None:
        raise ProblemError(403, "forbidden", "Forbidden", "You do not act for an organisation.")
    instance = parse_instance(data.instance)
    job = RosterJob(
        organisation_id=actor.organisation_id,
        system_id=actor.system_id,
        requested_by=actor.actor_id,
        name=instance.name[:200],
        status=JobStatus.QUEUED,
        time_limit_s=data.time_limit_s,
        seed=data.seed,
        instance=instance.model_dump(mode="json"),
    )
    session.add(job)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="roster_job.submit",
        topic="roster_job.queued",
        record_type="roster_job",
        record_id=job.id,
        organisation_id=job.organisation_id,
        system_id=job.system_id,
        detail={"time_limit_s": data.time_limit_s},
    )
    return job


def get_job(session: Session, *, actor: Principal, job_id: str) -> RosterJob:
    job = session.get(RosterJob, job_id)
    if job is None:
        raise not_found("roster job", job_id)
    return job


def list_jobs(
    session: Session, *, actor: Principal, cursor: str | None, limit: int
) -> tuple[Sequence[RosterJob], str | None]:
    return paginate(session, select(RosterJob), key=RosterJob.id, cursor=cursor, limit=limit)


def solve_payload(instance_json: dict[str, Any], time_limit_s: float, seed: int) -> dict[str, Any]:
    """Pure: instance in, {roster, metrics, violations} out. Runs in a worker process."""
    instance = Instance.model_validate(instance_json)
    roster = solve(instance, time_limit_s=time_limit_s, seed=seed)
    return {
        "roster": roster.model_dump(mode="json"),
        "metrics": compute_metrics(instance, roster).model_dump(mode="json"),
        "violations": [v.model_dump(mode="json") for v in check_roster(instance, roster)],
    }


def mark(
    factory: sessionmaker[Session],
    job_id: str,
    status: JobStatus,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> RosterJob | None:
    """Record a job's progress (system scope: the runner acts for the job's organisation).

    A finished job is a change: audited and announced; the app's session factory relays the
    event once this commits."""
    with factory() as session:
        session.info["scope"] = Scope.system("roster job runner")
        job = session.get(RosterJob, job_id)
        if job is None:
            return None
        job.status = status
        if status is JobStatus.RUNNING:
            job.started_at = utcnow()
        else:
            job.finished_at, job.result, job.error = utcnow(), result, error
            record_change(
                session,
                actor=None,
                action=f"roster_job.{status.value}",
                topic=f"roster_job.{status.value}",
                record_type="roster_job",
                record_id=job.id,
                organisation_id=job.organisation_id,
                system_id=job.system_id,
            )
        session.commit()
        return job


def unfinished_job_ids(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        session.info["scope"] = Scope.system("roster job recovery")
        return list(
            session.scalars(
                select(RosterJob.id)
                .where(RosterJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
                .order_by(RosterJob.created_at)
            ).all()
        )
