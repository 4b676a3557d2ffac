"""The organisation pages' forms, as hostile-input cases: add an organisation, register a CQC
location, make and revoke an API key."""

from __future__ import annotations

import itertools

from joinedup.core.auth.models import AccessLevel
from joinedup.domains.organisations import schemas
from joinedup.domains.organisations import service as organisations
from tests.hostile.harness import FormCase, Stage, Target

numbers = itertools.count(1)


def _new_organisation(stage: Stage) -> Target:
    return Target(
        "/organisations/new",
        lambda: {
            "name": f"Hostile Test Home {next(numbers)}",
            "type": "care_home_provider",
            "ods_code": f"HT{next(numbers):03d}",
            "cqc_location_id": f"1-{300000000 + next(numbers)}",
        },
    )


def _location(stage: Stage) -> Target:
    return Target(
        f"/organisations/{stage.org('care_home_a')}/locations",
        lambda: {"cqc_location_id": f"1-{200000000 + next(numbers)}", "name": "Oak Annexe", "postcode": "m41 5bu"},
    )


def _new_key(stage: Stage) -> Target:
    return Target(
        f"/organisations/{stage.org('care_home_a')}/api-keys",
        lambda: {"name": "Care planning system", "access": "read_write"},
    )


def _revoke_key(stage: Stage) -> Target:
    org = stage.org("care_home_a")
    data = schemas.CredentialIn(name="Roster", access=AccessLevel.READ_WRITE)
    row, _ = stage.act("pam_provider", organisations.create_api_key, organisation_id=org, data=data)
    return Target(f"/organisations/{org}/api-keys/{row.id}/revoke", dict)


ORGANISATION_FORMS = [
    FormCase("add an organisation", "alice_admin", _new_organisation, "/organisations/new"),
    FormCase("register a CQC location", "alice_admin", _location),
    # A new key is shown on the page that answers (its secret once), not after a redirect.
    FormCase("create an API key", "pam_provider", _new_key, accepted=frozenset({201})),
    FormCase("revoke an API key", "pam_provider", _revoke_key),
]
