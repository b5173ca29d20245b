"""appointments and bays (no double booking: exclusion constraints on PostgreSQL)

Revision ID: 5a1e8c0d7b21
Revises: d16e5700a001
Create Date: 2026-12-08 00:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ExcludeConstraint

revision: str = "5a1e8c0d7b21"
down_revision: str | Sequence[str] | None = "d16e5700a001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ACTIVE = "status IN ('BOOKED', 'CONFIRMED')"
_RANGE = sa.text("tstzrange(starts_at, ends_at, '[)')")


def _fk(column: str, target: str, nullable: bool = True) -> sa.Column[int]:
    return sa.Column(column, _ID, sa.ForeignKey(target), nullable=nullable)


def upgrade() -> None:
    on_pg = op.get_bind().dialect.name == "postgresql"
    if on_pg:
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table(
        "bay",
        sa.Column("id", _ID, nullable=False),
        sa.Column("organization_id", _ID, nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column("name_ar", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"],
                                name=op.f("fk_bay_organization_id_organization")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bay")),
        sa.UniqueConstraint("organization_id", "code", name=op.f("uq_bay_organization_id_code")),
    )
    excludes = [
        ExcludeConstraint(("bay_id", "="), (_RANGE, "&&"), name="ex_appointment_bay_overlap", using="gist",
                          where=sa.text(_ACTIVE)),
        ExcludeConstraint(("technician_id", "="), (_RANGE, "&&"), name="ex_appointment_technician_overlap",
                          using="gist", where=sa.text(f"technician_id IS NOT NULL AND {_ACTIVE}")),
    ] if on_pg else []
    op.create_table(
        "appointment",
        sa.Column("id", _ID, nullable=False),
        sa.Column("organization_id", _ID, nullable=False),
        sa.Column("bay_id", _ID, nullable=False),
        sa.Column("technician_id", _ID, nullable=True),
        sa.Column("client_id", _ID, nullable=False),
        sa.Column("vehicle_id", _ID, nullable=True),
        sa.Column("request_id", _ID, nullable=True),
        sa.Column("session_id", _ID, nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("awaiting", sa.String(16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("created_by_user_id", _ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"],
                                name=op.f("fk_appointment_organization_id_organization")),
        sa.ForeignKeyConstraint(["bay_id"], ["bay.id"], name=op.f("fk_appointment_bay_id_bay")),
        sa.ForeignKeyConstraint(["technician_id"], ["user_account.id"],
                                name=op.f("fk_appointment_technician_id_user_account")),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], name=op.f("fk_appointment_client_id_client")),
        sa.ForeignKeyConstraint(["vehicle_id"], ["vehicle.id"], name=op.f("fk_appointment_vehicle_id_vehicle")),
        sa.ForeignKeyConstraint(["request_id"], ["request.id"], name=op.f("fk_appointment_request_id_request")),
        sa.ForeignKeyConstraint(["session_id"], ["repair_session.id"],
                                name=op.f("fk_appointment_session_id_repair_session")),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["user_account.id"],
                                name=op.f("fk_appointment_created_by_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment")),
        *excludes,
    )
    op.create_index("ix_appointment_org_starts", "appointment", ["organization_id", "starts_at"])
    op.create_index(op.f("ix_appointment_client_id"), "appointment", ["client_id"])
    op.create_index(op.f("ix_appointment_request_id"), "appointment", ["request_id"])


def downgrade() -> None:
    op.drop_table("appointment")
    op.drop_table("bay")
