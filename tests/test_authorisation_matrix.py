"""Every route, every role: the expected matrix is written out here by hand, so a new route
without a rule (or a rule that drifts) fails this suite."""

from __future__ import annotations

import re

import pytest

from joinedup.core.auth.models import AccessLevel
from joinedup.core.auth.principal import Principal
from joinedup.core.permissions import Role
from joinedup.db.tenancy import Scope
from joinedup.domains.organisations import schemas
from joinedup.domains.organisations.service import credentials
from joinedup.main import api_routes

ANON, CARER, MACHINE = "anonymous", "nora_nobody", "machine"
DC, PM, CW, CL, COM, INS, ADM = (
    "dan_discharge",
    "pam_provider",
    "cara_careworker",
    "cleo_clinician",
    "colin_commissioner",
    "ivy_inspector",
    "alice_admin",
)
STAFF = {DC, PM, CW, CL, COM, INS, ADM}
EVERYONE = STAFF | {ANON, CARER, MACHINE}
CALLERS = sorted(EVERYONE)

READ_ORGS = STAFF | {MACHINE}
LISTEN = {DC, PM, CL, COM, INS, ADM, MACHINE}
SIGNED_IN_PEOPLE = STAFF | {CARER}
CAPACITY_READ = {DC, PM, CL, COM, INS, ADM, MACHINE}
CAPACITY_WRITE = {PM, ADM, MACHINE}
ROSTERS = {PM, COM, ADM, MACHINE}
DISCHARGE_HUB = {DC, ADM}
DISCHARGE_PROVIDER = {PM, ADM}
DISCHARGE_REPORT = {DC, COM, ADM}
VISIBILITY = {DC, PM, CL, COM, INS, ADM}
VISIBILITY_PATIENTS = {DC, CL, ADM}
NEIGHBOURHOODS = {COM, ADM}

EXPECTED: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/health"): EVERYONE,
    ("GET", "/api/v1/me"): SIGNED_IN_PEOPLE,
    ("POST", "/api/v1/oauth/token"): EVERYONE,
    ("GET", "/api/v1/events"): LISTEN,
    ("GET", "/api/v1/docs"): EVERYONE,
    ("GET", "/api/v1/care-systems"): READ_ORGS,
    ("GET", "/api/v1/places"): READ_ORGS,
    ("GET", "/api/v1/organisations"): READ_ORGS,
    ("POST", "/api/v1/organisations"): {ADM},
    ("GET", "/api/v1/organisations/{organisation_id}"): READ_ORGS,
    ("PATCH", "/api/v1/organisations/{organisation_id}"): {ADM},
    ("POST", "/api/v1/organisations/{organisation_id}/sites"): {ADM},
    ("GET", "/api/v1/users"): {ADM},
    ("POST", "/api/v1/users"): {ADM},
    ("GET", "/api/v1/users/{user_id}"): {ADM},
    ("PATCH", "/api/v1/users/{user_id}"): {ADM},
    ("GET", "/api/v1/organisations/{organisation_id}/api-keys"): {PM, ADM},
    ("POST", "/api/v1/organisations/{organisation_id}/api-keys"): {PM, ADM},
    ("DELETE", "/api/v1/organisations/{organisation_id}/api-keys/{key_id}"): {PM, ADM},
    ("GET", "/api/v1/organisations/{organisation_id}/oauth-clients"): {PM, ADM},
    ("POST", "/api/v1/organisations/{organisation_id}/oauth-clients"): {PM, ADM},
    ("DELETE", "/api/v1/organisations/{organisation_id}/oauth-clients/{client_row_id}"): {PM, ADM},
    ("GET", "/api/v1/audit-events"): {ADM},
    ("GET", "/api/v1/audit-events.csv"): {ADM},
    ("GET", "/api/v1/capacity/standard/v1.schema.json"): EVERYONE,
    ("PUT", "/api/v1/capacity/services/{provider_service_id}"): CAPACITY_WRITE,
    ("GET", "/api/v1/capacity/services/{provider_service_id}"): CAPACITY_READ,
    ("GET", "/api/v1/capacity/services/{provider_service_id}/history"): CAPACITY_READ,
    ("POST", "/api/v1/capacity/services/{provider_service_id}/confirm"): CAPACITY_WRITE,
    ("POST", "/api/v1/capacity/updates"): CAPACITY_WRITE,
    ("GET", "/api/v1/capacity/search"): CAPACITY_READ,
    ("GET", "/api/v1/capacity/updates/template.csv"): CAPACITY_WRITE,
    ("POST", "/api/v1/capacity/updates.csv"): CAPACITY_WRITE,
    ("GET", "/api/v1/capacity/exports/capacity-tracker.csv"): {PM, COM, ADM},
    ("POST", "/api/v1/rostering/jobs"): ROSTERS,
    ("GET", "/api/v1/rostering/jobs"): ROSTERS,
    ("GET", "/api/v1/rostering/jobs/{job_id}"): ROSTERS,
    ("GET", "/api/v1/discharge/delay-reasons"): EVERYONE,
    ("GET", "/api/v1/discharge/pathways"): EVERYONE,
    ("GET", "/api/v1/discharge/patients"): DISCHARGE_HUB,
    ("POST", "/api/v1/discharge/patients"): DISCHARGE_HUB,
    ("GET", "/api/v1/discharge/patient-template.csv"): DISCHARGE_HUB,
    ("POST", "/api/v1/discharge/patients.csv"): DISCHARGE_HUB,
    ("GET", "/api/v1/discharge/patients/{patient_id}"): DISCHARGE_HUB,
    ("PATCH", "/api/v1/discharge/patients/{patient_id}"): DISCHARGE_HUB,
    ("POST", "/api/v1/discharge/patients/{patient_id}/assessments"): DISCHARGE_HUB,
    ("GET", "/api/v1/discharge/patients/{patient_id}/assessments"): DISCHARGE_HUB,
    ("GET", "/api/v1/discharge/patients/{patient_id}/matches"): DISCHARGE_HUB,
    ("POST", "/api/v1/discharge/patients/{patient_id}/referrals"): DISCHARGE_HUB,
    ("GET", "/api/v1/discharge/patients/{patient_id}/referrals"): DISCHARGE_HUB,
    ("GET", "/api/v1/discharge/patients/{patient_id}/delays"): DISCHARGE_HUB,
    ("POST", "/api/v1/discharge/patients/{patient_id}/delays"): DISCHARGE_HUB,
    ("POST", "/api/v1/discharge/patients/{patient_id}/delays/{delay_id}/end"): DISCHARGE_HUB,
    ("POST", "/api/v1/discharge/patients/{patient_id}/discharge"): DISCHARGE_HUB,
    ("GET", "/api/v1/discharge/referrals/{referral_id}"): DISCHARGE_HUB,
    ("POST", "/api/v1/discharge/referrals/{referral_id}/accept"): DISCHARGE_HUB,
    ("POST", "/api/v1/discharge/referrals/{referral_id}/withdraw"): DISCHARGE_HUB,
    ("POST", "/api/v1/discharge/referrals/{referral_id}/answer"): DISCHARGE_HUB,
    ("GET", "/api/v1/discharge/incoming"): DISCHARGE_PROVIDER,
    ("GET", "/api/v1/discharge/incoming/{referral_id}"): DISCHARGE_PROVIDER,
    ("POST", "/api/v1/discharge/incoming/{referral_id}/open"): DISCHARGE_PROVIDER,
    ("POST", "/api/v1/discharge/incoming/{referral_id}/offer"): DISCHARGE_PROVIDER,
    ("POST", "/api/v1/discharge/incoming/{referral_id}/decline"): DISCHARGE_PROVIDER,
    ("POST", "/api/v1/discharge/incoming/{referral_id}/question"): DISCHARGE_PROVIDER,
    ("GET", "/api/v1/discharge/reports/bed-days"): DISCHARGE_REPORT,
    ("GET", "/api/v1/discharge/reports/daily"): DISCHARGE_REPORT,
    ("GET", "/api/v1/discharge/reports/delay-reasons"): DISCHARGE_REPORT,
    ("GET", "/api/v1/visibility/system"): VISIBILITY,
    ("GET", "/api/v1/visibility/places/{place_id}"): VISIBILITY,
    ("GET", "/api/v1/visibility/places/{place_id}/neighbourhoods/{neighbourhood}"): VISIBILITY,
    ("GET", "/api/v1/visibility/organisations/{organisation_id}"): VISIBILITY,
    ("GET", "/api/v1/visibility/organisations/{organisation_id}/wards/{ward_id}"): VISIBILITY,
    ("GET", "/api/v1/visibility/organisations/{organisation_id}/wards/{ward_id}/patients"): VISIBILITY_PATIENTS,
    ("GET", "/api/v1/visibility/export.csv"): VISIBILITY,
    ("GET", "/api/v1/visibility/views"): VISIBILITY,
    ("POST", "/api/v1/visibility/views"): VISIBILITY,
    ("DELETE", "/api/v1/visibility/views/{view_id}"): VISIBILITY,
    ("POST", "/api/v1/neighbourhoods/studies"): NEIGHBOURHOODS,
    ("POST", "/api/v1/neighbourhoods/demand.csv"): NEIGHBOURHOODS,
    ("GET", "/api/v1/neighbourhoods/studies/{study_id}"): NEIGHBOURHOODS,
    ("POST", "/api/v1/neighbourhoods/studies/{study_id}/design"): NEIGHBOURHOODS,
    ("POST", "/api/v1/neighbourhoods/studies/{study_id}/moves"): NEIGHBOURHOODS,
    ("POST", "/api/v1/neighbourhoods/studies/{study_id}/runs"): NEIGHBOURHOODS,
    ("GET", "/api/v1/neighbourhoods/studies/{study_id}/comparison.csv"): NEIGHBOURHOODS,
    # pages
    ("GET", "/login"): EVERYONE,
    ("POST", "/login"): EVERYONE,
    ("POST", "/logout"): EVERYONE,
    ("GET", "/"): SIGNED_IN_PEOPLE,
    ("GET", "/about/data"): EVERYONE,
    ("GET", "/organisations"): READ_ORGS,
    ("GET", "/organisations/new"): {ADM},
    ("POST", "/organisations/new"): {ADM},
    ("GET", "/organisations/{organisation_id}"): READ_ORGS,
    ("GET", "/organisations/{organisation_id}/api-keys"): {PM, ADM},
    ("POST", "/organisations/{organisation_id}/api-keys"): {PM, ADM},
    ("GET", "/organisations/{organisation_id}/api-keys/{key_id}/revoke"): {PM, ADM},
    ("POST", "/organisations/{organisation_id}/api-keys/{key_id}/revoke"): {PM, ADM},
    ("GET", "/organisations/{organisation_id}/locations"): {ADM},
    ("POST", "/organisations/{organisation_id}/locations"): {ADM},
    ("GET", "/users"): {ADM},
    ("GET", "/users/new"): {ADM},
    ("POST", "/users/new"): {ADM},
    ("GET", "/users/{user_id}/edit"): {ADM},
    ("POST", "/users/{user_id}/edit"): {ADM},
    ("GET", "/users/{user_id}/deactivate"): {ADM},
    ("POST", "/users/{user_id}/deactivate"): {ADM},
    ("POST", "/users/{user_id}/reactivate"): {ADM},
    ("GET", "/account/roles"): SIGNED_IN_PEOPLE,
    ("POST", "/account/roles"): SIGNED_IN_PEOPLE,
    ("GET", "/audit"): {ADM},
    ("GET", "/capacity"): CAPACITY_READ,
    ("GET", "/capacity/services/{service_id}"): CAPACITY_WRITE,
    ("POST", "/capacity/services/{service_id}"): CAPACITY_WRITE,
    ("POST", "/capacity/services/{service_id}/confirm"): CAPACITY_WRITE,
    ("GET", "/capacity/upload"): CAPACITY_WRITE,
    ("POST", "/capacity/upload"): CAPACITY_WRITE,
    ("GET", "/capacity/approvals"): {ADM},
    ("POST", "/capacity/approvals/{service_id}/approve"): {ADM},
    ("GET", "/capacity/approvals/{service_id}/reject"): {ADM},
    ("POST", "/capacity/approvals/{service_id}/reject"): {ADM},
    ("GET", "/discharge"): DISCHARGE_HUB,
    ("GET", "/discharge/patients/new"): DISCHARGE_HUB,
    ("POST", "/discharge/patients/new"): DISCHARGE_HUB,
    ("GET", "/discharge/patients/{patient_id}"): DISCHARGE_HUB,
    ("GET", "/discharge/patients/{patient_id}/assessment"): DISCHARGE_HUB,
    ("POST", "/discharge/patients/{patient_id}/assessment"): DISCHARGE_HUB,
    ("POST", "/discharge/patients/{patient_id}/refer"): DISCHARGE_HUB,
    ("POST", "/discharge/patients/{patient_id}/details"): DISCHARGE_HUB,
    ("POST", "/discharge/patients/{patient_id}/delays"): DISCHARGE_HUB,
    ("POST", "/discharge/patients/{patient_id}/delays/{delay_id}/end"): DISCHARGE_HUB,
    ("GET", "/discharge/patients/{patient_id}/discharge"): DISCHARGE_HUB,
    ("POST", "/discharge/patients/{patient_id}/discharge"): DISCHARGE_HUB,
    ("GET", "/discharge/patients/{patient_id}/undo-discharge"): DISCHARGE_HUB,
    ("POST", "/discharge/patients/{patient_id}/undo-discharge"): DISCHARGE_HUB,
    ("GET", "/discharge/referrals/{referral_id}/withdraw"): DISCHARGE_HUB,
    ("POST", "/discharge/referrals/{referral_id}/{action}"): DISCHARGE_HUB,
    ("GET", "/discharge/reports"): DISCHARGE_REPORT,
    ("GET", "/discharge/incoming"): DISCHARGE_PROVIDER,
    ("GET", "/discharge/incoming/{referral_id}"): DISCHARGE_PROVIDER,
    ("POST", "/discharge/incoming/{referral_id}/{action}"): DISCHARGE_PROVIDER,
    ("GET", "/visibility"): VISIBILITY,
    ("GET", "/visibility/places/{place_id}"): VISIBILITY,
    ("GET", "/visibility/places/{place_id}/neighbourhoods/{neighbourhood}"): VISIBILITY,
    ("GET", "/visibility/organisations/{organisation_id}"): VISIBILITY,
    ("GET", "/visibility/organisations/{organisation_id}/wards/{ward_id}"): VISIBILITY,
    ("GET", "/visibility/organisations/{organisation_id}/wards/{ward_id}/patients"): VISIBILITY_PATIENTS,
    ("GET", "/visibility/map"): VISIBILITY,
    ("GET", "/visibility/views"): VISIBILITY,
    ("POST", "/visibility/views"): VISIBILITY,
    ("POST", "/visibility/views/{view_id}/delete"): VISIBILITY,
    ("GET", "/neighbourhoods"): NEIGHBOURHOODS,
    ("POST", "/neighbourhoods/generate"): NEIGHBOURHOODS,
    ("POST", "/neighbourhoods/upload"): NEIGHBOURHOODS,
    ("GET", "/neighbourhoods/{study_id}"): NEIGHBOURHOODS,
    ("GET", "/neighbourhoods/{study_id}/print"): NEIGHBOURHOODS,
    ("POST", "/neighbourhoods/{study_id}/design"): NEIGHBOURHOODS,
    ("POST", "/neighbourhoods/{study_id}/move"): NEIGHBOURHOODS,
    ("POST", "/neighbourhoods/{study_id}/run"): NEIGHBOURHOODS,
    ("GET", "/neighbourhoods/{study_id}/map.svg"): NEIGHBOURHOODS,
    ("GET", "/neighbourhoods/{study_id}/comparison.svg"): NEIGHBOURHOODS,
    # FHIR R4 facade
    ("GET", "/fhir/R4/metadata"): EVERYONE,
    ("GET", "/fhir/R4/openapi.json"): EVERYONE,
    ("GET", "/fhir/R4/HealthcareService"): CAPACITY_READ,
    ("GET", "/fhir/R4/HealthcareService/{service_id}"): CAPACITY_READ,
    ("POST", "/fhir/R4/HealthcareService"): CAPACITY_WRITE,
    ("PUT", "/fhir/R4/HealthcareService"): CAPACITY_WRITE,
    ("PUT", "/fhir/R4/HealthcareService/{service_id}"): CAPACITY_WRITE,
    ("GET", "/fhir/R4/MeasureReport"): CAPACITY_READ,
    ("GET", "/fhir/R4/MeasureReport/{report_id}"): CAPACITY_READ,
    ("POST", "/fhir/R4/MeasureReport"): CAPACITY_WRITE,
}

STREAMING = {("GET", "/api/v1/events")}


def app_routes(app) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(m, path) for path, route in api_routes(app) for m in route.methods}


def test_every_route_has_an_expected_rule(app) -> None:
    routes = app_routes(app)
    assert routes - EXPECTED.keys() == set(), "routes missing from the authorisation matrix"
    assert EXPECTED.keys() - routes == set(), "matrix names routes the app no longer has"


@pytest.fixture
def callers(client_as, anon, app, world, session_factory):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    clients = {name: client_as(name) for name in STAFF | {CARER}}
    clients[ANON] = anon
    with session_factory() as session:
        session.info["scope"] = Scope.system("test setup")
        actor = Principal(
            kind="user",
            actor_id=world.users[PM].id,
            role=Role.PROVIDER_MANAGER,
            organisation_id=world.org_id("care_home_a"),
            system_id=world.system_id,
            visible_organisation_ids=frozenset({world.org_id("care_home_a")}),
        )
        _, key = credentials.create_api_key(
            session,
            actor=actor,
            organisation_id=world.org_id("care_home_a"),
            data=schemas.CredentialIn(name="matrix", access=AccessLevel.READ_WRITE),
        )
        session.commit()
    machine = TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": key})
    machine.__enter__()
    clients[MACHINE] = machine
    yield clients
    machine.__exit__(None, None, None)


HOME_ORG = {
    DC: "trust",
    PM: "care_home_a",
    CW: "homecare",
    CL: "community",
    COM: "council",
    INS: "regulator",
    ADM: "icb",
    MACHINE: "care_home_a",
    ANON: "icb",
    CARER: "icb",
}


def _path(template: str, caller: str, world) -> str:  # type: ignore[no-untyped-def]
    user = world.users.get(caller) or world.users[ADM]
    return (
        template.replace("{organisation_id}", world.org_id(HOME_ORG[caller]))
        .replace("{user_id}", user.id)
        .replace("{key_id}", "no-such-key")
        .replace("{client_row_id}", "no-such-client")
        .replace("{provider_service_id}", "no-such-service")
        .replace("{service_id}", "no-such-service")
        .replace("{job_id}", "no-such-job")
        .replace("{patient_id}", "no-such-patient")
        .replace("{referral_id}", "no-such-referral")
        .replace("{delay_id}", "no-such-delay")
        .replace("{action}", "accept")
        .replace("{place_id}", world.place_id)
        .replace("{neighbourhood}", "North")
        .replace("{ward_id}", "no-such-ward")
        .replace("{view_id}", "no-such-view")
        .replace("{study_id}", "no-such-study")
    )


def _form_token(client) -> str:  # type: ignore[no-untyped-def]
    token = client.headers.get("X-CSRF-Token")
    if token:
        return str(token)
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    return match.group(1) if match else ""


def _call(client, method: str, path: str, streaming: bool) -> int:  # type: ignore[no-untyped-def]
    if streaming:
        with client.stream(method, path, params={"max_seconds": 0}) as response:
            return int(response.status_code)
    kwargs: dict[str, object] = {}
    if method in {"POST", "PATCH", "PUT"}:
        if path.startswith(("/api/", "/fhir/")):
            kwargs["json"] = {}
        else:  # a real form post carries its CSRF token; authorisation is what is tested here
            kwargs["data"] = {"csrf_token": _form_token(client)}
    return int(client.request(method, path, follow_redirects=False, **kwargs).status_code)


def _order(item: tuple[tuple[str, str], set[str]]) -> tuple[bool, str, str]:
    (method, path), _ = item
    return (path == "/logout", method, path)  # signing out last keeps the session for the rest


@pytest.mark.parametrize("caller", CALLERS)
def test_each_role_gets_exactly_the_routes_the_matrix_allows(app, callers, world, caller: str) -> None:
    wrong: list[str] = []
    for (method, template), allowed in sorted(EXPECTED.items(), key=_order):
        path = _path(template, caller, world)
        status = _call(callers[caller], method, path, (method, template) in STREAMING)
        page = not path.startswith(("/api/", "/fhir/"))
        denied_anon = status == 303 if page else status == 401
        if status >= 500:
            wrong.append(f"{method} {template}: {status}")
        elif caller in allowed and (status == 403 or (status == 401 and template != "/login")):
            wrong.append(f"{method} {template}: refused ({status}) but should be allowed")
        elif caller not in allowed and caller == ANON and not denied_anon:
            wrong.append(f"{method} {template}: anonymous got {status}")
        elif caller not in allowed and caller != ANON and status != 403:
            wrong.append(f"{method} {template}: allowed ({status}) but should be refused")
    assert wrong == []
