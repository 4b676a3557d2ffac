"""Audit log search and its answers."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field


def _iso_only(value: object) -> object:
    # Pydantic would read "0.5" as a Unix timestamp; the API promises ISO 8601 only.
    if isinstance(value, (int, float)) or (isinstance(value, str) and _NUMBER.match(value.strip())):
        raise ValueError("use an ISO 8601 date-time with a time zone, e.g. 2026-11-23T09:00:00Z")
    return value


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_only)]


class AuditFilter(BaseModel):
    action: str | None = Field(
        default=None, max_length=80, description="Exact action, or a prefix ending in '.' (e.g. user.)"
    )
    actor_id: str | None = Field(default=None, max_length=36)
    record_type: str | None = Field(default=None, max_length=60)
    record_id: str | None = Field(default=None, max_length=64)
    organisation_id: str | None = Field(default=None, max_length=36)
    personal_data: bool | None = None
    since: IsoDateTime | None = None
    until: IsoDateTime | None = None


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
