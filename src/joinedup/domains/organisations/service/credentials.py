"""Machine credentials for provider systems: API keys and OAuth2 clients, per organisation."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.core.auth.models import ApiKey, OAuthClient
from joinedup.core.auth.principal import Principal
from joinedup.core.auth.secrets import new_token, sha256_hex
from joinedup.core.auth.service import API_KEY_PREFIX
from joinedup.core.changes import record_change
from joinedup.core.clock import utcnow
from joinedup.core.errors import ProblemError, not_found
from joinedup.core.permissions import Role
from joinedup.domains.organisations import schemas
from joinedup.domains.organisations.service.organisations import get_organisation


def _check_own(actor: Principal, organisation_id: str) -> None:
    # Only a system administrator manages another organisation's credentials.
    if actor.role is not Role.SYSTEM_ADMINISTRATOR and actor.organisation_id != organisation_id:
        raise ProblemError(403, "forbidden", "Forbidden", "You may manage credentials of your own organisation only.")


def _create(
    session: Session, *, actor: Principal, organisation_id: str, row: ApiKey | OAuthClient, record_type: str
) -> None:
    _check_own(actor, organisation_id)
    org = get_organisation(session, actor=actor, organisation_id=organisation_id)
    row.organisation_id, row.system_id, row.created_by_user_id = org.id, org.system_id, actor.user_id
    session.add(row)
    session.flush()
    record_change(
        session,
        actor=actor,
        action=f"{record_type}.create",
        topic="credential.created",
        record_type=record_type,
        record_id=row.id,
        organisation_id=org.id,
        system_id=org.system_id,
        detail={"access": row.access.value},
    )


def create_api_key(
    session: Session, *, actor: Principal, organisation_id: str, data: schemas.CredentialIn
) -> tuple[ApiKey, str]:
    key = API_KEY_PREFIX + new_token(32)
    row = ApiKey(name=data.name, access=data.access, secret_hash=sha256_hex(key), prefix=key[:12])
    _create(session, actor=actor, organisation_id=organisation_id, row=row, record_type="api_key")
    return row, key


def create_oauth_client(
    session: Session, *, actor: Principal, organisation_id: str, data: schemas.CredentialIn
) -> tuple[OAuthClient, str]:
    secret = new_token(32)
    row = OAuthClient(
        name=data.name, access=data.access, secret_hash=sha256_hex(secret), client_id="jupc_" + new_token(12)
    )
    _create(session, actor=actor, organisation_id=organisation_id, row=row, record_type="oauth_client")
    return row, secret


def list_api_keys(session: Session, *, actor: Principal, organisation_id: str) -> Sequence[ApiKey]:
    _check_own(actor, organisation_id)
    return session.scalars(
        select(ApiKey).where(ApiKey.organisation_id == organisation_id).order_by(ApiKey.created_at)
    ).all()


def list_oauth_clients(session: Session, *, actor: Principal, organisation_id: str) -> Sequence[OAuthClient]:
    _check_own(actor, organisation_id)
    return session.scalars(
        select(OAuthClient).where(OAuthClient.organisation_id == organisation_id).order_by(OAuthClient.created_at)
    ).all()


def revoke(
    session: Session,
    *,
    actor: Principal,
    organisation_id: str,
    kind: type[ApiKey] | type[OAuthClient],
    credential_id: str,
) -> ApiKey | OAuthClient:
    _check_own(actor, organisation_id)
    row = session.get(ApiKey, credential_id) if kind is ApiKey else session.get(OAuthClient, credential_id)
    record_type = "api_key" if kind is ApiKey else "oauth_client"
    if row is None or row.organisation_id != organisation_id:
        raise not_found(record_type, credential_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record_change(
            session,
            actor=actor,
            action=f"{record_type}.revoke",
            topic="credential.revoked",
            record_type=record_type,
            record_id=row.id,
            organisation_id=organisation_id,
            system_id=row.system_id,
        )
    return row
