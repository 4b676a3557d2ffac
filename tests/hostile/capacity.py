"""The capacity pages' forms, as hostile-input cases: a provider updates a service, confirms
nothing changed, uploads a CSV file; an administrator approves or rejects a new service."""

from __future__ import annotations

import itertools
from datetime import timedelta

from joinedup.core.clock import utcnow
from joinedup.domains.capacity import schemas as capacity_schemas
from joinedup.domains.capacity import service as capacity
from tests.hostile.harness import Answer, FormCase, Stage, Target, multipart

numbers = itertools.count(1)
BEDS = {  # Oak House's beds, as the fixture reported them: (type, physical, occupied, vacant, free)
    0: ("nursing", 30, 28, 2, 1),
    1: ("residential", 30, 27, 3, 2),
}


def _update(stage: Stage) -> Target:
    def answer() -> Answer:
        out: Answer = {"status": "accepting"}
        for i, (bed_type, physical, occupied, vacant, free) in BEDS.items():
            out |= {
                f"beds-{i}-bed_type": bed_type,
                f"beds-{i}-physical": str(physical),
                f"beds-{i}-staffed": str(physical),
                f"beds-{i}-occupied": str(occupied),
                f"beds-{i}-vacant": str(vacant),
                f"beds-{i}-reserved": "1",
                f"beds-{i}-accepting_admissions": str(free),
            }
        return out | {"note": "Lift out of order until Friday"}

    return Target(f"/capacity/services/{stage.dx.services['oak']}", answer)


def _confirm(stage: Stage) -> Target:
    return Target(f"/capacity/services/{stage.dx.services['oak']}/confirm", dict)


def _csv() -> str:
    as_of = (utcnow() - timedelta(minutes=5)).isoformat()
    header = (
        "update_id,provider_service_id,as_of,source_system,status,"
        "bed_type,physical,staffed,occupied,reserved,vacant,accepting_admissions"
    )
    row = f"web-{next(numbers)},oak,{as_of},Roster 1.0,accepting,nursing,30,30,27,1,3,2"
    return f"{header}\n{row}\n"


def _upload(stage: Stage) -> Target:
    return Target("/capacity/upload", lambda: {"file": _csv(), "dry_run": "no"})


def _pending(stage: Stage) -> str:
    data = capacity_schemas.ServiceIn.model_validate(
        {"name": "Birch House", "kind": "care_home", "postcode": "M41 5BU"}
    )
    made, _ = stage.act(
        "bob_provider",
        capacity.upsert_service,
        provider_service_id=f"birch-{next(numbers)}",
        data=data,
        organisation_id=stage.org("care_home_b"),
    )
    assert made.identity_status == "unverified"
    return str(made.id)


def _approve(stage: Stage) -> Target:
    return Target(f"/capacity/approvals/{_pending(stage)}/approve", dict)


def _reject(stage: Stage) -> Target:
    return Target(f"/capacity/approvals/{_pending(stage)}/reject", dict)


CAPACITY_FORMS = [
    FormCase("update capacity", "pam_provider", _update, "/capacity"),
    FormCase("nothing changed", "pam_provider", _confirm, "/capacity"),
    # The upload page answers with what it stored (200), not a redirect.
    FormCase(
        "upload capacity",
        "pam_provider",
        _upload,
        "/capacity/upload",
        multipart(files=("file",)),
        accepted=frozenset({200}),
    ),
    FormCase("approve a service", "alice_admin", _approve, "/capacity/approvals"),
    FormCase("reject a service", "alice_admin", _reject, "/capacity/approvals"),
]
