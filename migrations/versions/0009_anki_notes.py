"""What an Anki package said of its notes, kept for the export back: each note's guid, note
type and fields as Anki wrote them, the note types themselves, and the package's media.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "anki_notetypes",
        sa.Column("anki_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("anki_id", name=op.f("pk_anki_notetypes")),
    )
    op.create_table(
        "anki_notes",
        sa.Column("deck_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=64), nullable=False),
        sa.Column("guid", sa.Text(), nullable=False),
        sa.Column("notetype_id", sa.BigInteger(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("content", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["deck_id"],
            ["decks.id"],
            name=op.f("fk_anki_notes_deck_id_decks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deck_id", "note", name=op.f("pk_anki_notes")),
    )
    op.create_table(
        "media",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_media")),
    )


def downgrade() -> None:
    op.drop_table("media")
    op.drop_table("anki_notes")
    op.drop_table("anki_notetypes")
