"""Decks can be removed: when, or NULL for a deck in use.

`stalindeck remove DECK` takes a deck out of reviews, lists and figures without deleting a row:
its cards are retired (their history stays) and the deck is marked removed. Importing its file
again brings it back with that history.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 02:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column is added in place on SQLite and PostgreSQL alike: no table copy.
    op.add_column("decks", sa.Column("removed_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decks", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
