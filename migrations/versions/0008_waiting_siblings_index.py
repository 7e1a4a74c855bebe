"""An index of the cards that were buried, for today's queue.

A new card held back for its sibling (buried, the burial over) comes first the next day, so
that a sibling waits at most a day. The queue, and `status` with it, looks for those cards
at every start: this partial index holds only the cards with a burial date, a handful, where
a scan would read every new card of the store (0.08 s at 200,000).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 07:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHERE = sa.text("buried_until IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_card_states_buried",
        "card_states",
        ["profile_id", "state", "buried_until"],
        sqlite_where=_WHERE,
        postgresql_where=_WHERE,
    )


def downgrade() -> None:
    op.drop_index("ix_card_states_buried", table_name="card_states")
