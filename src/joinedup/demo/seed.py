"""Trafford demonstration data: real organisations from open data, synthetic people.

Generated records use a fixed seed so every demo is the same, and carry `synthetic=True`.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.core.auth.models import Membership, User
from joinedup.core.auth.secrets import hash_password
from joinedup.core.permissions import ROLE_LABELS, Role
from joinedup.domains.organisations.importers import import_care_homes, import_gp_practices
from joinedup.domains.organisations.models import CareSystem, Organisation, Place, Site
from joinedup.domains.organisations.schemas import OrganisationType

DATA = Path(__file__).parent / "data"
SEED = 20261123
DEMO_PASSWORD = "trafford-demo-2026"  # noqa: S105 - development only; `seed --demo` refuses elsewhere
ICB_ODS = "QOP"
TRUST_ODS = "R0A"


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str
    organisation: str


def _org(
    session: Session,
    *,
    system_id: str,
    place_id: str | None,
    name: str,
    type: OrganisationType,
    ods_code: str | None = None,
    synthetic: bool = False,
    sites: list[Site] | None = None,
) -> Organisation:
    existing = session.scalars(select(Organisation).where(Organisation.name == name)).first()
    if existing is not None:
        return existing
    org = Organisation(
        system_id=system_id, place_id=place_id, name=name, type=type, ods_code=ods_code, synthetic=synthetic
    )
    org.sites.extend(sites or [])
    session.add(org)
    session.flush()
    return org


def _postcodes() -> list[dict[str, str]]:
    with (DATA / "postcodes.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def seed_trafford(session: Session) -> dict[str, int]:
    """Organisations of Trafford (idempotent). Returns counts of what was added."""
    system = session.scalars(select(CareSystem).where(CareSystem.icb_ods_code == ICB_ODS)).first()
    if system is None:
        system = CareSystem(name="NHS Greater Manchester Integrated Care", icb_ods_code=ICB_ODS)
        session.add(system)
        session.flush()
    place = session.scalars(select(Place).where(Place.gss_code == "E08000009")).first()
    if place is None:
        place = Place(system_id=system.id, name="Trafford", gss_code="E08000009")
        session.add(place)
        session.flush()
    sid, pid = system.id, place.id
    _org(
        session,
        system_id=sid,
        place_id=None,
        name="NHS Greater Manchester Integrated Care Board",
        type=OrganisationType.ICB,
        ods_code=ICB_ODS,
    )
    _org(session, system_id=sid, place_id=pid, name="Trafford Council", type=OrganisationType.COUNCIL)
    with (DATA / "mft_hospitals.csv").open(newline="", encoding="utf-8") as fh:
        hospitals = [
            Site(system_id=sid, name=r["hospital22_name"], latitude=float(r["lat"]), longitude=float(r["lon"]))
            for r in csv.DictReader(fh)
        ]
    _org(
        session,
        system_id=sid,
        place_id=None,
        name="Manchester University NHS Foundation Trust",
        type=OrganisationType.ACUTE_TRUST,
        ods_code=TRUST_ODS,
        sites=hospitals,
    )
    _org(session, system_id=sid, place_id=None, name="Care Quality Commission", type=OrganisationType.REGULATOR)
    care_homes = import_care_homes(session, DATA / "care_homes.csv", system_id=sid, place_id=pid)
    gps = import_gp_practices(session, DATA / "gp_practices.csv", system_id=sid, place_id=pid)
    synthetic = _seed_synthetic_providers(session, system_id=sid, place_id=pid)
    capacity = seed_capacity(session)
    discharge = seed_discharge(session)
    counts = {
        "care_homes": care_homes,
        "gp_practices": gps,
        "synthetic_providers": synthetic,
        "capacity_services": capacity,
        "discharge_patients": discharge,
    }
    counts["trust_history_days"] = seed_visibility_history(session)
    return counts


def seed_visibility_history(session: Session) -> int:
    """Manchester University NHS FT's real discharge history (NHS England, OGL) for the trend pages."""
    from joinedup.domains.visibility.demo import seed_visibility

    return seed_visibility(session, DATA, TRUST_ODS)


def seed_capacity(session: Session) -> int:
    """Synthetic (clearly marked) capacity for every provider, so the demo has something live."""
    from joinedup.config import get_settings
    from joinedup.domains.capacity.demo import seed_capacity as seed_services

    return seed_services(session, settings=get_settings(), data_dir=DATA, seed=SEED)


def seed_discharge(session: Session) -> int:
    """A synthetic ward list for Manchester University NHS FT, calibrated to its published series."""
    from joinedup.domains.discharge.demo import seed_ward_list

    return seed_ward_list(session, data_dir=DATA, seed=SEED, trust_ods=TRUST_ODS)


HOMECARE_NAMES = [
    "Altrincham Home Support",
    "Sale Community Care",
    "Stretford Homecare",
    "Urmston Care at Home",
    "Partington and Carrington Care",
    "Old Trafford Home Help",
    "Timperley Homecare",
    "Hale Barns Care Services",
]


def _seed_synthetic_providers(session: Session, *, system_id: str, place_id: str) -> int:
    rng = random.Random(SEED)  # noqa: S311 - demo data, not security
    postcodes = _postcodes()
    before = session.scalar(select(Organisation.id).where(Organisation.synthetic.is_(True)).limit(1))
    if before:
        return 0
    added = 0
    for name in HOMECARE_NAMES:
        pc = rng.choice(postcodes)
        _org(
            session,
            system_id=system_id,
            place_id=place_id,
            name=name,
            type=OrganisationType.HOMECARE_PROVIDER,
            synthetic=True,
            sites=[
                Site(
                    system_id=system_id,
                    name=f"{name} office",
                    postcode=pc["postcode"],
                    latitude=float(pc["lat"]),
                    longitude=float(pc["lon"]),
                )
            ],
        )
        added += 1
    pc = rng.choice(postcodes)
    _org(
        session,
        system_id=system_id,
        place_id=place_id,
        name="Trafford Reablement Service",
        type=OrganisationType.REABLEMENT_SERVICE,
        synthetic=True,
        sites=[
            Site(
                system_id=system_id,
                name="Trafford Reablement base",
                postcode=pc["postcode"],
                latitude=float(pc["lat"]),
                longitude=float(pc["lon"]),
            )
        ],
    )
    _org(
        session,
        system_id=system_id,
        place_id=place_id,
        name="Trafford Carers Centre",
        type=OrganisationType.VOLUNTARY_SECTOR,
        synthetic=True,
    )
    return added + 2


def _demo_personas(session: Session) -> list[tuple[Role, str, str, str]]:
    """(role, e-mail, display name, organisation name) for one demo sign-in per role."""
    care_home = session.scalars(
        select(Organisation).where(Organisation.type == OrganisationType.CARE_HOME_PROVIDER).order_by(Organisation.name)
    ).first()
    assert care_home is not None
    return [
        (
            Role.DISCHARGE_COORDINATOR,
            "discharge@demo.joinedup.test",
            "Dana Discharge",
            "Manchester University NHS Foundation Trust",
        ),
        (Role.PROVIDER_MANAGER, "provider@demo.joinedup.test", "Priya Provider", care_home.name),
        (Role.CARE_WORKER, "careworker@demo.joinedup.test", "Chris Careworker", HOMECARE_NAMES[0]),
        (
            Role.CLINICIAN,
            "clinician@demo.joinedup.test",
            "Callum Clinician",
            "Manchester University NHS Foundation Trust",
        ),
        (Role.COMMISSIONER, "commissioner@demo.joinedup.test", "Cora Commissioner", "Trafford Council"),
        (Role.INSPECTOR, "inspector@demo.joinedup.test", "Ines Inspector", "Care Quality Commission"),
        (
            Role.SYSTEM_ADMINISTRATOR,
            "admin@demo.joinedup.test",
            "Ada Administrator",
            "NHS Greater Manchester Integrated Care Board",
        ),
    ]


def seed_demo_users(session: Session, password: str = DEMO_PASSWORD) -> list[DemoLogin]:
    """One synthetic sign-in per role (idempotent)."""
    logins: list[DemoLogin] = []
    password_hash = hash_password(password)
    for role, email, name, org_name in _demo_personas(session):
        org = session.scalars(select(Organisation).where(Organisation.name == org_name)).one()
        user = session.scalars(select(User).where(User.email == email)).first()
        if user is None:
            user = User(email=email, display_name=name, password_hash=password_hash, synthetic=True)
            session.add(user)
            session.flush()
            session.add(Membership(user_id=user.id, organisation_id=org.id, system_id=org.system_id, role=role))
        logins.append(DemoLogin(role=role, email=email, organisation=org.name))
    carer_email = "carer@demo.joinedup.test"
    if session.scalars(select(User).where(User.email == carer_email)).first() is None:
        session.add(
            User(
                email=carer_email,
                display_name="Cameron Carer",
                password_hash=password_hash,
                synthetic=True,
                is_carer_account=True,
            )
        )
    logins.append(DemoLogin(role=Role.CARER, email=carer_email, organisation="(member of the public)"))
    session.flush()
    return logins


def describe(logins: list[DemoLogin]) -> list[tuple[str, str, str]]:
    return [(ROLE_LABELS[x.role], x.email, x.organisation) for x in logins]
