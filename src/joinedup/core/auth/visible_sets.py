"""Which organisations a principal may see: asked of whoever knows the organisations.

Authentication builds every principal's visible set, but the rules (a hub sees the providers of
its care system, a commissioner its place, ...) are about organisations' types and places, which
the organisations domain owns. Core does not import a domain, so the composition root
(`joinedup.main.wire`) registers the organisations domain's function here at start-up.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from joinedup.core.permissions import Role


class VisibleSets(Protocol):
    def __call__(self, session: Session, *, role: Role, organisation_id: str | None) -> frozenset[str]: ...


_provider: VisibleSets | None = None


def use_visible_sets(provider: VisibleSets) -> None:
    """Register the function that computes visible sets (once, at start-up)."""
    global _provider
    _provider = provider


def visible_organisation_ids(session: Session, *, role: Role, organisation_id: str | None) -> frozenset[str]:
    """The organisations `role`, acting for `organisation_id`, may see (computed in the caller's
    system scope, during authentication)."""
    if _provider is None:
        raise RuntimeError("no visible-set provider registered: call joinedup.main.wire() at start-up")
    return _provider(session, role=role, organisation_id=organisation_id)
