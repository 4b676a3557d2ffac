"""Who is calling: a signed-in person acting for one organisation, or a provider's system."""

from __future__ import annotations

from dataclasses import dataclass, field

from joinedup.core.permissions import Permission, Role, role_allows
from joinedup.db.tenancy import Scope


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" | "api_key" | "oauth_client"
    actor_id: str  # user id, API key id or OAuth client id
    role: Role
    organisation_id: str | None  # the organisation the caller acts for
    system_id: str | None
    visible_organisation_ids: frozenset[str] = field(default_factory=frozenset)
    can_write: bool = True
    membership_id: str | None = None
    display_name: str = ""

    def can(self, permission: Permission) -> bool:
        return role_allows(self.role, permission)

    @property
    def scope(self) -> Scope:
        return Scope.of(self.visible_organisation_ids, purpose=f"{self.kind}:{self.actor_id}")

    @property
    def user_id(self) -> str | None:
        return self.actor_id if self.kind == "user" else None
