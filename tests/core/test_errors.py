"""JSON API errors are RFC 9457 problem details that name the offending field; never a 500."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PROBLEM = "application/problem+json"


def test_validation_error_names_the_offending_field(client_as) -> None:
    admin = client_as("alice_admin")
    r = admin.post("/api/v1/organisations", json={"name": "X", "type": "not-a-type", "ods_code": "??"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert (
        body["type"].endswith("/validation") and body["status"] == 422 and body["instance"] == "/api/v1/organisations"
    )
    fields = {e["field"] for e in body["errors"]}
    assert {"body.type", "body.ods_code"} <= fields


def test_unknown_field_is_rejected_by_name(client_as) -> None:
    r = client_as("alice_admin").post("/api/v1/organisations", json={"name": "X", "type": "council", "colour": "red"})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["body.colour"]


def test_unauthenticated_is_a_problem_with_www_authenticate(anon) -> None:
    r = anon.get("/api/v1/organisations")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_not_found_and_method_not_allowed_are_problems(client_as) -> None:
    admin = client_as("alice_admin")
    r = admin.get("/api/v1/organisations/does-not-exist")
    assert r.status_code == 404 and r.json()["title"] == "Not found"
    r = admin.put("/api/v1/organisations")
    assert r.status_code == 405 and r.headers["content-type"].startswith(PROBLEM)
    assert admin.get("/api/v1/nowhere").status_code == 404


def test_malformed_json_body_is_a_422_not_a_500(client_as) -> None:
    r = client_as("alice_admin").post(
        "/api/v1/organisations", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"].startswith("body")


def test_bad_cursor_names_the_cursor(client_as) -> None:
    r = client_as("alice_admin").get("/api/v1/audit-events", params={"cursor": "!!!"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "query.cursor"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=30),
        lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
        max_leaves=12,
    )
)
def test_any_json_body_gets_a_4xx_or_success_never_5xx(client_as, body) -> None:
    r = client_as("alice_admin").post("/api/v1/organisations", json=body)
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith(PROBLEM)


def test_nul_characters_are_refused_on_every_database(client_as) -> None:
    admin = client_as("alice_admin")
    r = admin.post("/api/v1/organisations", json={"name": "Nul\x00House", "type": "council"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.name"
    assert admin.get("/api/v1/organisations", params={"q": "a\x00"}).status_code == 400
    token = admin.post(
        "/api/v1/oauth/token", data={"grant_type": "client_credentials", "client_id": "\x00", "client_secret": "x"}
    )
    assert token.status_code in (400, 401, 422)
