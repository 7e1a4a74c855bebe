"""On PostgreSQL, move the profiles' id sequence past the default profile.

Revision 0001 inserts the default profile with id 1 explicitly, which leaves PostgreSQL's
sequence for `profiles.id` at its start: the first profile added afterwards (`--profile NAME`,
one per student on a teacher's shared database) was given id 1 again and failed. SQLite numbers
rows from the largest id and needs nothing.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 02:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('profiles', 'id'), "
            "(SELECT COALESCE(MAX(id), 1) FROM profiles))"
        )


def downgrade() -> None:
    """Nothing to undo: the sequence only moved past ids already taken."""
