"""JSON API for organisations, sites, users and machine credentials."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from joinedup.core.auth.models import ApiKey, OAuthClient
from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession
from joinedup.core.errors import PROBLEM_RESPONSES
from joinedup.core.pagination import Page
from joinedup.domains.organisations import permissions, schemas, service
from joinedup.domains.organisations.schemas import OrganisationType
from joinedup.domains.organisations.service import credentials

router = APIRouter(tags=["organisations"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(permissions.can_read_organisations)]
Manager = Annotated[Principal, Depends(permissions.can_manage_organisations)]
UserReader = Annotated[Principal, Depends(permissions.can_read_users)]
UserManager = Annotated[Principal, Depends(permissions.can_manage_users)]
CredentialManager = Annotated[Principal, Depends(permissions.can_manage_credentials)]
Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=200)]


@router.get("/care-systems", response_model=list[schemas.CareSystemOut])
def list_care_systems(actor: Reader, session: DbSession) -> list[schemas.CareSystemOut]:
    return [schemas.CareSystemOut.model_validate(s) for s in service.list_care_systems(session, actor=actor)]


@router.get("/places", response_model=list[schemas.PlaceOut])
def list_places(actor: Reader, session: DbSession) -> list[schemas.PlaceOut]:
    return [schemas.PlaceOut.model_validate(p) for p in service.list_places(session, actor=actor)]


@router.get("/organisations", response_model=Page[schemas.OrganisationOut])
def list_organisations(
    actor: Reader,
    session: DbSession,
    type: OrganisationType | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[schemas.OrganisationOut]:
    rows, next_cursor = service.list_organisations(
        session, actor=actor, type=type.value if type else None, q=q, cursor=cursor, limit=limit
    )
    return Page(items=[schemas.OrganisationOut.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("/organisations", response_model=schemas.OrganisationOut, status_code=status.HTTP_201_CREATED)
def create_organisation(actor: Manager, session: DbSession, body: schemas.OrganisationIn) -> schemas.OrganisationOut:
    return schemas.OrganisationOut.model_validate(service.create_organisation(session, actor=actor, data=body))


@router.get("/organisations/{organisation_id}", response_model=schemas.OrganisationOut)
def get_organisation(actor: Reader, session: DbSession, organisation_id: str) -> schemas.OrganisationOut:
    org = service.get_organisation(session, actor=actor, organisation_id=organisation_id)
    return schemas.OrganisationOut.model_validate(org)


@router.patch("/organisations/{organisation_id}", response_model=schemas.OrganisationOut)
def update_organisation(
    actor: Manager, session: DbSession, organisation_id: str, body: schemas.OrganisationPatch
) -> schemas.OrganisationOut:
    org = service.update_organisation(session, actor=actor, organisation_id=organisation_id, data=body)
    return schemas.OrganisationOut.model_validate(org)


@router.post("/organisations/{organisation_id}/sites", response_model=schemas.SiteOut, status_code=201)
def add_site(actor: Manager, session: DbSession, organisation_id: str, body: schemas.SiteIn) -> schemas.SiteOut:
    return schemas.SiteOut.model_validate(
        service.add_site(session, actor=actor, organisation_id=organisation_id, data=body)
    )


@router.get("/users", response_model=Page[schemas.UserOut])
def list_users(
    actor: UserReader, session: DbSession, cursor: Cursor = None, limit: Limit = 100
) -> Page[schemas.UserOut]:
    rows, next_cursor = service.list_users(session, actor=actor, cursor=cursor, limit=limit)
    return Page(items=[service.user_out(u, actor=actor) for u in rows], next_cursor=next_cursor)


@router.post("/users", response_model=schemas.UserOut, status_code=201)
def create_user(actor: UserManager, session: DbSession, body: schemas.UserIn) -> schemas.UserOut:
    return service.user_out(service.create_user(session, actor=actor, data=body), actor=actor)


@router.get("/users/{user_id}", response_model=schemas.UserOut)
def get_user(actor: UserReader, session: DbSession, user_id: str) -> schemas.UserOut:
    return service.user_out(service.get_user(session, actor=actor, user_id=user_id), actor=actor)


@router.patch("/users/{user_id}", response_model=schemas.UserOut)
def update_user(actor: UserManager, session: DbSession, user_id: str, body: schemas.UserPatch) -> schemas.UserOut:
    return service.user_out(service.update_user(session, actor=actor, user_id=user_id, data=body), actor=actor)


@router.get("/organisations/{organisation_id}/api-keys", response_model=list[schemas.ApiKeyOut])
def list_api_keys(actor: CredentialManager, session: DbSession, organisation_id: str) -> list[schemas.ApiKeyOut]:
    rows = credentials.list_api_keys(session, actor=actor, organisation_id=organisation_id)
    return [schemas.ApiKeyOut.model_validate(r) for r in rows]


@router.post("/organisations/{organisation_id}/api-keys", response_model=schemas.ApiKeyCreated, status_code=201)
def create_api_key(
    actor: CredentialManager, session: DbSession, organisation_id: str, body: schemas.CredentialIn
) -> schemas.ApiKeyCreated:
    row, key = credentials.create_api_key(session, actor=actor, organisation_id=organisation_id, data=body)
    return schemas.ApiKeyCreated(**schemas.ApiKeyOut.model_validate(row).model_dump(), key=key)


@router.delete("/organisations/{organisation_id}/api-keys/{key_id}", response_model=schemas.ApiKeyOut)
def revoke_api_key(
    actor: CredentialManager, session: DbSession, organisation_id: str, key_id: str
) -> schemas.ApiKeyOut:
    row = credentials.revoke(session, actor=actor, organisation_id=organisation_id, kind=ApiKey, credential_id=key_id)
    return schemas.ApiKeyOut.model_validate(row)


@router.get("/organisations/{organisation_id}/oauth-clients", response_model=list[schemas.OAuthClientOut])
def list_oauth_clients(
    actor: CredentialManager, session: DbSession, organisation_id: str
) -> list[schemas.OAuthClientOut]:
    rows = credentials.list_oauth_clients(session, actor=actor, organisation_id=organisation_id)
    return [schemas.OAuthClientOut.model_validate(r) for r in rows]


@router.post(
    "/organisations/{organisation_id}/oauth-clients", response_model=schemas.OAuthClientCreated, status_code=201
)
def create_oauth_client(
    actor: CredentialManager, session: DbSession, organisation_id: str, body: schemas.CredentialIn
) -> schemas.OAuthClientCreated:
    row, secret = credentials.create_oauth_client(session, actor=actor, organisation_id=organisation_id, data=body)
    return schemas.OAuthClientCreated(**schemas.OAuthClientOut.model_validate(row).model_dump(), client_secret=secret)


@router.delete("/organisations/{organisation_id}/oauth-clients/{client_row_id}", response_model=schemas.OAuthClientOut)
def revoke_oauth_client(
    actor: CredentialManager, session: DbSession, organisation_id: str, client_row_id: str
) -> schemas.OAuthClientOut:
    row = credentials.revoke(
        session, actor=actor, organisation_id=organisation_id, kind=OAuthClient, credential_id=client_row_id
    )
    return schemas.OAuthClientOut.model_validate(row)
