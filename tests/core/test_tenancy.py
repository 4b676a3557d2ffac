"""Row-level organisation scoping: every query sees only the caller's organisations."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from joinedup.core.auth.models import Membership
from joinedup.db.tenancy import Scope, TenancyError
from joinedup.domains.organisations.models import Organisation, Site


def test_a_session_without_scope_refuses_to_query(session_factory, world) -> None:
    with session_factory() as s, pytest.raises(TenancyError):
        s.scalars(select(Organisation)).all()


ORG_KEYS = ["icb", "council", "trust", "community", "care_home_a", "care_home_b", "homecare", "regulator", "other_icb"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=st.sets(st.sampled_from(ORG_KEYS)))
def test_queries_return_exactly_the_visible_organisations_rows(session_factory, world, keys) -> None:
    visible = frozenset(world.org_id(k) for k in keys)
    with session_factory() as s:
        s.info["scope"] = Scope.of(visible)
        assert {o.id for o in s.scalars(select(Organisation))} == visible
        assert {site.organisation_id for site in s.scalars(select(Site))} == visible
        assert {m.organisation_id for m in s.scalars(select(Membership))} <= visible
        # Relationship loads are scoped too.
        for org in s.scalars(select(Organisation)):
            assert all(site.organisation_id in visible for site in org.sites)


def test_two_scopes_one_after_the_other_do_not_leak(session_factory, world) -> None:
    for key in ("care_home_a", "care_home_b"):
        with session_factory() as s:
            s.info["scope"] = Scope.of(frozenset({world.org_id(key)}))
            assert [o.id for o in s.scalars(select(Organisation))] == [world.org_id(key)]


def test_get_by_primary_key_is_scoped(session_factory, world) -> None:
    with session_factory() as s:
        s.info["scope"] = Scope.of(frozenset({world.org_id("care_home_a")}))
        assert s.get(Organisation, world.org_id("care_home_b")) is None
