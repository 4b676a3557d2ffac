"""Audit log search and its answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditFilter(BaseModel):
    action: str | None = Field(
        default=None, max_length=80, description="Exact action, or a prefix ending in '.' (e.g. user.)"
    )
    actor_id: str | None = Field(default=None, max_length=36)
    record_type: str | None = Field(default=None, max_length=60)
    record_id: str | None = Field(default=None, max_length=64)
    organisation_id: str | None = Field(default=None, max_length=36)
    personal_data: bool | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    occurred_at: datetime
    actor_type: str
    actor_id: str | None
    actor_role: str | None
    organisation_id: str | None
    action: str
    record_type: str
    record_id: str | None
    record_organisation_id: str | None
    personal_data: bool
    client_ip: str | None
    channel: str
    request_id: str
    detail: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    next_cursor: str | None
