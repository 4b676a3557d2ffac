"""Organisations' door for other domains: plain records, read within the caller's tenancy scope."""

from __future__ import annotations

import dataclasses

import pytest

from joinedup.db.tenancy import Scope
from joinedup.domains.organisations import service as organisations
from joinedup.domains.organisations.schemas import OrganisationType


def test_an_organisation_is_a_plain_value_usable_after_the_session(session_factory, world) -> None:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        ref = organisations.organisation(s, organisation_id=world.org_id("care_home_a"))
    assert ref is not None and ref.name == "Care Home A" and ref.is_provider and not ref.is_hospital
    assert ref.type is OrganisationType.CARE_HOME_PROVIDER and ref.system_id == world.system_id
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.name = "x"  # type: ignore[misc]


def test_what_the_caller_may_not_see_is_absent(session_factory, world) -> None:
    mine, theirs = world.org_id("care_home_a"), world.org_id("care_home_b")
    with session_factory() as s:
        s.info["scope"] = Scope.of(frozenset({mine}), purpose="test")
        assert organisations.organisation(s, organisation_id=theirs) is None
        assert set(organisations.organisations_by_id(s, ids=[mine, theirs])) == {mine}
        assert organisations.organisation_names(s, ids=[mine, theirs]) == {mine: "Care Home A"}
        assert [o.id for o in organisations.find_organisations(s, system_id=world.system_id)] == [mine]
        assert [site.organisation_id for site in organisations.sites_of(s, organisation_ids=[mine, theirs])] == [mine]


def test_find_organisations_by_system_type_and_activity(session_factory, world) -> None:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        providers = organisations.find_organisations(
            s, system_id=world.system_id, types=[OrganisationType.CARE_HOME_PROVIDER]
        )
        assert [o.name for o in providers] == ["Care Home A", "Care Home B", "Care Home Elsewhere"]
        everywhere = organisations.find_organisations(s, types=[OrganisationType.CARE_HOME_PROVIDER])
        assert len(everywhere) == 4  # and the other care system's
        hospitals = organisations.find_organisations(s, system_id=world.system_id, types=[OrganisationType.ACUTE_TRUST])
        assert [o.ods_code for o in hospitals] == ["RTT"] and hospitals[0].is_hospital


def test_by_ods_code_places_and_sites(session_factory, world) -> None:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        trust = organisations.organisation_by_ods(s, ods_code=" rtt ")
        assert trust is not None and trust.id == world.org_id("trust")
        assert organisations.organisation_by_ods(s, ods_code="RTT", type=OrganisationType.ICB) is None
        places = organisations.places_in_system(s, system_id=world.system_id)
        assert [p.name for p in places] == ["Elsewhere", "Testshire"]
        place = organisations.place(s, place_id=world.place_id)
        assert place is not None and place.gss_code == "E08000999"
        (site,) = organisations.sites_of(s, organisation_ids=[world.org_id("trust")])
        assert (site.name, site.postcode, site.latitude) == ("trust site", "M41 5BU", 53.44)
