"""Capacity exchange: provider services, the update history, the current state.

Revision ID: 0002_capacity
Revises: 0001_foundation
Create Date: 2026-11-23 06:01:48.551209
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_capacity"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "capacity_services",
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("system_id", sa.String(length=36), nullable=False),
        sa.Column("place_id", sa.String(length=36), nullable=True),
        sa.Column("provider_service_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("postcode_district", sa.String(length=4), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("cqc_location_id", sa.String(length=20), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_capacity_services_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["system_id"], ["care_systems.id"], name=op.f("fk_capacity_services_system_id_care_systems")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_services")),
        sa.UniqueConstraint("organisation_id", "provider_service_id", name="uq_capacity_services_org_provider_id"),
    )
    with op.batch_alter_table("capacity_services", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_capacity_services_kind"), ["kind"], unique=False)
        batch_op.create_index("ix_capacity_services_lat_lon", ["latitude", "longitude"], unique=False)
        batch_op.create_index(batch_op.f("ix_capacity_services_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_capacity_services_place_id"), ["place_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_capacity_services_system_id"), ["system_id"], unique=False)

    op.create_table(
        "capacity_current",
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("system_id", sa.String(length=36), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=True),
        sa.Column("offered_types", sa.String(length=400), nullable=False),
        sa.Column("accepting_types", sa.String(length=400), nullable=False),
        sa.Column("skills", sa.String(length=200), nullable=False),
        sa.Column("funding", sa.String(length=100), nullable=False),
        sa.Column("areas", sa.String(length=4000), nullable=False),
        sa.Column("vacant_accepting", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_capacity_current_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["capacity_services.id"], name=op.f("fk_capacity_current_service_id_capacity_services")
        ),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_capacity_current")),
    )
    with op.batch_alter_table("capacity_current", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_capacity_current_as_of"), ["as_of"], unique=False)
        batch_op.create_index(batch_op.f("ix_capacity_current_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_capacity_current_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_capacity_current_system_id"), ["system_id"], unique=False)

    op.create_table(
        "capacity_updates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("system_id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("update_id", sa.String(length=100), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_system", sa.String(length=100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_capacity_updates_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["capacity_services.id"], name=op.f("fk_capacity_updates_service_id_capacity_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_updates")),
        sa.UniqueConstraint("organisation_id", "update_id", name="uq_capacity_updates_org_update_id"),
    )
    with op.batch_alter_table("capacity_updates", schema=None) as batch_op:
        batch_op.create_index("ix_capacity_updates_service_as_of", ["service_id", "as_of"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("capacity_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_capacity_updates_service_as_of")

    op.drop_table("capacity_updates")
    with op.batch_alter_table("capacity_current", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capacity_current_system_id"))
        batch_op.drop_index(batch_op.f("ix_capacity_current_status"))
        batch_op.drop_index(batch_op.f("ix_capacity_current_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_capacity_current_as_of"))

    op.drop_table("capacity_current")
    with op.batch_alter_table("capacity_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capacity_services_system_id"))
        batch_op.drop_index(batch_op.f("ix_capacity_services_place_id"))
        batch_op.drop_index(batch_op.f("ix_capacity_services_organisation_id"))
        batch_op.drop_index("ix_capacity_services_lat_lon")
        batch_op.drop_index(batch_op.f("ix_capacity_services_kind"))

    op.drop_table("capacity_services")
