"""Drop cards.content_hash (an import compares the stored text itself), and on SQLite keep
card tags in their primary key's own b-tree (WITHOUT ROWID).

Hashing every card of a deck cost more than reading its text back, and the digest could only
say "changed" where the columns say what changed. SQLite drops a column in place since 3.35
(and PostgreSQL always could); batch mode would copy the table, and dropping the old copy would
cascade into the cards' states and history.

A card's tags are always found by their primary key (card, tag) or the tag index; a rowid table
kept each row twice, in the table and in that key's index, so each imported card wrote one
b-tree more. Nothing references the table, so it can be copied and swapped. (Card states stay a
rowid table: `stats` reads them through the state/due index, and a lookup by rowid from there
is cheaper than one by the (profile, card) key: 1.35 s against 0.95 s over 1M reviews.)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_TABLES = {
    "card_tags": (
        """
        card_id INTEGER NOT NULL,
        tag VARCHAR(64) NOT NULL,
        CONSTRAINT pk_card_tags PRIMARY KEY (card_id, tag),
        CONSTRAINT fk_card_tags_card_id_cards FOREIGN KEY(card_id)
            REFERENCES cards (id) ON DELETE CASCADE
        """,
        "CREATE INDEX ix_card_tags_tag ON card_tags (tag)",
    ),
}


def _rebuild(table: str, rowid: bool) -> None:
    columns, index = _TABLES[table]
    op.execute(f"CREATE TABLE {table}_copy ({columns}){'' if rowid else ' WITHOUT ROWID'}")
    op.execute(f"INSERT INTO {table}_copy SELECT * FROM {table}")
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE {table}_copy RENAME TO {table}")
    op.execute(index)


def upgrade() -> None:
    op.drop_column("cards", "content_hash")
    if op.get_bind().dialect.name == "sqlite":
        for table in _TABLES:
            _rebuild(table, rowid=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in _TABLES:
            _rebuild(table, rowid=True)
    # Every card then reads as edited on the next import: its text is rewritten, its history kept.
    op.add_column(
        "cards",
        sa.Column("content_hash", sa.String(length=32), nullable=False, server_default=""),
    )
