"""At most one deploy of a service in flight: a partial unique index on deploys(service).

The window check runs before the insert, so two replicas handling `/deploy start api` at the
same moment could both pass it; the index makes the second insert fail instead.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 11:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

IN_FLIGHT = "status IN ('created', 'running', 'held')"


def upgrade() -> None:
    op.create_index(
        "uq_deploys_service_in_flight",
        "deploys",
        ["service"],
        unique=True,
        sqlite_where=sa.text(IN_FLIGHT),
        postgresql_where=sa.text(IN_FLIGHT),
    )


def downgrade() -> None:
    op.drop_index("uq_deploys_service_in_flight", table_name="deploys")
