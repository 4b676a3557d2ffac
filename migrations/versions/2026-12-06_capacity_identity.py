"""Capacity identity: CQC locations registered to providers, one service per CQC location, a
service's identity verified by an administrator; search columns recomputed with the one reading
of sections.

Existing services are verified where nothing contradicts the register: a service claiming a
CQC location id that is not its organisation's own, or one already claimed by another service,
awaits an administrator's approval (a repeated claim is cleared from all but the service of the
organisation the register names, or else the earliest). Every other existing service is
verified, as it was trusted before.

Revision ID: 0007_capacity_identity
Revises: 0006_neighbourhoods
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_capacity_identity"
down_revision = "0006_neighbourhoods"
branch_labels = None
depends_on = None

_services = sa.table(
    "capacity_services",
    sa.column("id", sa.String),
    sa.column("organisation_id", sa.String),
    sa.column("cqc_location_id", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("identity_status", sa.String),
)
_organisations = sa.table("organisations", sa.column("id", sa.String), sa.column("cqc_location_id", sa.String))


def _verify_existing(connection: sa.Connection) -> None:
    registered = dict(connection.execute(sa.select(_organisations.c.id, _organisations.c.cqc_location_id)).all())
    rows = connection.execute(
        sa.select(_services.c.id, _services.c.organisation_id, _services.c.cqc_location_id).order_by(
            _services.c.created_at, _services.c.id
        )
    ).all()
    holder: dict[str, str] = {}
    for row in rows:  # the register's own organisation first, else the earliest claim
        if row.cqc_location_id and registered.get(row.organisation_id) == row.cqc_location_id:
            holder.setdefault(row.cqc_location_id, row.id)
    for row in rows:
        if row.cqc_location_id:
            holder.setdefault(row.cqc_location_id, row.id)
    unverified, cleared = [], []
    for row in rows:
        if row.cqc_location_id and holder[row.cqc_location_id] != row.id:
            cleared.append(row.id)
        elif row.cqc_location_id and registered.get(row.organisation_id) != row.cqc_location_id:
            unverified.append(row.id)
    verify = sa.update(_services).values(identity_status="verified")
    if unverified or cleared:
        verify = verify.where(_services.c.id.not_in(unverified + cleared))
    connection.execute(verify)
    if cleared:
        connection.execute(sa.update(_services).where(_services.c.id.in_(cleared)).values(cqc_location_id=None))


def upgrade() -> None:
    op.create_table(
        "provider_locations",
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("system_id", sa.String(length=36), nullable=False),
        sa.Column("cqc_location_id", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_provider_locations_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["system_id"], ["care_systems.id"], name=op.f("fk_provider_locations_system_id_care_systems")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_locations")),
        sa.UniqueConstraint("cqc_location_id", name=op.f("uq_provider_locations_cqc_location_id")),
    )
    with op.batch_alter_table("provider_locations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provider_locations_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_provider_locations_system_id"), ["system_id"], unique=False)

    # Added in place (no copy of the table, which rows of other tables refer to): unverified
    # unless nothing contradicts the register (below), and unverified for rows written directly.
    with op.batch_alter_table("capacity_services", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("identity_status", sa.String(length=12), server_default="unverified", nullable=False)
        )
    _verify_existing(op.get_bind())
    op.create_index("uq_capacity_services_cqc_location_id", "capacity_services", ["cqc_location_id"], unique=True)

    # Stored search columns follow the one reading of sections (a reablement pathway reporting
    # places: 0 with spare hours has no free places), not the reading they were written with.
    from joinedup.domains.capacity.service.retag import retag_all

    retag_all(op.get_bind())


def downgrade() -> None:
    op.drop_index("uq_capacity_services_cqc_location_id", table_name="capacity_services")
    op.drop_column("capacity_services", "identity_status")
    with op.batch_alter_table("provider_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_locations_system_id"))
        batch_op.drop_index(batch_op.f("ix_provider_locations_organisation_id"))
    op.drop_table("provider_locations")
