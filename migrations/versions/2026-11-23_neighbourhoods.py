"""Neighbourhood studies and their scenario runs.

Revision ID: 0006_neighbourhoods
Revises: 0005_visibility
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_neighbourhoods"
down_revision = "0005_visibility"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "neighbourhood_studies",
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("system_id", sa.String(length=36), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("localities", sa.JSON(), nullable=False),
        sa.Column("area_name", sa.String(length=120), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("demand", sa.JSON(), nullable=False),
        sa.Column("design", sa.JSON(), nullable=True),
        sa.Column("previous_balance", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("latest_run_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_neighbourhood_studies_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_neighbourhood_studies")),
    )
    with op.batch_alter_table("neighbourhood_studies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_neighbourhood_studies_organisation_id"), ["organisation_id"], unique=False)
    op.create_table(
        "neighbourhood_runs",
        sa.Column("study_id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("requested_by", sa.String(length=36), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("design", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_neighbourhood_runs_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["neighbourhood_studies.id"],
            name=op.f("fk_neighbourhood_runs_study_id_neighbourhood_studies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_neighbourhood_runs")),
    )
    with op.batch_alter_table("neighbourhood_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_neighbourhood_runs_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_neighbourhood_runs_study_id"), ["study_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("neighbourhood_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_neighbourhood_runs_study_id"))
        batch_op.drop_index(batch_op.f("ix_neighbourhood_runs_organisation_id"))
    op.drop_table("neighbourhood_runs")
    with op.batch_alter_table("neighbourhood_studies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_neighbourhood_studies_organisation_id"))
    op.drop_table("neighbourhood_studies")
