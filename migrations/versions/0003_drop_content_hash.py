"""Drop cards.content_hash (an import compares the stored text itself), and on SQLite keep
card states and card tags in their primary key's own b-tree (WITHOUT ROWID).

Hashing every card of a deck cost more than reading its text back, and the digest could only
say "changed" where the columns say what changed. SQLite drops a column in place since 3.35
(and PostgreSQL always could); batch mode would copy the table, and dropping the old copy would
cascade into the cards' states and history.

A card's state and its tags are always found by their primary key, (profile, card) and (card,
tag); a rowid table kept each row twice, in the table and in that key's index. Without the
rowid, each answer and each imported card writes one b-tree less. Nothing references these two
tables, so they can be copied and swapped.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 13:10:00
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
    "card_states": (
        """
        profile_id INTEGER NOT NULL,
        card_id INTEGER NOT NULL,
        state SMALLINT NOT NULL,
        step INTEGER,
        stability FLOAT,
        difficulty FLOAT,
        due BIGINT,
        last_review BIGINT,
        reps INTEGER NOT NULL,
        lapses INTEGER NOT NULL,
        suspended BOOLEAN NOT NULL,
        buried_until BIGINT,
        CONSTRAINT pk_card_states PRIMARY KEY (profile_id, card_id),
        CONSTRAINT fk_card_states_card_id_cards FOREIGN KEY(card_id)
            REFERENCES cards (id) ON DELETE CASCADE,
        CONSTRAINT fk_card_states_profile_id_profiles FOREIGN KEY(profile_id)
            REFERENCES profiles (id) ON DELETE CASCADE
        """,
        "CREATE INDEX ix_card_states_profile_due ON card_states (profile_id, state, due)",
    ),
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
