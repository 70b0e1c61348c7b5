"""Drills: a drills table (the drill's data and progress), its pending inputs, and the
one-in-flight index narrowed to real deploys, so a drill never blocks a real deploy.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 20:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

IN_FLIGHT = "status IN ('created', 'running', 'held')"
REAL_IN_FLIGHT = f"{IN_FLIGHT} AND NOT drill"
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "drills",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("deploy_id", sa.String(), nullable=False),
        sa.Column("scenario", sa.String(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("speed", sa.Float(), nullable=False),
        sa.Column("policy", sa.String(), nullable=False),
        sa.Column("trainer", sa.String(), nullable=False),
        sa.Column("commander", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_total_s", sa.Float(), nullable=False),
        sa.Column("applied_s", sa.Float(), nullable=False),
        sa.Column("inputs_taken", sa.Integer(), nullable=False),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.Column("injections", sa.JSON(), nullable=False),
        sa.Column("scorecard", sa.JSON(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["deploy_id"], ["deploys.id"], name=op.f("fk_drills_deploy_id_deploys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drills")),
    )
    with op.batch_alter_table("drills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drills_deploy_id"), ["deploy_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_drills_trainer"), ["trainer"], unique=False)
        batch_op.create_index(batch_op.f("ix_drills_commander"), ["commander"], unique=False)
        batch_op.create_index("ix_drills_status_started_at", ["status", "started_at"])
    op.create_table(
        "drill_inputs",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("drill_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["drill_id"], ["drills.id"], name=op.f("fk_drill_inputs_drill_id_drills")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drill_inputs")),
    )
    with op.batch_alter_table("drill_inputs", schema=None) as batch_op:
        batch_op.create_index("ix_drill_inputs_drill_id_id", ["drill_id", "id"], unique=False)
    with op.batch_alter_table("deploys", schema=None) as batch_op:
        batch_op.drop_index("uq_deploys_service_in_flight")
        batch_op.create_index(
            "uq_deploys_service_in_flight",
            ["service"],
            unique=True,
            sqlite_where=sa.text(REAL_IN_FLIGHT),
            postgresql_where=sa.text(REAL_IN_FLIGHT),
        )


def downgrade() -> None:
    with op.batch_alter_table("deploys", schema=None) as batch_op:
        batch_op.drop_index("uq_deploys_service_in_flight")
        batch_op.create_index(
            "uq_deploys_service_in_flight",
            ["service"],
            unique=True,
            sqlite_where=sa.text(IN_FLIGHT),
            postgresql_where=sa.text(IN_FLIGHT),
        )
    op.drop_table("drill_inputs")
    op.drop_table("drills")
