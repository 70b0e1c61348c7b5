"""The initial schema: deploys, audit trail, releases, rotation, freezes, notices, flags,
drills and Slack deliveries. Timestamps are stored as UTC (naive on SQLite, converted on read).

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 11:07:24.723606
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deploys',
    sa.Column('id', sa.String(), nullable=False),
    sa.Column('service', sa.String(), nullable=False),
    sa.Column('version', sa.String(), nullable=False),
    sa.Column('previous_version', sa.String(), nullable=True),
    sa.Column('commander', sa.String(), nullable=False),
    sa.Column('plan_name', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('phase', sa.String(), nullable=True),
    sa.Column('stage_index', sa.Integer(), nullable=False),
    sa.Column('checklist_done', sa.JSON(), nullable=False),
    sa.Column('exposure_internal', sa.Float(), nullable=False),
    sa.Column('exposure_external', sa.Float(), nullable=False),
    sa.Column('exposure_mirror', sa.Float(), nullable=False),
    sa.Column('authorized_percent', sa.Float(), nullable=False),
    sa.Column('bake_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stabilize_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('held_phase', sa.String(), nullable=True),
    sa.Column('hold_reason', sa.Text(), nullable=True),
    sa.Column('verdicts', sa.JSON(), nullable=False),
    sa.Column('hotfix', sa.Boolean(), nullable=False),
    sa.Column('major', sa.Boolean(), nullable=False),
    sa.Column('drill', sa.Boolean(), nullable=False),
    sa.Column('forced_reason', sa.Text(), nullable=True),
    sa.Column('rollback_target', sa.String(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stage_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.Column('channel', sa.String(), nullable=True),
    sa.Column('root_ts', sa.String(), nullable=True),
    sa.Column('thread_ts', sa.String(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deploys'))
    )
    with op.batch_alter_table('deploys', schema=None) as batch_op:
        batch_op.create_index('ix_deploys_channel_thread_ts', ['channel', 'thread_ts'], unique=False)
        batch_op.create_index('ix_deploys_service_created_at', ['service', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_deploys_status'), ['status'], unique=False)

    op.create_table('drill_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario', sa.String(), nullable=False),
    sa.Column('trainer', sa.String(), nullable=False),
    sa.Column('trainee', sa.String(), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_runs'))
    )
    op.create_table('feature_flags',
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_feature_flags'))
    )
    op.create_table('freezes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service', sa.String(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('set_by', sa.String(), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_freezes'))
    )
    with op.batch_alter_table('freezes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_freezes_service'), ['service'], unique=False)
        batch_op.create_index(batch_op.f('ix_freezes_until'), ['until'], unique=False)

    op.create_table('maintenance_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(), nullable=False),
    sa.Column('posted_ts', sa.String(), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_ts', sa.String(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_notices'))
    )
    with op.batch_alter_table('maintenance_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_maintenance_notices_state'), ['state'], unique=False)

    op.create_table('rotation_handoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rotation_handoffs'))
    )
    with op.batch_alter_table('rotation_handoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rotation_handoffs_at'), ['at'], unique=False)

    op.create_table('slack_deliveries',
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_slack_deliveries'))
    )
    with op.batch_alter_table('slack_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slack_deliveries_expires_at'), ['expires_at'], unique=False)

    op.create_table('deploy_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('deploy_id', sa.String(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('from_status', sa.String(), nullable=False),
    sa.Column('to_status', sa.String(), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['deploy_id'], ['deploys.id'], name=op.f('fk_deploy_events_deploy_id_deploys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deploy_events'))
    )
    with op.batch_alter_table('deploy_events', schema=None) as batch_op:
        batch_op.create_index('ix_deploy_events_deploy_id_id', ['deploy_id', 'id'], unique=False)

    op.create_table('feature_flag_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('changed_by', sa.String(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['name'], ['feature_flags.name'], name=op.f('fk_feature_flag_changes_name_feature_flags')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feature_flag_changes'))
    )
    with op.batch_alter_table('feature_flag_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feature_flag_changes_name'), ['name'], unique=False)

    op.create_table('releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service', sa.String(), nullable=False),
    sa.Column('version', sa.String(), nullable=False),
    sa.Column('deployed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(), nullable=False),
    sa.Column('rollback_safe', sa.Boolean(), nullable=False),
    sa.Column('deploy_id', sa.String(), nullable=True),
    sa.Column('commander', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['deploy_id'], ['deploys.id'], name=op.f('fk_releases_deploy_id_deploys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_releases'))
    )
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_releases_deploy_id'), ['deploy_id'], unique=False)
        batch_op.create_index('ix_releases_service_deployed_at', ['service', 'deployed_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_index('ix_releases_service_deployed_at')
        batch_op.drop_index(batch_op.f('ix_releases_deploy_id'))

    op.drop_table('releases')
    with op.batch_alter_table('feature_flag_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feature_flag_changes_name'))

    op.drop_table('feature_flag_changes')
    with op.batch_alter_table('deploy_events', schema=None) as batch_op:
        batch_op.drop_index('ix_deploy_events_deploy_id_id')

    op.drop_table('deploy_events')
    with op.batch_alter_table('slack_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slack_deliveries_expires_at'))

    op.drop_table('slack_deliveries')
    with op.batch_alter_table('rotation_handoffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rotation_handoffs_at'))

    op.drop_table('rotation_handoffs')
    with op.batch_alter_table('maintenance_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_maintenance_notices_state'))

    op.drop_table('maintenance_notices')
    with op.batch_alter_table('freezes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_freezes_until'))
        batch_op.drop_index(batch_op.f('ix_freezes_service'))

    op.drop_table('freezes')
    op.drop_table('feature_flags')
    op.drop_table('drill_runs')
    with op.batch_alter_table('deploys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deploys_status'))
        batch_op.drop_index('ix_deploys_service_created_at')
        batch_op.drop_index('ix_deploys_channel_thread_ts')

    op.drop_table('deploys')
