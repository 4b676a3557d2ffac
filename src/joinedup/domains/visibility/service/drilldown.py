"""The drill-down through the door: each level for a caller, any level by name, and any of a
level's tables as CSV."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.errors import invalid
from joinedup.core.state import AppState
from joinedup.domains.visibility import presentation
from joinedup.domains.visibility.schemas import LEVELS, Level
from joinedup.domains.visibility.service import levels, wards
from joinedup.domains.visibility.service.context import Context


def system_level(session: Session, *, actor: Principal, state: AppState) -> Level:
    """The whole care system: capacity against demand by type of care, shortfall, trends, freshness."""
    return levels.system_level(Context(session, actor, state))


def place_level(session: Session, *, actor: Principal, state: AppState, place_id: str) -> Level:
    return levels.place_level(Context(session, actor, state), place_id)


def neighbourhood_level(
    session: Session, *, actor: Principal, state: AppState, place_id: str, neighbourhood: str
) -> Level:
    return levels.neighbourhood_level(Context(session, actor, state), place_id, neighbourhood)


def organisation_level(
    session: Session,
    *,
    actor: Principal,
    state: AppState,
    organisation_id: str,
    start: date | None = None,
    end: date | None = None,
    target: float | None = None,
) -> Level:
    ctx = Context(session, actor, state)
    return levels.organisation_level(ctx, organisation_id, start=start, end=end, target=target)


def ward_level(session: Session, *, actor: Principal, state: AppState, organisation_id: str, ward_id: str) -> Level:
    return wards.ward_level(Context(session, actor, state), organisation_id, ward_id)


def patients_level(session: Session, *, actor: Principal, state: AppState, organisation_id: str, ward_id: str) -> Level:
    """The patients on a ward, for the team caring for them; the read is audited."""
    return wards.patients_level(Context(session, actor, state), organisation_id, ward_id)


def build_level(
    session: Session,
    *,
    actor: Principal,
    state: AppState,
    level: str,
    place_id: str | None = None,
    neighbourhood: str | None = None,
    organisation_id: str | None = None,
    ward_id: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Level:
    """Any level by name, with the keys it needs (each missing key is named)."""

    def need(name: str, value: str | None) -> str:
        if not value:
            raise invalid(name, f"the {level} level needs {name}")
        return value

    ctx = Context(session, actor, state)
    if level == "system":
        return levels.system_level(ctx)
    if level == "place":
        return levels.place_level(ctx, need("place_id", place_id))
    if level == "neighbourhood":
        return levels.neighbourhood_level(ctx, need("place_id", place_id), need("neighbourhood", neighbourhood))
    if level == "organisation":
        return levels.organisation_level(ctx, need("organisation_id", organisation_id), start=start, end=end)
    if level == "ward":
        return wards.ward_level(ctx, need("organisation_id", organisation_id), need("ward_id", ward_id))
    if level == "patients":
        return wards.patients_level(ctx, need("organisation_id", organisation_id), need("ward_id", ward_id))
    raise invalid("level", f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")


def export_table_csv(
    session: Session,
    *,
    actor: Principal,
    state: AppState,
    level: str,
    table: str,
    place_id: str | None = None,
    neighbourhood: str | None = None,
    organisation_id: str | None = None,
    ward_id: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> str:
    """One table of any level as CSV: the same rows the page shows, all of them."""
    built = build_level(
        session,
        actor=actor,
        state=state,
        level=level,
        place_id=place_id,
        neighbourhood=neighbourhood,
        organisation_id=organisation_id,
        ward_id=ward_id,
        start=start,
        end=end,
    )
    return presentation.table_csv(built.table(table))
