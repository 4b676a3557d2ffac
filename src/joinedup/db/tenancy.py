"""Row-level organisation scoping applied to every ORM query.

Every session carries a Scope. A request's scope is the set of organisations the caller's
role may see; internal jobs (CLI, seeding, authentication lookups, the outbox relay) use a
named system scope. A session with no scope refuses to query tenant rows: deny by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

from sqlalchemy import event, func, select
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from joinedup.db.id_sets import id_array


class TenancyError(RuntimeError):
    """A query ran without a scope."""


@dataclass(frozen=True)
class Scope:
    # None means "every organisation", allowed only for named internal purposes.
    organisation_ids: frozenset[str] | None
    purpose: str

    @classmethod
    def system(cls, purpose: str) -> Scope:
        return cls(organisation_ids=None, purpose=purpose)

    @classmethod
    def of(cls, organisation_ids: frozenset[str], purpose: str = "request") -> Scope:
        return cls(organisation_ids=organisation_ids, purpose=purpose)

    def allows(self, organisation_id: str | None) -> bool:
        if self.organisation_ids is None:
            return True
        return organisation_id is not None and organisation_id in self.organisation_ids


class TenantScoped:
    """Mixin for tables whose rows belong to one organisation.

    `__tenant_column__` names the column holding that organisation's id.
    """

    __tenant_column__: ClassVar[str] = "organisation_id"


def _tenant_models() -> list[Any]:
    from joinedup.db.base import Base

    return [m.class_ for m in Base.registry.mappers if issubclass(m.class_, TenantScoped)]


def _visible_set(ids: list[str], postgres: bool) -> Any:
    """The visible organisations as the right-hand side of an IN, built once per set and shared
    by every tenant table's criterion.

    PostgreSQL: one text parameter split by the server (`id_array`), so a commissioner seeing
    thousands of organisations sends one value, not thousands."""
    if not postgres:
        return ids
    # IN (SELECT unnest(...)) lets the planner hash the set: = ANY(array) scans it per row.
    return select(func.unnest(id_array(ids))).scalar_subquery()


# Sized for a system's providers, hubs and councils: a set rebuilt on every request (a provider
# not seen for a while) costs about as much as the query it scopes.
@lru_cache(maxsize=2048)
def _criteria(organisation_ids: frozenset[str], postgres: bool, models: tuple[Any, ...]) -> tuple[Any, ...]:
    """The loader criteria for one visible set, built once and reused by every query with that
    set (a frozenset keeps its hash, so the lookup is cheap even for thousands of ids)."""
    visible = _visible_set(sorted(organisation_ids), postgres)
    # One plain criterion per tenant table: no lambda caching that could leak one
    # caller's organisation set into another's query.
    return tuple(
        with_loader_criteria(model, getattr(model, model.__tenant_column__).in_(visible), include_aliases=True)
        for model in models
    )


def install_tenancy(factory: sessionmaker[Session]) -> None:
    @event.listens_for(factory, "do_orm_execute")
    def _scope_queries(state: ORMExecuteState) -> None:
        if not (state.is_select or state.is_update or state.is_delete):
            return
        scope: Scope | None = state.session.info.get("scope")
        if scope is None:
            raise TenancyError("query without a tenancy scope; set session.info['scope']")
        if scope.organisation_ids is None:
            return
        postgres = state.session.get_bind().dialect.name == "postgresql"
        # Keyed by the tenant models too, so a table mapped after the first query is never missed.
        models = tuple(_tenant_models())
        state.statement = state.statement.options(*_criteria(scope.organisation_ids, postgres, models))


def current_scope(session: Session) -> Scope:
    scope = session.info.get("scope")
    if not isinstance(scope, Scope):
        raise TenancyError("session has no tenancy scope")
    return scope
