"""Rostering jobs: solves requested over HTTP and run in the background.

Revision ID: 0003_roster_jobs
Revises: 0002_capacity
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_roster_jobs"
down_revision = "0002_capacity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roster_jobs",
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("system_id", sa.String(length=36), nullable=False),
        sa.Column("requested_by", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum("queued", "running", "succeeded", "failed", name="job_status", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("time_limit_s", sa.Float(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("instance", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_roster_jobs_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(["system_id"], ["care_systems.id"], name=op.f("fk_roster_jobs_system_id_care_systems")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_jobs")),
    )
    with op.batch_alter_table("roster_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roster_jobs_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_roster_jobs_system_id"), ["system_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("roster_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_jobs_system_id"))
        batch_op.drop_index(batch_op.f("ix_roster_jobs_organisation_id"))
    op.drop_table("roster_jobs")
