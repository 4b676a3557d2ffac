"""Saved views: a drill-down page with its filters, kept per user and role, optionally shared
with everyone holding the same role in the same organisation."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.changes import record_change
from joinedup.core.errors import ProblemError, invalid, not_found
from joinedup.domains.visibility.models import SavedView

MAX_VIEWS = 50


def _check_path(path: str) -> str:
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not parts.path.startswith("/visibility"):
        raise invalid("path", "a saved view is a page of this site under /visibility, like /visibility/places/...")
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _require_user(actor: Principal) -> tuple[str, str]:
    if actor.user_id is None or actor.organisation_id is None:
        raise ProblemError(403, "forbidden", "Forbidden", "Saved views belong to a person acting for an organisation.")
    return actor.user_id, actor.organisation_id


def _changed(session: Session, actor: Principal, view: SavedView, *, action: str, topic: str) -> None:
    record_change(
        session,
        actor=actor,
        action=action,
        topic=topic,
        record_type="saved_view",
        record_id=view.id,
        organisation_id=view.organisation_id,
        system_id=actor.system_id,
        detail={"shared": view.shared},
        payload={"shared": view.shared, "role": view.role, "user_id": view.user_id},
    )


def list_views(session: Session, *, actor: Principal) -> Sequence[SavedView]:
    user_id, org_id = _require_user(actor)
    return session.scalars(
        select(SavedView)
        .where(
            SavedView.role == actor.role.value,
            SavedView.organisation_id == org_id,
            or_(SavedView.user_id == user_id, SavedView.shared.is_(True)),
        )
        .order_by(SavedView.name)
    ).all()


def save_view(session: Session, *, actor: Principal, name: str, path: str, shared: bool) -> SavedView:
    user_id, org_id = _require_user(actor)
    clean = name.strip()
    if not clean:
        raise invalid("name", "give the view a name")
    if len(list_views(session, actor=actor)) >= MAX_VIEWS:
        raise invalid("name", f"you have {MAX_VIEWS} saved views already; delete one first")
    view = SavedView(
        organisation_id=org_id,
        user_id=user_id,
        role=actor.role.value,
        name=clean,
        path=_check_path(path),
        shared=shared,
    )
    session.add(view)
    session.flush()
    _changed(session, actor, view, action="saved_view.create", topic="visibility.view_saved")
    return view


def delete_view(session: Session, *, actor: Principal, view_id: str) -> None:
    user_id, _ = _require_user(actor)
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != user_id:
        raise not_found("saved view", view_id)
    _changed(session, actor, view, action="saved_view.delete", topic="visibility.view_deleted")
    session.delete(view)
