"""Structured logging that never carries personal data.

Log events name records by id only. As a second line of defence, any key that could hold
personal data is redacted before a line is written.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

PERSONAL_KEYS = frozenset(
    {
        "email",
        "name",
        "full_name",
        "display_name",
        "nhs_number",
        "password",
        "postcode",
        "address",
        "date_of_birth",
        "phone",
        "telephone",
        "token",
        "api_key",
        "secret",
        "client_secret",
        "authorization",
        "cookie",
    }
)
REDACTED = "[redacted]"


def redact_personal_data(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if key.lower() in PERSONAL_KEYS:
            event_dict[key] = REDACTED
    return event_dict


def configure_logging(*, level: str = "INFO", json: bool = False) -> None:
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_personal_data,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
