"""Hostile input to every page form and upload: empty, oversized (1 MB), the wrong type, a script,
and the wrong encoding (bytes that are not UTF-8, NUL, UTF-16, a whole body in UTF-16, multipart or
JSON where a form is expected). No answer is a server error; nothing stored is garbage (the database
is unchanged by a refusal, and what is stored is clean text, a script kept as the words typed);
a refused form comes back with an error summary; a script never reaches a page unescaped.

Every form is a `FormCase` in FORMS (tests/hostile/ holds the harness and each area's cases): to
put another page's form or upload through the suite, add a case whose `setup` returns the
`Target` (its URL and a valid answer); `persona` posts it (None: nobody signed in), and `encode`
sends it (`urlencoded`, or `multipart(files=...)` for an upload, whose named fields go as files
carrying the hostile bytes). `test_every_page_form_is_in_the_suite` fails when a page's form is
not. Each form takes a few seconds (a world of its own, and 1 MB values), so the suite is in the
slow lane, which scripts/test.sh runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import select

from joinedup.domains.discharge.models import DischargePatient
from joinedup.main import api_routes
from joinedup.web.forms import shown
from tests.domains.discharge.conftest import Discharge, dx
from tests.hostile.accounts import ACCOUNT_FORMS
from tests.hostile.capacity import CAPACITY_FORMS
from tests.hostile.discharge import DISCHARGE_FORMS
from tests.hostile.harness import FIELD_VALUES, OVERSIZED, Answer, FormCase, multipart, poster, said, urlencoded
from tests.hostile.organisations import ORGANISATION_FORMS
from tests.hostile.pictures import PICTURE_FORMS
from tests.hostile.users import USER_FORMS

__all__ = ["dx"]  # the discharge fixture: the world every case is posted into

FORMS: list[FormCase] = [
    *DISCHARGE_FORMS,
    *ACCOUNT_FORMS,
    *ORGANISATION_FORMS,
    *CAPACITY_FORMS,
    *PICTURE_FORMS,
    *USER_FORMS,
]
# Where each case posts, as the app's route path (a case's URL with its ids in place).
CASE_ROUTES = {
    "add a patient": "/discharge/patients/new",
    "patient details": "/discharge/patients/{patient_id}/details",
    "shared assessment": "/discharge/patients/{patient_id}/assessment",
    "refer": "/discharge/patients/{patient_id}/refer",
    "delay reason": "/discharge/patients/{patient_id}/delays",
    "record discharge": "/discharge/patients/{patient_id}/discharge",
    "undo discharge": "/discharge/patients/{patient_id}/undo-discharge",
    "answer a question": "/discharge/referrals/{referral_id}/{action}",
    "accept an offer": "/discharge/referrals/{referral_id}/{action}",
    "withdraw a referral": "/discharge/referrals/{referral_id}/{action}",
    "end a delay": "/discharge/patients/{patient_id}/delays/{delay_id}/end",
    "open a referral": "/discharge/incoming/{referral_id}/{action}",
    "offer a place": "/discharge/incoming/{referral_id}/{action}",
    "decline": "/discharge/incoming/{referral_id}/{action}",
    "ask a question": "/discharge/incoming/{referral_id}/{action}",
    "sign in": "/login",
    "sign out": "/logout",
    "add an organisation": "/organisations/new",
    "register a CQC location": "/organisations/{organisation_id}/locations",
    "create an API key": "/organisations/{organisation_id}/api-keys",
    "revoke an API key": "/organisations/{organisation_id}/api-keys/{key_id}/revoke",
    "update capacity": "/capacity/services/{service_id}",
    "nothing changed": "/capacity/services/{service_id}/confirm",
    "upload capacity": "/capacity/upload",
    "approve a service": "/capacity/approvals/{service_id}/approve",
    "reject a service": "/capacity/approvals/{service_id}/reject",
    "save a view": "/visibility/views",
    "delete a view": "/visibility/views/{view_id}/delete",
    "generate demand": "/neighbourhoods/generate",
    "upload demand": "/neighbourhoods/upload",
    "design neighbourhoods": "/neighbourhoods/{study_id}/design",
    "move an area": "/neighbourhoods/{study_id}/move",
    "run the scenarios": "/neighbourhoods/{study_id}/run",
    "add a user": "/users/new",
    "change a user": "/users/{user_id}/edit",
    "deactivate an account": "/users/{user_id}/deactivate",
    "reactivate an account": "/users/{user_id}/reactivate",
    "choose a role": "/account/roles",
}
ids = [c.name for c in FORMS]


@pytest.fixture(autouse=True)
def inline_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A neighbourhood run rosters in the server's own thread (no worker processes)."""
    monkeypatch.setenv("JOINEDUP_EXECUTOR", "inline")


def test_every_page_form_is_in_the_suite(app: Any) -> None:
    """Each page route that takes a POST has a case (a new form joins the suite by adding one)."""
    posted = {
        path
        for path, route in api_routes(app)
        if "POST" in (route.methods or set()) and not path.startswith(("/api/", "/fhir/"))
    }
    assert {c.name for c in FORMS} == set(CASE_ROUTES), "every case names its route"
    missing = posted - set(CASE_ROUTES.values())
    assert not missing, f"page forms no hostile-input case posts: {sorted(missing)}"


@pytest.mark.slow
@pytest.mark.parametrize("case", FORMS, ids=ids)
def test_every_form_refuses_hostile_input_or_keeps_it_as_text(
    case: FormCase, dx: Discharge, client_as: Any, anon: TestClient
) -> None:
    post = poster(case, dx, client_as, anon)
    # Each kind of hostile value in every field at once.
    for kind, value in FIELD_VALUES.items():
        answer = post.target.answer()
        post.post(post.encode(answer, post.token, dict.fromkeys(answer, value)), what=kind)
    # 1 MB in one field at a time (all at once would pass the whole form's limit).
    for name in post.target.answer():
        answer = post.target.answer()
        post.post(post.encode(answer, post.token, {name: OVERSIZED}), what=f"1 MB in {name}")
    # The whole body in the wrong encoding or shape.
    answer = post.target.answer()
    body, content_type = post.encode(answer, post.token, None)
    post.post((body.decode("latin-1").encode("utf-16"), f"{content_type}; charset=utf-16"), "UTF-16 body")
    if case.encode is urlencoded:
        post.post(multipart()(answer, post.token, None), "multipart body")
    post.post((json.dumps({"csrf_token": post.token, **answer}).encode(), "application/json"), "JSON body")
    post.post((b"x=" + b"y" * (5 * 1024 * 1024), "application/x-www-form-urlencoded"), "5 MB body")
    post.settle()


@pytest.mark.slow
@pytest.mark.parametrize("case", FORMS, ids=ids)
def test_every_field_of_every_form_refuses_hostile_input_or_keeps_it_as_text(
    case: FormCase, dx: Discharge, client_as: Any, anon: TestClient
) -> None:
    post = poster(case, dx, client_as, anon)
    for name in post.target.answer():
        for kind, value in FIELD_VALUES.items():
            answer = post.target.answer()
            post.post(post.encode(answer, post.token, {name: value}), what=f"{kind} in {name}")
    post.settle()


@pytest.mark.slow
@pytest.mark.parametrize("case", FORMS, ids=ids)
def test_every_form_takes_its_valid_answer(case: FormCase, dx: Discharge, client_as: Any, anon: TestClient) -> None:
    """The valid answer each case sends is taken, so every refusal above is the hostile value's."""
    post = poster(case, dx, client_as, anon)
    response = post.post(post.encode(post.target.answer(), post.token, None), what="the valid answer")
    post.settle()
    assert (response.status_code == 200 and response.history) or response.status_code in case.accepted, (
        response.status_code,
        said(response),
    )


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    typed=st.dictionaries(
        st.sampled_from(["nhs_number", "name", "ward", "admitted_on-day", "admitted_on-month", "home_postcode"]),
        st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40),
        min_size=1,
    )
)
def test_whatever_is_typed_into_a_new_patient_no_server_error_and_no_garbage(
    dx: Discharge, client_as: Any, anon: TestClient, typed: dict[str, str]
) -> None:
    post = poster(FORMS[0], dx, client_as, anon)
    answer: Answer = {**post.target.answer(), **typed}
    response = post.post(post.encode(answer, post.token, None), what=f"typed {typed!r}")
    if response.status_code == 422:
        for value in typed.values():  # what was typed comes back escaped, less what no one can see
            assert str(escape(shown(value).strip())) in response.text
    accepted = response.status_code == 200 and response.history
    if accepted and "name" in typed and typed["name"].strip():
        with dx.session() as s:
            names = set(s.scalars(select(DischargePatient.name)))
        assert typed["name"].strip() in names  # stored as the words typed
