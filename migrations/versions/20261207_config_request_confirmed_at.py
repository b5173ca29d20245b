"""request.confirmed_at: when the advisor confirmed a booking request's time

Revision ID: c0f1a7d20e31
Revises: b9f324e13e8a
Create Date: 2026-12-07 20:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0f1a7d20e31"
down_revision: str | Sequence[str] | None = "b9f324e13e8a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("request", sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("request") as batch:
        batch.drop_column("confirmed_at")
