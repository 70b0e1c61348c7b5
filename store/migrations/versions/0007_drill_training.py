"""Drill training: the fair clock's columns, weekly drill schedules, and the observations the
judges saw during real deploys (what `drill from-deploy` fits a scenario to).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("drills", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reaction_scale", sa.Float(), nullable=False, server_default="1.0")
        )
        batch_op.add_column(sa.Column("clock_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("clock_s", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("clock_rate", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("asking", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("reactions", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("drills", schema=None) as batch_op:
        batch_op.alter_column("reaction_scale", server_default=None)
        batch_op.alter_column("clock_s", server_default=None)
        batch_op.alter_column("reactions", server_default=None)
    op.create_table(
        "drill_schedules",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("scenario", sa.String(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("at_time", sa.String(), nullable=False),
        sa.Column("trainees", sa.String(), nullable=False),
        sa.Column("trainer", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_drill_id", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drill_schedules")),
    )
    with op.batch_alter_table("drill_schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drill_schedules_status"), ["status"], unique=False)
    op.create_table(
        "deploy_observations",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("deploy_id", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("verdicts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deploy_id"], ["deploys.id"], name=op.f("fk_deploy_observations_deploy_id_deploys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deploy_observations")),
    )
    with op.batch_alter_table("deploy_observations", schema=None) as batch_op:
        batch_op.create_index("ix_deploy_observations_deploy_id_at", ["deploy_id", "at"])


def downgrade() -> None:
    op.drop_table("deploy_observations")
    op.drop_table("drill_schedules")
    with op.batch_alter_table("drills", schema=None) as batch_op:
        for name in ("reactions", "asking", "clock_rate", "clock_s", "clock_at", "reaction_scale"):
            batch_op.drop_column(name)
