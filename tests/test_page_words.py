"""Every page, as every role, on the demo's real data: no raw codes or developer words on screen
(issue 14, item 17), and every page a role may use is linked from its home page (item 18).

One crawl per role serves both: it starts at the role's home page and follows links and GET
forms; pages no link reaches are then fetched directly (with ids from the demo data) so their
words are checked too, and the reachability test names them. Seeding the demo and walking a
hundred pages a role takes a few seconds a role, so the walks are in the slow lane; the checks
of the checker itself are not.
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from starlette.routing import compile_path

from joinedup.core.auth import service as auth_service
from joinedup.core.auth.models import AccessLevel, User
from joinedup.core.auth.principal import Principal
from joinedup.core.permissions import Permission, Role, role_allows
from joinedup.db.tenancy import Scope
from joinedup.domains.capacity import csv_io as capacity_csv
from joinedup.domains.capacity import service as capacity
from joinedup.domains.discharge import service as discharge
from joinedup.domains.discharge.models import DischargeAssessment, DischargePatient
from joinedup.domains.neighbourhoods import service as neighbourhoods
from joinedup.domains.neighbourhoods.engine.demand import CSV_COLUMNS as DEMAND_COLUMNS
from joinedup.domains.organisations import schemas as org_schemas
from joinedup.domains.organisations import service as organisations
from tests.page_walk import DemoSite, Routes, Seen, crawl, demo_site, local, read_page, seen_page
from tests.test_authorisation_matrix import EXPECTED

SOURCE = Path(__file__).resolve().parents[1] / "src" / "joinedup"


def _class_names() -> list[str]:
    """Every class the application defines whose name is two or more words run together
    ("DischargeRecords"): such a name on a page is the code talking, not the service."""
    names: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and re.fullmatch(r"_?[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+", node.name):
                names.add(node.name.lstrip("_"))
    return sorted(names)


# What must never reach a page, each with an example from the issue.
PATTERNS: dict[str, re.Pattern[str]] = {
    "a code in snake_case": re.compile(r"\b[A-Za-z0-9]+_[A-Za-z0-9_]+\b"),
    "an internal id": re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I),
    "None for a missing value": re.compile(r"\bNone\b"),
    "a whole number written with .0": re.compile(r"(?<![\w.])\d[\d,]*\.0\b(?!\.\d)"),
    "one of a plural": re.compile(r"(?<![\d.,])\b1 (?:[a-z]+ )?(?!\w*(?:ss|us|is)\b)[a-z]+s\b"),
    "a permission id": re.compile(r"\b[a-z]+:[a-z_]+\b"),
    "a class name": re.compile(r"\b(?:" + "|".join(_class_names()) + r")\b"),
    "an acronym in lower case": re.compile(r"\b(?:Gp|Nhs|Cqc|Ods|Icb|Lsoa|Api)\b"),
    "an HTTP method": re.compile(r"\b(?:GET|PUT|POST|PATCH|DELETE)\b"),
}
# The column names of the files a person uploads (capacity updates, a council's demand extract)
# are words the person must type exactly: an upload's answer may name them.
CSV_COLUMNS = frozenset(capacity_csv.COLUMNS) | frozenset(DEMAND_COLUMNS)
# A labelled answer may be the plain word "None" (no help needed with behaviour, say).
NOT_IN_CHOICES = {"None for a missing value"}
# Boxes filled in by the page are checked for what it formats, not for what a person typed.
IN_VALUES = {"None for a missing value", "a whole number written with .0"}


def developer_words(seen: Seen) -> list[str]:
    found = []
    choices = set(seen.choices.splitlines())
    for name, pattern in PATTERNS.items():
        lines = seen.words.splitlines()
        if name in NOT_IN_CHOICES:
            lines = [line for line in lines if line not in choices]
        if name in IN_VALUES:
            lines += seen.values.splitlines()
        for line in lines:
            for match in pattern.finditer(line):
                if match.group(0) in CSV_COLUMNS:
                    continue
                found.append(f"{seen.path}: {name}: {match.group(0)!r} in {line[:120]!r}")
    return found


def test_the_patterns_catch_every_example_from_the_issue() -> None:
    bad = [
        "P3_end_of_life",
        "Pathway P3_new_placement",
        "Gp practice",
        "1 beds",
        "1 free places",
        "123.0 beds",
        "Target size 100.0",
        "ODS code: None",
        "Your role may not neighbourhoods:design",
        "Who: 2e724035-b1af-4d94-ad03-07fb077f9a44",
        "Discharge figures: DischargeRecords.",
        "Row 2: no service with this id; PUT the service first",
    ]
    for text in bad:
        assert developer_words(Seen("/x", 200, text, "", "", [])), text
    good = (
        "Pathway 3: end of life. GP practice. 1 bed, 2 beds, 1 bus, 0 places, 123 beds, 12.5 hours, "
        "Open Government Licence v3.0, at 10:30, Not recorded. SignHealth Bowfell Road."
    )
    assert developer_words(Seen("/x", 200, good, "", "", [])) == []
    # An upload's answer may name the file's own columns, and nothing else in snake case.
    assert developer_words(Seen("/x", 200, "Row 2, column duration_min: not a number", "", "", [])) == []
    assert developer_words(Seen("/x", 200, "Row 2, organisation_id: refused", "", "", []))
    # "None" as an answer to pick is a word; as a value shown in a box it is not.
    assert developer_words(Seen("/x", 200, "Behaviour\nNone", "None", "", [])) == []
    assert developer_words(Seen("/x", 200, "", "", "None", []))


def test_the_walker_reads_text_not_markup() -> None:
    page = read_page(
        "<html><head><title>A_b</title><script>var x_y = 1;</script></head><body>"
        '<p title="Plain">Shown <code>person_id</code></p><a href="/x?y=a_b">Go</a>'
        '<input type="hidden" value="None"><input type="text" value="3.0"></body></html>'
    )
    assert page.words == ["A_b", "Plain", "Shown", "Go"]
    assert page.values == ["3.0"] and page.links == ["/x?y=a_b"]


# The matrix test's persona for each role: what it may do is what the matrix says.
MATRIX_CALLER = {
    Role.DISCHARGE_COORDINATOR: "dan_discharge",
    Role.PROVIDER_MANAGER: "pam_provider",
    Role.CARE_WORKER: "cara_careworker",
    Role.CLINICIAN: "cleo_clinician",
    Role.COMMISSIONER: "colin_commissioner",
    Role.INSPECTOR: "ivy_inspector",
    Role.SYSTEM_ADMINISTRATOR: "alice_admin",
    Role.CARER: "nora_nobody",
}
ROLES = list(MATRIX_CALLER)


def allowed_pages(role: Role, routes: Routes) -> set[str]:
    caller = MATRIX_CALLER[role]
    return {path for (method, path), who in EXPECTED.items() if method == "GET" and caller in who} & set(
        routes.templates
    )


@dataclass
class Walk:
    site: DemoSite
    routes: Routes
    ids: dict[Role, dict[str, str]]
    crawls: dict[Role, dict[str, Seen]] = field(default_factory=dict)

    def crawl(self, role: Role) -> dict[str, Seen]:
        if role not in self.crawls:
            self.crawls[role] = crawl(self.site.client(role), self.routes)
        return self.crawls[role]


def _principal(site: DemoSite, role: Role) -> Principal:
    with site.session_factory() as session:
        session.info["scope"] = Scope.system("test set-up")
        user = session.get(User, site.user_id(role))
        assert user is not None
        return auth_service.principal_for_membership(session, user, auth_service.default_membership(user))


def _wait_for_design(site: DemoSite, actor: Principal, study_id: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with site.session_factory() as session:
            session.info["scope"] = actor.scope
            store = site.app.state.neighbourhood_studies
            if neighbourhoods.get_study(session, store=store, actor=actor, study_id=study_id).status != "designing":
                return
        time.sleep(0.2)
    raise AssertionError("the study was still being designed")


def _work_to_show(site: DemoSite) -> dict[Role, dict[str, str]]:
    """What the demo lacks until people use it: a referral to the demo care home, a discharge
    today, a designed neighbourhood study for each role that designs, an API key for each
    organisation that keeps its own. Returns, per role, ids for pages no link reaches."""
    ids: dict[Role, dict[str, str]] = {role: {} for role in ROLES}
    designing: list[tuple[Principal, str]] = []
    actors = {role: _principal(site, role) for role in ROLES}
    provider = actors[Role.PROVIDER_MANAGER]
    hospital = actors[Role.DISCHARGE_COORDINATOR]
    with site.session_factory() as session:
        session.info["scope"] = Scope.system("test set-up")
        homes = [
            s
            for s in capacity.list_service_summaries(session, system_id=provider.system_id)
            if s.organisation_id == provider.organisation_id
        ]
        # The first patient on the ward list who could go to a care home, so the walk (which opens
        # the first few patients) finds the referral and what can be done with it.
        listed = re.findall(
            r'href="/discharge/patients/([0-9a-f-]{36})"',
            site.client(Role.DISCHARGE_COORDINATOR).get("/discharge").text,
        )
        ready = set(
            session.scalars(
                select(DischargePatient.id)
                .where(DischargePatient.status == "in_hospital", DischargePatient.pathway.startswith("P3"))
                .where(DischargePatient.id.in_(select(DischargeAssessment.patient_id)))
            )
        )
        patient = session.get(DischargePatient, next(i for i in dict.fromkeys(listed) if i in ready))
        assert homes and patient is not None
        session.info["scope"] = hospital.scope
        (referral,) = discharge.refer(session, actor=hospital, patient_id=patient.id, service_ids=[homes[0].id])
        # A patient discharged today, the last on the list (the first few, which the walk opens, stay
        # as they were): the ward list lists the day's discharges, each leading to its undo.
        leaving = next(i for i in reversed(dict.fromkeys(listed)) if i != patient.id)
        discharge.discharge(session, actor=hospital, patient_id=leaving)
        session.commit()
        wards = discharge.ward_figures(session, organisation_id=str(hospital.organisation_id))
        for role, actor in actors.items():
            ids[role] |= {
                "{organisation_id}": actor.organisation_id or "",
                "{patient_id}": patient.id,
                "{referral_id}": referral.id,
                "{service_id}": homes[0].id,
                "{ward_id}": wards[0].ward_id,
                "{neighbourhood}": "Central",
            }
            session.info["scope"] = actor.scope if actor.organisation_id else Scope.system("carer")
            if role_allows(role, Permission.NEIGHBOURHOODS_DESIGN):
                study = neighbourhoods.create_study(session, actor=actor, localities=["North"], recipients=40, seed=1)
                neighbourhoods.design_study(
                    session,
                    store=site.app.state.neighbourhood_studies,
                    actor=actor,
                    study_id=study.id,
                    target=20,
                    measure="recipients",
                    within_localities=False,
                    seed=1,
                    factory=site.session_factory,
                )
                ids[role]["{study_id}"] = study.id
                designing.append((actor, study.id))
            if role_allows(role, Permission.CREDENTIALS_MANAGE) and actor.organisation_id:
                row, _ = organisations.create_api_key(
                    session,
                    actor=actor,
                    organisation_id=actor.organisation_id,
                    data=org_schemas.CredentialIn(name="Care planning system", access=AccessLevel.READ_WRITE),
                )
                ids[role]["{key_id}"] = row.id
            session.commit()
        for actor, study_id in designing:  # a design is made in the background, after the commit
            _wait_for_design(site, actor, study_id)
        session.info["scope"] = Scope.system("test set-up")
        place = organisations.find_organisations(session, system_id=hospital.system_id)[0].place_id
        for role in ROLES:
            ids[role]["{place_id}"] = place or ""
    return ids


@pytest.fixture(scope="module")
def walk(database_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    with demo_site(database_template, tmp_path_factory.mktemp("pages")) as site:
        yield Walk(site, Routes.of(site.app), _work_to_show(site))


def _fill(template: str, ids: dict[str, str]) -> str:
    path = template
    for key, value in ids.items():
        path = path.replace(key, value)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_no_page_shows_a_code_or_developer_word(walk: Walk, role: Role) -> None:
    seen = dict(walk.crawl(role))
    reached = {walk.routes.template_of(path) for path in seen}
    client = walk.site.client(role)
    extra = [_fill(t, walk.ids[role]) for t in sorted(allowed_pages(role, walk.routes) - reached)]
    extra.append("/organisations/no-such-organisation")  # the page a person sees for a wrong address
    for path in extra:
        response = client.get(path, follow_redirects=False)
        seen[path] = seen_page(path, response.status_code, response.text)
    seen |= _sent_empty(walk, role, list(seen.values()))
    errors = [f"{s.path}: {s.status}" for s in seen.values() if s.status >= 500]
    assert errors == []
    assert _inactive_users(walk.site) == []  # nothing sent empty took an irreversible step
    problems = [problem for s in seen.values() for problem in developer_words(s)]
    assert problems == [], "\n".join(sorted(set(problems))[:60])


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_an_upload_answers_in_words(walk: Walk, role: Role) -> None:
    """Every upload form the role reaches, sent the file its page offers as a template (a CSV
    link on the page), or a file of one unknown column where it offers none, with the form's
    other answers as the page fills them in (a check-only box stays ticked): the answer, the
    rows and columns it refuses or what it found, is in words too."""
    client = walk.site.client(role)
    problems: list[str] = []
    tried: set[str] = set()
    for seen in list(walk.crawl(role).values()):
        for action, name, filled in seen.uploads:
            target = local(action or seen.path, seen.path)
            if target is None or target in tried:
                continue
            tried.add(target)
            offered = next((link for link in seen.links if urlsplit(link).path.endswith(".csv")), None)
            body = client.get(offered).content if offered else b"unknown\n1\n"
            response = client.post(target, data=dict(filled), files={name: ("upload.csv", body, "text/csv")})
            assert response.status_code < 500, target
            problems += developer_words(seen_page(f"{target} (sent a file)", response.status_code, response.text))
    assert problems == [], "\n".join(problems)
    caller = MATRIX_CALLER[role]
    may = {
        path for path in ("/capacity/upload", "/neighbourhoods/upload") if caller in EXPECTED.get(("POST", path), ())
    }
    assert may <= tried


# Forms not sent empty: signing out ends the walk's session; an empty run form is a valid one
# (every number has a default) and starts a rostering run; and the answer to a question before an
# irreversible step is its hidden fields only, so sending it would take the step (deactivate a
# demo user, revoke a key, discharge a patient...). Matched against the address, not its route,
# as one route may serve several steps (/discharge/referrals/{id}/accept, /withdraw).
NOT_SENT = {
    "/logout",
    "/neighbourhoods/{study_id}/run",
    "/users/{user_id}/deactivate",
    "/organisations/{organisation_id}/api-keys/{key_id}/revoke",
    "/capacity/approvals/{service_id}/approve",
    "/capacity/approvals/{service_id}/reject",
    "/visibility/views/{view_id}/delete",
    "/discharge/patients/{patient_id}/discharge",
    "/discharge/referrals/{referral_id}/withdraw",
}
_NOT_SENT = [compile_path(path)[0] for path in NOT_SENT]


def not_sent(target: str) -> bool:
    return any(regex.match(urlsplit(target).path) for regex in _NOT_SENT)


def test_irreversible_steps_are_never_sent_empty() -> None:
    assert not_sent("/users/0b9e/deactivate")
    assert not_sent("/discharge/referrals/0b9e/withdraw") and not not_sent("/discharge/referrals/0b9e/answer")
    assert not_sent("/discharge/patients/0b9e/discharge?x=1")
    assert not not_sent("/discharge/patients/0b9e/undo-discharge") and not not_sent("/users/0b9e/edit")


def _inactive_users(site: DemoSite) -> list[str]:
    with site.session_factory() as session:
        session.info["scope"] = Scope.system("test check")
        return list(session.scalars(select(User.email).where(User.active.is_(False))))


def _sent_empty(walk: Walk, role: Role, pages: list[Seen]) -> dict[str, Seen]:
    """Every kind of form on the pages, sent as a person who fills in nothing would send it (its
    hidden fields only): the page that answers (an error summary, usually) is checked too."""
    client = walk.site.client(role)
    answers: dict[str, Seen] = {}
    sent: set[str] = set()
    for seen in pages:
        for action, hidden in seen.posts:
            target = local(action or seen.path, seen.path)
            template = walk.routes.post_template_of(target) if target else None
            if target is None or template is None or template in sent or not_sent(target):
                continue
            sent.add(template)
            response = client.post(target, data=dict(hidden), follow_redirects=True)
            where = f"{target} (sent empty)"
            answers[where] = seen_page(where, response.status_code, response.text)
    return answers


# Pages a role may open that no link of its own can lead to, and why.
UNLINKED: dict[tuple[Role, str], str] = {
    **{(role, "/login"): "signed in already: the sign-in page sends a signed-in person home" for role in ROLES},
    (Role.SYSTEM_ADMINISTRATOR, "/discharge/patients/{patient_id}"): "an ICB has no patients of its own",
    **{
        (Role.SYSTEM_ADMINISTRATOR, page): "an ICB has no patients of its own"
        for page in (
            "/discharge/patients/{patient_id}/assessment",
            "/discharge/patients/{patient_id}/discharge",
            "/discharge/patients/{patient_id}/undo-discharge",
            "/discharge/referrals/{referral_id}/withdraw",
        )
    },
    (
        Role.PROVIDER_MANAGER,
        "/visibility/organisations/{organisation_id}/wards/{ward_id}",
    ): "a provider manager sees only its own organisation, which has no wards",
    (
        Role.INSPECTOR,
        "/visibility/organisations/{organisation_id}/wards/{ward_id}",
    ): "an inspector sees providers, not hospitals, so no wards",
    (Role.CLINICIAN, "/visibility/places/{place_id}"): "a clinician sees only its own trust, which is in no place",
    (
        Role.CLINICIAN,
        "/visibility/places/{place_id}/neighbourhoods/{neighbourhood}",
    ): "a clinician sees only its own trust, which is in no place",
    (Role.SYSTEM_ADMINISTRATOR, "/discharge/incoming/{referral_id}"): "no one refers patients to an ICB",
    (Role.SYSTEM_ADMINISTRATOR, "/capacity/approvals/{service_id}/reject"): (
        "linked from a service awaiting approval: every service of the demo is approved"
    ),
    (
        Role.SYSTEM_ADMINISTRATOR,
        "/visibility/organisations/{organisation_id}/wards/{ward_id}/patients",
    ): "patients are shown only to their own hospital's team; an ICB has no wards",
    **{
        (role, "/neighbourhoods/{study_id}/comparison.svg"): "drawn once the scenarios have run (a solver run)"
        for role in ROLES
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_every_page_a_role_may_use_is_linked_from_its_home_page(walk: Walk, role: Role) -> None:
    reached = {walk.routes.template_of(path) for path in walk.crawl(role)}
    missing = allowed_pages(role, walk.routes) - reached - {t for (r, t) in UNLINKED if r is role}
    assert sorted(missing) == []
