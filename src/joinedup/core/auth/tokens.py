"""Short-lived OAuth2 client-credentials access tokens (JWT, HS256)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt

from joinedup.config import Settings
from joinedup.core.clock import utcnow

ISSUER = "joinedup"
AUDIENCE = "joinedup-api"


def issue_access_token(settings: Settings, *, client_row_id: str, organisation_id: str, scope: str) -> tuple[str, int]:
    now = utcnow()
    lifetime = int(settings.access_token_minutes * 60)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": client_row_id,
        "org": organisation_id,
        "scope": scope,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=lifetime),
    }
    return jwt.encode(claims, settings.secret_key, algorithm="HS256"), lifetime


def decode_access_token(settings: Settings, token: str) -> dict[str, Any] | None:
    try:
        return jwt.decode(
            token,
            settings.secret_key,
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "sub", "org", "scope"]},
        )
    except jwt.PyJWTError:
        return None
