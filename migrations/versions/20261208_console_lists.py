"""console lists at scale: the session list's order, overdue by ETA, job cards
by status, and trigram search indexes (PostgreSQL) for number, plate, name, phone

Revision ID: 5e2c41d0b7a9
Revises: 0b7c5e1d2a44
Create Date: 2026-12-08 00:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '5e2c41d0b7a9'
down_revision: str | Sequence[str] | None = '0b7c5e1d2a44'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "status NOT IN ('DELIVERED', 'CANCELLED')"
SEARCH = (('repair_session', 'number'), ('vehicle', 'plate'), ('client', 'name'), ('client', 'phone'))


def upgrade() -> None:
    op.create_index('ix_repair_session_opened', 'repair_session', ['organization_id', 'opened_at', 'id'])
    op.create_index('ix_repair_session_active_eta', 'repair_session', ['organization_id', 'eta', 'id'],
                    postgresql_where=sa.text(ACTIVE), sqlite_where=sa.text(ACTIVE))
    op.create_index('ix_repair_session_active_columns', 'repair_session',
                    ['organization_id', 'status', sa.text('priority DESC'), 'opened_at', 'id'],
                    postgresql_where=sa.text(ACTIVE), sqlite_where=sa.text(ACTIVE))
    op.create_index('ix_job_card_org_status', 'job_card', ['organization_id', 'status'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    for table, column in SEARCH:
        op.create_index(f'ix_{table}_{column}_search', table, [column], postgresql_using='gin',
                        postgresql_ops={column: 'gin_trgm_ops'})


def downgrade() -> None:
    for table, column in SEARCH:
        op.drop_index(f'ix_{table}_{column}_search', table_name=table)
    op.drop_index('ix_job_card_org_status', table_name='job_card')
    op.drop_index('ix_repair_session_active_columns', table_name='repair_session')
    op.drop_index('ix_repair_session_active_eta', table_name='repair_session')
    op.drop_index('ix_repair_session_opened', table_name='repair_session')
