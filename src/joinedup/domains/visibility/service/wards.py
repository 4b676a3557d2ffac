"""The drill-down's lowest levels: a ward (counts, for everyone who may see the hospital) and
its patients (names, only for the team caring for them, and every read audited)."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import quote

from joinedup.core.changes import record_access
from joinedup.core.errors import ProblemError, not_found
from joinedup.domains.visibility.permissions import may_see_patients
from joinedup.domains.visibility.presentation import rounded
from joinedup.domains.visibility.schemas import Level, Link, Table
from joinedup.domains.visibility.service import discharge_sources, level_figures
from joinedup.domains.visibility.service.context import Context
from joinedup.domains.visibility.service.levels import crumbs, visible_organisation
from joinedup.domains.visibility.service.other_domains import OrganisationRef, WardFigure


def _ward(ctx: Context, org: OrganisationRef, ward_id: str) -> WardFigure:
    for ward in level_figures.wards(ctx, org.id):
        if ward.ward_id == ward_id:
            return ward
    raise not_found("ward", ward_id)


def ward_level(ctx: Context, organisation_id: str, ward_id: str) -> Level:
    org = visible_organisation(ctx, organisation_id)
    ward = _ward(ctx, org, ward_id)
    base = f"/visibility/organisations/{org.id}"
    level = Level(
        "ward",
        f"{ward.name}, {org.name}",
        {"organisation_id": org.id, "ward_id": ward.ward_id},
        crumbs=crumbs(Link(org.name, base)),
    )
    source = discharge_sources.source()
    patients = source.patients(ctx.session, organisation_id=org.id, ward_id=ward.ward_id)
    counts: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for p in patients:
        row = counts[(p.pathway, p.delay_reason or "")]
        row[0] += 1
        row[1] = max(row[1], p.days_waiting)
    level.tables = [
        Table(
            "ward",
            "Patients waiting on this ward (counts)",
            ["Pathway", "Delay reason", "Patients", "Longest wait (days)"],
            [[k[0], k[1], int(v[0]), rounded(v[1])] for k, v in sorted(counts.items())],
        )
    ]
    level.source = str(getattr(source, "SOURCE", ""))  # a sentence, never the source's class name
    if may_see_patients(ctx.actor, org.id):
        level.patients_href = f"{base}/wards/{quote(ward.ward_id)}/patients"
    else:
        level.notes.append("Patient details are shown only to the team caring for them; you see counts.")
    return level


def patients_level(ctx: Context, organisation_id: str, ward_id: str) -> Level:
    org = visible_organisation(ctx, organisation_id)
    if not may_see_patients(ctx.actor, org.id):
        raise ProblemError(
            403, "forbidden", "Forbidden", "Patient details are shown only to the team caring for the patient."
        )
    ward = _ward(ctx, org, ward_id)
    patients = discharge_sources.source().patients(ctx.session, organisation_id=org.id, ward_id=ward.ward_id)
    record_access(
        ctx.session,
        actor=ctx.actor,
        action="read",
        record_type="discharge_patients",
        record_id=ward.ward_id,
        organisation_id=org.id,
        personal_data=True,
        detail={"patients": len(patients), "view": "visibility ward"},
    )
    base = f"/visibility/organisations/{org.id}"
    level = Level(
        "patients",
        f"Patients on {ward.name}",
        {"organisation_id": org.id, "ward_id": ward.ward_id},
        crumbs=crumbs(Link(org.name, base), Link(ward.name, f"{base}/wards/{quote(ward.ward_id)}")),
    )
    level.tables = [
        Table(
            "patients",
            "Patients waiting",
            ["Patient", "Reference", "Pathway", "Days waiting", "Delay reason", "Responsible", "Home area"],
            [
                [
                    p.display_name,
                    p.reference,
                    p.pathway,
                    rounded(p.days_waiting),
                    p.delay_reason,
                    p.responsible,
                    p.home_lsoa,
                ]
                for p in patients
            ],
        )
    ]
    return level
