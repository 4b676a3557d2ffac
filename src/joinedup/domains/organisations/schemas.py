"""Organisations' public types: organisation types, the plain records other domains read
(OrganisationRef, SiteRef, PlaceRef), and API shapes for care systems, organisations, sites,
users and machine credentials."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from joinedup.core.auth.models import AccessLevel
from joinedup.core.permissions import Role
from joinedup.geo.postcodes import normalise_postcode


class OrganisationType(StrEnum):
    ACUTE_TRUST = "acute_trust"
    COMMUNITY_TRUST = "community_trust"
    CARE_HOME_PROVIDER = "care_home_provider"
    HOMECARE_PROVIDER = "homecare_provider"
    REABLEMENT_SERVICE = "reablement_service"
    GP_PRACTICE = "gp_practice"
    COUNCIL = "council"
    ICB = "icb"
    REGULATOR = "regulator"
    VOLUNTARY_SECTOR = "voluntary_sector"


# Organisations that report capacity and take referrals.
PROVIDER_TYPES = frozenset(
    {
        OrganisationType.CARE_HOME_PROVIDER,
        OrganisationType.HOMECARE_PROVIDER,
        OrganisationType.REABLEMENT_SERVICE,
    }
)
# Organisations whose patients wait for discharge.
HOSPITAL_TYPES = frozenset({OrganisationType.ACUTE_TRUST, OrganisationType.COMMUNITY_TRUST})


@dataclass(frozen=True, slots=True)
class OrganisationRef:
    """An organisation as other domains see it: a plain value, usable after the session closes."""

    id: str
    system_id: str
    place_id: str | None
    name: str
    type: OrganisationType
    ods_code: str | None
    cqc_location_id: str | None
    cqc_provider_name: str | None
    active: bool
    synthetic: bool

    @property
    def is_provider(self) -> bool:
        return self.type in PROVIDER_TYPES

    @property
    def is_hospital(self) -> bool:
        return self.type in HOSPITAL_TYPES


@dataclass(frozen=True, slots=True)
class SiteRef:
    id: str
    organisation_id: str
    system_id: str
    name: str
    ods_code: str | None
    postcode: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True, slots=True)
class LocationRef:
    """A CQC location registered to a provider besides the organisation's own."""

    id: str
    organisation_id: str
    cqc_location_id: str
    name: str
    postcode: str | None


@dataclass(frozen=True, slots=True)
class PlaceRef:
    id: str
    system_id: str
    name: str
    gss_code: str


# No control characters: PostgreSQL cannot store NUL, and none belongs in a name.
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")
]
OdsCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z0-9]{3,12}$")]
CqcLocationId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^1-[0-9]{6,12}$")]
Postcode = Annotated[str, StringConstraints(max_length=10), AfterValidator(normalise_postcode)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocationIn(Strict):
    """A CQC location to register to a provider (its id, as the CQC register gives it)."""

    cqc_location_id: CqcLocationId
    name: Name
    postcode: Postcode | None = None


class SiteIn(Strict):
    name: Name
    ods_code: OdsCode | None = None
    postcode: Postcode | None = None
    latitude: float | None = Field(default=None, ge=49.0, le=61.0, description="WGS84; UK only")
    longitude: float | None = Field(default=None, ge=-9.0, le=2.5, description="WGS84; UK only")


class SiteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    ods_code: str | None
    postcode: str | None
    latitude: float | None
    longitude: float | None


class OrganisationIn(Strict):
    name: Name
    type: OrganisationType
    ods_code: OdsCode | None = None
    cqc_location_id: CqcLocationId | None = None
    place_id: str | None = Field(default=None, max_length=36)
    sites: list[SiteIn] = Field(default_factory=list, max_length=50)


class OrganisationPatch(Strict):
    name: Name | None = None
    ods_code: OdsCode | None = None
    cqc_location_id: CqcLocationId | None = None
    active: bool | None = None


class OrganisationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    system_id: str
    place_id: str | None
    name: str
    type: OrganisationType
    ods_code: str | None
    cqc_location_id: str | None
    synthetic: bool = Field(description="True where the record is generated, not real open data")
    active: bool
    sites: list[SiteOut]


class MembershipIn(Strict):
    organisation_id: str = Field(max_length=36)
    role: Role


class MembershipOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    organisation_id: str
    role: Role


class UserIn(Strict):
    email: EmailStr
    display_name: Name
    password: str = Field(min_length=12, max_length=1024)
    memberships: list[MembershipIn] = Field(min_length=1, max_length=20)


class UserPatch(Strict):
    display_name: Name | None = None
    email: EmailStr | None = None
    memberships: list[MembershipIn] | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        description="Every role the person is to hold, replacing the roles they hold now",
    )
    active: bool | None = Field(
        default=None,
        description="False deactivates the account: it cannot sign in, its sessions end and the API keys "
        "the person made are revoked. True reactivates it.",
    )


@dataclass(frozen=True, slots=True)
class RoleHeld:
    """One of the signed-in person's roles, as the page to choose between them shows it."""

    membership_id: str
    role: Role
    organisation_id: str | None
    organisation_name: str | None
    current: bool


@dataclass(frozen=True, slots=True)
class CredentialMade:
    """A live API key or OAuth client a person made: revoked if their account is deactivated."""

    id: str
    kind: str  # "api_key" | "oauth_client"
    name: str
    organisation_name: str


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    email: str
    display_name: str
    active: bool
    synthetic: bool
    last_login_at: datetime | None
    memberships: list[MembershipOut]


class CredentialIn(Strict):
    name: Name
    access: AccessLevel = AccessLevel.READ


class CredentialOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    organisation_id: str
    name: str
    access: AccessLevel
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyOut(CredentialOut):
    prefix: str


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="Shown once; only its hash is stored")


class OAuthClientOut(CredentialOut):
    client_id: str


class OAuthClientCreated(OAuthClientOut):
    client_secret: str = Field(description="Shown once; only its hash is stored")


class CareSystemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    icb_ods_code: str


class PlaceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    system_id: str
    name: str
    gss_code: str
