"""outbox: per-row claims (claimed_by) and priority (replies before bulk notices)

Revision ID: 0b7c5e1d2a44
Revises: c0a50e13a001
Create Date: 2026-12-07 20:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0b7c5e1d2a44'
down_revision: str | Sequence[str] | None = 'c0a50e13a001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('priority', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
        batch.drop_index('ix_outbox_pending')
        batch.create_index('ix_outbox_due', ['status', 'priority', 'available_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_index('ix_outbox_due')
        batch.create_index('ix_outbox_pending', ['status', 'available_at'], unique=False)
        batch.drop_column('claimed_by')
        batch.drop_column('priority')
