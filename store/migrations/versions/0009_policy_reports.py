"""Policy reports: the latest `sim validate` and `sim tune` of the team policy.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:50:00
"""

import sqlalchemy as sa
from alembic import op


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_reports",
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("chart", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_policy_reports")),
    )


def downgrade() -> None:
    op.drop_table("policy_reports")
