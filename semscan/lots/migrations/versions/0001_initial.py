# ruff: noqa: E501  (Alembic-generated table definitions, kept as generated)
"""the lot database: lots, samples, images, analyses, lab values, specs, verdicts, audit

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-02 05:32:43.110158
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('image',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_image')),
    sa.UniqueConstraint('sha256', name=op.f('uq_image_sha256'))
    )
    op.create_table('lot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('product', sa.String(length=200), nullable=True),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot')),
    sa.UniqueConstraint('name', name=op.f('uq_lot_name'))
    )
    op.create_table('spec',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spec')),
    sa.UniqueConstraint('name', name=op.f('uq_spec_name'))
    )
    op.create_table('analysis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('image_id', sa.Integer(), nullable=False),
    sa.Column('config_hash', sa.String(length=64), nullable=False),
    sa.Column('semscan_version', sa.String(length=40), nullable=False),
    sa.Column('view', sa.String(length=40), nullable=True),
    sa.Column('row', sa.JSON(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('provenance', sa.JSON(), nullable=False),
    sa.Column('overlay', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['image_id'], ['image.id'], name=op.f('fk_analysis_image_id_image')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis')),
    sa.UniqueConstraint('image_id', 'config_hash', 'semscan_version', name='uq_analysis_key')
    )
    with op.batch_alter_table('analysis', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analysis_image_id'), ['image_id'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_audit_event_lot_id_lot'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_lot_id'), ['lot_id'], unique=False)

    op.create_table('lab_measurement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_lab_measurement_lot_id_lot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lab_measurement'))
    )
    with op.batch_alter_table('lab_measurement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lab_measurement_lot_id'), ['lot_id'], unique=False)

    op.create_table('sample',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_sample_lot_id_lot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample')),
    sa.UniqueConstraint('lot_id', 'name', name='uq_sample_lot_name')
    )
    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_lot_id'), ['lot_id'], unique=False)

    op.create_table('spec_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('spec_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['spec_id'], ['spec.id'], name=op.f('fk_spec_version_spec_id_spec')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spec_version')),
    sa.UniqueConstraint('spec_id', 'version', name='uq_spec_version')
    )
    with op.batch_alter_table('spec_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spec_version_spec_id'), ['spec_id'], unique=False)

    op.create_table('sample_analysis',
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('analysis_id', sa.Integer(), nullable=False),
    sa.Column('attached_at', sa.DateTime(), nullable=False),
    sa.Column('attached_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['analysis_id'], ['analysis.id'], name=op.f('fk_sample_analysis_analysis_id_analysis')),
    sa.ForeignKeyConstraint(['sample_id'], ['sample.id'], name=op.f('fk_sample_analysis_sample_id_sample'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sample_id', 'analysis_id', name=op.f('pk_sample_analysis'))
    )
    op.create_table('verdict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('spec_version_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('analysis_ids', sa.JSON(), nullable=False),
    sa.Column('semscan_version', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_verdict_lot_id_lot'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['spec_version_id'], ['spec_version.id'], name=op.f('fk_verdict_spec_version_id_spec_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verdict'))
    )
    with op.batch_alter_table('verdict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verdict_lot_id'), ['lot_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('verdict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verdict_lot_id'))

    op.drop_table('verdict')
    op.drop_table('sample_analysis')
    with op.batch_alter_table('spec_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spec_version_spec_id'))

    op.drop_table('spec_version')
    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_lot_id'))

    op.drop_table('sample')
    with op.batch_alter_table('lab_measurement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lab_measurement_lot_id'))

    op.drop_table('lab_measurement')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_lot_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_at'))

    op.drop_table('audit_event')
    with op.batch_alter_table('analysis', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analysis_image_id'))

    op.drop_table('analysis')
    op.drop_table('spec')
    op.drop_table('lot')
    op.drop_table('image')
