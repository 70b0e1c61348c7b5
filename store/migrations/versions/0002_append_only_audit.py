"""Make the audit trail append-only: triggers refuse UPDATE and DELETE on deploy_events
(and TRUNCATE on PostgreSQL), so not even a direct SQL session can rewrite history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 11:20:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MESSAGE = "deploy_events is append-only: audit entries cannot be changed or deleted"

POSTGRES_UP = (
    f"""
    CREATE FUNCTION deploy_events_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER deploy_events_append_only
    BEFORE UPDATE OR DELETE ON deploy_events
    FOR EACH ROW EXECUTE FUNCTION deploy_events_refuse_change()
    """,
    """
    CREATE TRIGGER deploy_events_no_truncate
    BEFORE TRUNCATE ON deploy_events
    FOR EACH STATEMENT EXECUTE FUNCTION deploy_events_refuse_change()
    """,
)
POSTGRES_DOWN = (
    "DROP TRIGGER deploy_events_no_truncate ON deploy_events",
    "DROP TRIGGER deploy_events_append_only ON deploy_events",
    "DROP FUNCTION deploy_events_refuse_change()",
)
SQLITE_UP = tuple(
    f"""
    CREATE TRIGGER deploy_events_no_{verb.lower()}
    BEFORE {verb} ON deploy_events
    BEGIN
        SELECT RAISE(ABORT, '{MESSAGE}');
    END
    """
    for verb in ("UPDATE", "DELETE")
)
SQLITE_DOWN = ("DROP TRIGGER deploy_events_no_update", "DROP TRIGGER deploy_events_no_delete")


def upgrade() -> None:
    for statement in POSTGRES_UP if _postgres() else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in POSTGRES_DOWN if _postgres() else SQLITE_DOWN:
        op.execute(statement)


def _postgres() -> bool:
    name = op.get_bind().dialect.name
    if name not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"no append-only triggers for {name}")
    return name == "postgresql"
