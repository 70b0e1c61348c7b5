"""Durable deploy state, audit trail and release history (SQLModel + Alembic)."""
