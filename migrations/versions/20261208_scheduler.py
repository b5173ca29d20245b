"""scheduler: scheduled_run (one claimed row per garage, job and period) and sla_breach

Revision ID: 5c4ed01e0b15
Revises: a16e0c7d1f01
Create Date: 2026-12-08 00:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '5c4ed01e0b15'
down_revision: str | Sequence[str] | None = 'a16e0c7d1f01'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_OPEN = sa.text('escalated_at IS NULL AND resolved_at IS NULL')


def upgrade() -> None:
    op.create_table(
        'scheduled_run',
        sa.Column('id', _ID, nullable=False),
        sa.Column('organization_id', _ID, nullable=False),
        sa.Column('job', sa.String(length=64), nullable=False),
        sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('period_end', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('manual', sa.Boolean(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('queued', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                                name=op.f('fk_scheduled_run_organization_id_organization')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_run')),
        sa.UniqueConstraint('organization_id', 'job', 'period_start',
                            name=op.f('uq_scheduled_run_organization_id_job_period_start')),
    )
    op.create_table(
        'sla_breach',
        sa.Column('id', _ID, nullable=False),
        sa.Column('organization_id', _ID, nullable=False),
        sa.Column('session_id', _ID, nullable=False),
        sa.Column('stage', sa.String(length=32), nullable=False),
        sa.Column('since', sa.DateTime(timezone=True), nullable=False),
        sa.Column('breached_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                                name=op.f('fk_sla_breach_organization_id_organization')),
        sa.ForeignKeyConstraint(['session_id'], ['repair_session.id'],
                                name=op.f('fk_sla_breach_session_id_repair_session')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_breach')),
        sa.UniqueConstraint('organization_id', 'session_id', 'stage', 'since',
                            name=op.f('uq_sla_breach_organization_id_session_id_stage_since')),
    )
    op.create_index('ix_sla_breach_open', 'sla_breach', ['organization_id', 'breached_at'], unique=False,
                    postgresql_where=_OPEN, sqlite_where=_OPEN)


def downgrade() -> None:
    op.drop_index('ix_sla_breach_open', table_name='sla_breach', postgresql_where=_OPEN, sqlite_where=_OPEN)
    op.drop_table('sla_breach')
    op.drop_table('scheduled_run')
