"""Cursor pagination: stable under inserts, no OFFSET scans."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from joinedup.core.errors import invalid

T = TypeVar("T")
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next page; null at the end")


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid("query.cursor", "The cursor is not one this service issued.") from None


def paginate(
    session: Session,
    stmt: Select[Any],
    *,
    key: InstrumentedAttribute[Any],
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Any], str | None]:
    """Rows after `cursor` ordered by the unique column `key`."""
    if cursor:
        stmt = stmt.where(key > decode_cursor(cursor))
    rows = session.scalars(stmt.order_by(key).limit(limit + 1)).unique().all()
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(str(getattr(rows[-1], key.key)))
    return rows, None
