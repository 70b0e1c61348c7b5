"""Release trains: services released in depends_on order in one thread, and their cars.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 19:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "release_trains",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("commit_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(), nullable=True),
        sa.Column("thread_ts", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_trains")),
    )
    with op.batch_alter_table("release_trains", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_release_trains_state"), ["state"], unique=False)
    op.create_table(
        "train_cars",
        sa.Column("train_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(), nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("deploy_id", sa.String(), nullable=True),
        sa.Column("claim", sa.String(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["train_id"], ["release_trains.id"], name=op.f("fk_train_cars_train_id_release_trains")
        ),
        sa.ForeignKeyConstraint(
            ["deploy_id"], ["deploys.id"], name=op.f("fk_train_cars_deploy_id_deploys")
        ),
        sa.PrimaryKeyConstraint("train_id", "position", name=op.f("pk_train_cars")),
    )


def downgrade() -> None:
    op.drop_table("train_cars")
    with op.batch_alter_table("release_trains", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_release_trains_state"))
    op.drop_table("release_trains")
