"""System visibility: imported trust discharge series, daily capacity snapshots, saved views.

Revision ID: 0005_visibility
Revises: 0004_discharge
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_visibility"
down_revision = "0004_discharge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visibility_capacity_snapshots",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("system_id", sa.String(length=36), nullable=False),
        sa.Column("place_id", sa.String(length=36), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("care_type", sa.String(length=30), nullable=False),
        sa.Column("free", sa.Float(), nullable=False),
        sa.Column("services", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_visibility_capacity_snapshots_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visibility_capacity_snapshots")),
        sa.UniqueConstraint(
            "organisation_id", "day", "care_type", name="uq_visibility_capacity_snapshots_org_day_type"
        ),
    )
    with op.batch_alter_table("visibility_capacity_snapshots", schema=None) as batch_op:
        batch_op.create_index("ix_visibility_capacity_snapshots_system_day", ["system_id", "day"], unique=False)

    op.create_table(
        "visibility_saved_views",
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_visibility_saved_views_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_visibility_saved_views_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visibility_saved_views")),
    )
    with op.batch_alter_table("visibility_saved_views", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visibility_saved_views_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_visibility_saved_views_user_id"), ["user_id"], unique=False)

    op.create_table(
        "visibility_trust_daily",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("trust_code", sa.String(length=5), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("not_meeting_criteria", sa.Float(), nullable=True),
        sa.Column("discharged_by_1700", sa.Float(), nullable=True),
        sa.Column("discharged_after_1700", sa.Float(), nullable=True),
        sa.Column("discharged_total", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_visibility_trust_daily_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visibility_trust_daily")),
        sa.UniqueConstraint("trust_code", "day", name="uq_visibility_trust_daily_trust_day"),
    )
    with op.batch_alter_table("visibility_trust_daily", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visibility_trust_daily_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "visibility_trust_delays",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("trust_code", sa.String(length=5), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("care_group", sa.String(length=30), nullable=True),
        sa.Column("delayed", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_visibility_trust_delays_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visibility_trust_delays")),
        sa.UniqueConstraint("trust_code", "month", "reason", name="uq_visibility_trust_delays_trust_month_reason"),
    )
    with op.batch_alter_table("visibility_trust_delays", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visibility_trust_delays_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("visibility_trust_delays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visibility_trust_delays_organisation_id"))

    op.drop_table("visibility_trust_delays")
    with op.batch_alter_table("visibility_trust_daily", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visibility_trust_daily_organisation_id"))

    op.drop_table("visibility_trust_daily")
    with op.batch_alter_table("visibility_saved_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visibility_saved_views_user_id"))
        batch_op.drop_index(batch_op.f("ix_visibility_saved_views_organisation_id"))

    op.drop_table("visibility_saved_views")
    with op.batch_alter_table("visibility_capacity_snapshots", schema=None) as batch_op:
        batch_op.drop_index("ix_visibility_capacity_snapshots_system_day")

    op.drop_table("visibility_capacity_snapshots")
