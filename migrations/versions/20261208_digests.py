"""digests: a person's digest settings and the claim of each digest sent

Revision ID: d16e5700a001
Revises: 5e2c41d0b7a9
Create Date: 2026-12-08 00:00:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd16e5700a001'
down_revision: str | Sequence[str] | None = '5e2c41d0b7a9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('digest_preference',
    sa.Column('user_id', _ID, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('organization_id', _ID, nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('at_time', sa.String(length=5), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_digest_preference_organization_id_organization')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_digest_preference_user_id_user_account')),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_digest_preference'))
    )
    with op.batch_alter_table('digest_preference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digest_preference_organization_id'), ['organization_id'], unique=False)
    op.create_table('digest_claim',
    sa.Column('id', _ID, nullable=False),
    sa.Column('organization_id', _ID, nullable=False),
    sa.Column('user_id', _ID, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_digest_claim_organization_id_organization')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_digest_claim_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_claim')),
    sa.UniqueConstraint('user_id', 'kind', 'period', name=op.f('uq_digest_claim_user_id_kind_period'))
    )
    with op.batch_alter_table('digest_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digest_claim_organization_id'), ['organization_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('digest_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digest_claim_organization_id'))
    op.drop_table('digest_claim')
    with op.batch_alter_table('digest_preference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digest_preference_organization_id'))
    op.drop_table('digest_preference')
