"""Discharge coordination: patients, shared assessments, referrals, bed holds, delays.

Revision ID: 0004_discharge
Revises: 0003_roster_jobs
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_discharge"
down_revision = "0003_roster_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discharge_patients",
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("system_id", sa.String(length=36), nullable=False),
        sa.Column("nhs_number", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("hospital_number", sa.String(length=30), nullable=True),
        sa.Column("ward", sa.String(length=60), nullable=False),
        sa.Column("admitted_on", sa.Date(), nullable=False),
        sa.Column("discharge_ready_on", sa.Date(), nullable=True),
        sa.Column("pathway", sa.String(length=30), nullable=False),
        sa.Column("home_postcode", sa.String(length=8), nullable=True),
        sa.Column("home_latitude", sa.Float(), nullable=True),
        sa.Column("home_longitude", sa.Float(), nullable=True),
        sa.Column("family_postcode", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("discharged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("discharged_to_service_id", sa.String(length=36), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_discharge_patients_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["system_id"], ["care_systems.id"], name=op.f("fk_discharge_patients_system_id_care_systems")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discharge_patients")),
        sa.UniqueConstraint("organisation_id", "nhs_number", "admitted_on", name="uq_discharge_patients_spell"),
    )
    with op.batch_alter_table("discharge_patients", schema=None) as batch_op:
        batch_op.create_index("ix_discharge_patients_org_status", ["organisation_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_discharge_patients_system_id"), ["system_id"], unique=False)

    op.create_table(
        "discharge_assessments",
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("assessed_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("care_type", sa.String(length=30), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("funding", sa.String(length=30), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_discharge_assessments_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["discharge_patients.id"],
            name=op.f("fk_discharge_assessments_patient_id_discharge_patients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discharge_assessments")),
        sa.UniqueConstraint("patient_id", "version", name="uq_discharge_assessments_patient_version"),
    )
    with op.batch_alter_table("discharge_assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discharge_assessments_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "discharge_delays",
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("reason_code", sa.String(length=8), nullable=False),
        sa.Column("primary", sa.Boolean(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_discharge_delays_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["discharge_patients.id"], name=op.f("fk_discharge_delays_patient_id_discharge_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discharge_delays")),
    )
    with op.batch_alter_table("discharge_delays", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discharge_delays_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_discharge_delays_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "discharge_service_locks",
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_discharge_service_locks_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["capacity_services.id"],
            name=op.f("fk_discharge_service_locks_service_id_capacity_services"),
        ),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_discharge_service_locks")),
    )
    with op.batch_alter_table("discharge_service_locks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discharge_service_locks_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "discharge_service_profiles",
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("cqc_rating", sa.String(length=30), nullable=True),
        sa.Column("trusted_assessor", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_discharge_service_profiles_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["capacity_services.id"],
            name=op.f("fk_discharge_service_profiles_service_id_capacity_services"),
        ),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_discharge_service_profiles")),
    )
    with op.batch_alter_table("discharge_service_profiles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discharge_service_profiles_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "discharge_referrals",
        sa.Column("hospital_organisation_id", sa.String(length=36), nullable=False),
        sa.Column("provider_organisation_id", sa.String(length=36), nullable=False),
        sa.Column("system_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("assessment_id", sa.String(length=36), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offered_start_date", sa.Date(), nullable=True),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.String(length=40), nullable=True),
        sa.Column("decline_note", sa.Text(), nullable=True),
        sa.Column("accepted_without_reassessment", sa.Boolean(), nullable=True),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("closed_reason", sa.String(length=40), nullable=True),
        sa.Column("referred_by", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["discharge_assessments.id"],
            name=op.f("fk_discharge_referrals_assessment_id_discharge_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["hospital_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_discharge_referrals_hospital_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["discharge_patients.id"], name=op.f("fk_discharge_referrals_patient_id_discharge_patients")
        ),
        sa.ForeignKeyConstraint(
            ["provider_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_discharge_referrals_provider_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["capacity_services.id"], name=op.f("fk_discharge_referrals_service_id_capacity_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discharge_referrals")),
        sa.UniqueConstraint("patient_id", "service_id", "round", name="uq_discharge_referrals_patient_service_round"),
    )
    with op.batch_alter_table("discharge_referrals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_discharge_referrals_hospital_state", ["hospital_organisation_id", "state"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_discharge_referrals_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(
            "ix_discharge_referrals_provider_state", ["provider_organisation_id", "state"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_discharge_referrals_service_id"), ["service_id"], unique=False)

    op.create_table(
        "discharge_holds",
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("care_type", sa.String(length=30), nullable=False),
        sa.Column("units", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_discharge_holds_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["discharge_patients.id"], name=op.f("fk_discharge_holds_patient_id_discharge_patients")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["discharge_referrals.id"], name=op.f("fk_discharge_holds_referral_id_discharge_referrals")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["capacity_services.id"], name=op.f("fk_discharge_holds_service_id_capacity_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discharge_holds")),
        sa.UniqueConstraint("referral_id", name=op.f("uq_discharge_holds_referral_id")),
    )
    with op.batch_alter_table("discharge_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discharge_holds_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index("ix_discharge_holds_service_active", ["service_id", "released_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("discharge_holds", schema=None) as batch_op:
        batch_op.drop_index("ix_discharge_holds_service_active")
        batch_op.drop_index(batch_op.f("ix_discharge_holds_organisation_id"))

    op.drop_table("discharge_holds")
    with op.batch_alter_table("discharge_referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discharge_referrals_service_id"))
        batch_op.drop_index("ix_discharge_referrals_provider_state")
        batch_op.drop_index(batch_op.f("ix_discharge_referrals_patient_id"))
        batch_op.drop_index("ix_discharge_referrals_hospital_state")

    op.drop_table("discharge_referrals")
    with op.batch_alter_table("discharge_service_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discharge_service_profiles_organisation_id"))

    op.drop_table("discharge_service_profiles")
    with op.batch_alter_table("discharge_service_locks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discharge_service_locks_organisation_id"))

    op.drop_table("discharge_service_locks")
    with op.batch_alter_table("discharge_delays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discharge_delays_patient_id"))
        batch_op.drop_index(batch_op.f("ix_discharge_delays_organisation_id"))

    op.drop_table("discharge_delays")
    with op.batch_alter_table("discharge_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discharge_assessments_organisation_id"))

    op.drop_table("discharge_assessments")
    with op.batch_alter_table("discharge_patients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discharge_patients_system_id"))
        batch_op.drop_index("ix_discharge_patients_org_status")

    op.drop_table("discharge_patients")
