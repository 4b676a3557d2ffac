"""Named personas, one per organisation type, and one who must see nothing (Nora).

Two care systems, so that "sees the whole system" can be told from "sees everything".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy.orm import Session

from joinedup.core.auth.models import Membership, User
from joinedup.core.auth.secrets import hash_password
from joinedup.core.permissions import Role
from joinedup.domains.organisations.models import CareSystem, Organisation, Place, Site
from joinedup.domains.organisations.schemas import OrganisationType

PASSWORD = "correct horse battery staple"


@lru_cache
def password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class World:
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    system_id: str = ""
    other_system_id: str = ""
    place_id: str = ""

    def org_id(self, key: str) -> str:
        return self.orgs[key].id


# persona -> (organisation key, role)
PERSONAS: dict[str, tuple[str | None, Role | None]] = {
    "alice_admin": ("icb", Role.SYSTEM_ADMINISTRATOR),
    "dan_discharge": ("trust", Role.DISCHARGE_COORDINATOR),
    "pam_provider": ("care_home_a", Role.PROVIDER_MANAGER),
    "bob_provider": ("care_home_b", Role.PROVIDER_MANAGER),
    "cara_careworker": ("homecare", Role.CARE_WORKER),
    "cleo_clinician": ("community", Role.CLINICIAN),
    "colin_commissioner": ("council", Role.COMMISSIONER),
    "ivy_inspector": ("regulator", Role.INSPECTOR),
    "otto_other_admin": ("other_icb", Role.SYSTEM_ADMINISTRATOR),
    "nora_nobody": (None, None),  # a public carer account: sees no organisation's data
}


def build_world(session: Session) -> World:
    world = World()
    system = CareSystem(name="Test ICS", icb_ods_code="QTS")
    other = CareSystem(name="Other ICS", icb_ods_code="QOT")
    session.add_all([system, other])
    session.flush()
    place = Place(system_id=system.id, name="Testshire", gss_code="E08000999")
    other_place = Place(system_id=system.id, name="Elsewhere", gss_code="E08000998")
    session.add_all([place, other_place])
    session.flush()
    world.system_id, world.other_system_id, world.place_id = system.id, other.id, place.id
    specs = {
        "icb": (system.id, None, OrganisationType.ICB, "QTS"),
        "council": (system.id, place.id, OrganisationType.COUNCIL, None),
        "trust": (system.id, None, OrganisationType.ACUTE_TRUST, "RTT"),
        "community": (system.id, place.id, OrganisationType.COMMUNITY_TRUST, "RCC"),
        "care_home_a": (system.id, place.id, OrganisationType.CARE_HOME_PROVIDER, None),
        "care_home_b": (system.id, place.id, OrganisationType.CARE_HOME_PROVIDER, None),
        "care_home_elsewhere": (system.id, other_place.id, OrganisationType.CARE_HOME_PROVIDER, None),
        "homecare": (system.id, place.id, OrganisationType.HOMECARE_PROVIDER, None),
        "regulator": (system.id, None, OrganisationType.REGULATOR, None),
        "other_icb": (other.id, None, OrganisationType.ICB, "QOT"),
        "other_care_home": (other.id, None, OrganisationType.CARE_HOME_PROVIDER, None),
    }
    for i, (key, (sid, pid, otype, ods)) in enumerate(specs.items()):
        org = Organisation(
            system_id=sid,
            place_id=pid,
            name=f"{key.replace('_', ' ').title()}",
            type=otype,
            ods_code=ods,
            cqc_location_id=f"1-{100000000 + i}" if otype is OrganisationType.CARE_HOME_PROVIDER else None,
        )
        org.sites.append(Site(system_id=sid, name=f"{key} site", postcode="M41 5BU", latitude=53.44, longitude=-2.36))
        session.add(org)
        world.orgs[key] = org
    session.flush()
    for persona, (org_key, role) in PERSONAS.items():
        user = User(
            email=f"{persona}@example.test",
            display_name=persona.replace("_", " ").title(),
            password_hash=password_hash(),
            is_carer_account=org_key is None,
        )
        session.add(user)
        session.flush()
        if org_key is not None and role is not None:
            org = world.orgs[org_key]
            session.add(Membership(user_id=user.id, organisation_id=org.id, system_id=org.system_id, role=role))
        world.users[persona] = user
    session.flush()
    return world
