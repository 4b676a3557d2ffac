"""What one page of the system picture is read with: the caller, their session, the app's
caches, and the figures of the services and organisations they may see.

Services and organisations are limited to the caller's visibility set and care system; anything
else is "not found", never an empty page that confirms it exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.state import AppState
from joinedup.db.tenancy import Scope
from joinedup.domains.visibility.service import published_series
from joinedup.domains.visibility.service.other_domains import (
    OrganisationRef,
    ServiceFigures,
    Summary,
    capacity_summaries,
    find_organisations,
    service_figures,
)


@dataclass
class Context:
    session: Session
    actor: Principal
    state: AppState
    now: datetime = field(default_factory=utcnow)

    def _visible(self, organisation_id: str, system_id: str) -> bool:
        return organisation_id in self.actor.visible_organisation_ids and system_id == self.actor.system_id

    def services(self) -> list[ServiceFigures]:
        held = service_figures(engine=self.state.engine, session_factory=self.state.session_factory, bus=self.state.bus)
        return [s for s in held if self._visible(s.organisation_id, s.system_id)]

    def summaries(self) -> list[Summary]:
        """Visible services added up per organisation and place (cached between changes)."""
        held = capacity_summaries(
            engine=self.state.engine, session_factory=self.state.session_factory, bus=self.state.bus
        )
        return [s for s in held if self._visible(s.organisation_id, s.system_id)]

    def organisations(self) -> dict[str, OrganisationRef]:
        """Visible organisations of the caller's system (thousands at ICB level)."""
        if self.actor.system_id is None:
            return {}
        visible = self.actor.visible_organisation_ids
        found = find_organisations(self.session, system_id=self.actor.system_id)
        return {o.id: o for o in found if o.id in visible}

    @cached_property
    def limits(self) -> dict[str, timedelta]:
        return {k: timedelta(hours=v) for k, v in self.state.settings.capacity_stale_hours.items()}

    @cached_property
    def _stale_key(self) -> tuple[datetime, tuple[Any, ...]]:
        return self.now.replace(second=0, microsecond=0), tuple(sorted(self.limits.items()))

    def stale_count(self, summary: Summary, care_type: str) -> int:
        """Out-of-date services of a summary now, the minute and limits worked out once per page."""
        minute, limits_key = self._stale_key
        return summary.stale_at(care_type, minute, self.limits, limits_key)

    def stale(self, s: ServiceFigures) -> bool:
        limits = self.limits
        return s.as_of is None or self.now - s.as_of > limits.get(s.kind, limits["care_home"])

    @cached_property
    def _series_held(self) -> set[str]:
        # Read in a system scope (a handful of trusts), then cut to what the caller may see.
        with self.state.session_factory() as session:
            session.info["scope"] = Scope.system("visibility: trusts with published series")
            return published_series.trusts_with_series(session)

    def trusts_with_series(self, org_ids: Iterable[str]) -> list[str]:
        """Which of these organisations have imported series: a handful, whatever the level's size."""
        wanted = set(org_ids) & self.actor.visible_organisation_ids
        return sorted(i for i in self._series_held if i in wanted)

    @contextmanager
    def narrowed(self, org_ids: Iterable[str]) -> Iterator[Session]:
        """A session that sees only these of the caller's organisations: the same rule, a far
        smaller tenancy filter for queries that concern a handful of trusts."""
        scope = Scope.of(frozenset(org_ids) & self.actor.visible_organisation_ids, purpose="visibility narrowed")
        with self.state.session_factory() as session:
            session.info["scope"] = scope
            yield session
