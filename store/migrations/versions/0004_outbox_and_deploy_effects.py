"""The outbox and deploy_effects: Slack messages are written in the transaction that decided
them, and each deploy remembers which of its versions the card shows and the world matches.

Deploys recorded before this revision count as shown and applied, so an upgrade neither
re-posts old cards nor re-applies old rollbacks.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 19:17:11
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deploy_effects",
        sa.Column("deploy_id", sa.String(), nullable=False),
        sa.Column("world_version", sa.Integer(), nullable=True),
        sa.Column("card_version", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["deploy_id"], ["deploys.id"], name=op.f("fk_deploy_effects_deploy_id_deploys")
        ),
        sa.PrimaryKeyConstraint("deploy_id", name=op.f("pk_deploy_effects")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("deploy_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=True),
        sa.Column("in_thread", sa.Boolean(), nullable=False),
        sa.Column("target", sa.String(), nullable=True),
        sa.Column("ref", sa.String(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("blocks", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_channel", sa.String(), nullable=True),
        sa.Column("ts", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["deploy_id"], ["deploys.id"], name=op.f("fk_outbox_deploy_id_deploys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_deploy_id_ref", ["deploy_id", "ref"], unique=False)
        batch_op.create_index(
            "ix_outbox_state_deploy_id_id", ["state", "deploy_id", "id"], unique=False
        )
    op.execute(
        "INSERT INTO deploy_effects (deploy_id, world_version, card_version) "
        "SELECT id, row_version, row_version FROM deploys"
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_state_deploy_id_id")
        batch_op.drop_index("ix_outbox_deploy_id_ref")
    op.drop_table("outbox")
    op.drop_table("deploy_effects")
