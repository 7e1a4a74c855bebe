"""Typed SQLAlchemy models of the store.

Times are stored as integer milliseconds since the Unix epoch (UTC): compact, fast to compare
and index, and the same on SQLite and PostgreSQL. `UtcMillis` converts to aware datetimes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from stalindeck.store.values import (
    LEARNING,
    NEW,
    RELEARNING,
    REVIEW,
    STATE_NAMES,
    from_millis,
    to_millis,
)

DEFAULT_PROFILE_ID = 1
DEFAULT_PROFILE_NAME = "default"

__all__ = ["LEARNING", "NEW", "RELEARNING", "REVIEW", "STATE_NAMES", "from_millis", "to_millis"]


class UtcMillis(TypeDecorator[datetime]):
    """An aware UTC datetime stored as epoch milliseconds."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        return None if value is None else to_millis(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> datetime | None:
        return None if value is None else from_millis(value)


# Deterministic constraint names, so migrations can alter them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Profile(Base):
    """A person using the store; every store has the default profile."""

    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcMillis)


class Deck(Base):
    """A deck as last imported from its file."""

    __tablename__ = "decks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(Text, default="")  # space-separated
    path: Mapped[str] = mapped_column(Text, default="")
    imported_at: Mapped[datetime] = mapped_column(UtcMillis)
    # A digest of the file (and import options) the deck last came from: unchanged, skip it.
    source_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Card(Base):
    """A reviewable card: its content, as of the last import."""

    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("deck_id", "key", name="uq_cards_deck_key"),
        Index("ix_cards_deck_note", "deck_id", "note"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(64))  # sibling group
    kind: Mapped[str] = mapped_column(String(16))
    front: Mapped[str] = mapped_column(Text)
    back: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    accept: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    extra: Mapped[str] = mapped_column(Text, default="")
    section: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(Text, default="")  # space-separated, deck tags included
    line: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcMillis)
    updated_at: Mapped[datetime] = mapped_column(UtcMillis)


class CardTag(Base):
    """One topic of one card, for filtering and per-topic figures in SQL."""

    __tablename__ = "card_tags"
    # Found by its key only: on SQLite the rows live in the key's b-tree (no rowid copy).
    __table_args__ = (Index("ix_card_tags_tag", "tag"), {"sqlite_with_rowid": False})

    card_id: Mapped[int] = mapped_column(
        ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)


class CardState(Base):
    """The scheduling state of one card for one profile (FSRS fields, counters, flags)."""

    __tablename__ = "card_states"
    __table_args__ = (Index("ix_card_states_profile_due", "profile_id", "state", "due"),)

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
    )
    card_id: Mapped[int] = mapped_column(
        ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[int] = mapped_column(SmallInteger, default=NEW)
    step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stability: Mapped[float | None] = mapped_column(Float, nullable=True)
    difficulty: Mapped[float | None] = mapped_column(Float, nullable=True)
    due: Mapped[datetime | None] = mapped_column(UtcMillis, nullable=True)
    last_review: Mapped[datetime | None] = mapped_column(UtcMillis, nullable=True)
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    buried_until: Mapped[datetime | None] = mapped_column(UtcMillis, nullable=True)


class Review(Base):
    """One answer, appended to the log (undo is the only thing that removes a row).

    The state before the review is kept in full so the answer can be undone exactly.
    """

    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_profile_time", "profile_id", "reviewed_at"),
        Index("ix_reviews_card", "card_id", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    grade: Mapped[int] = mapped_column(SmallInteger)
    reviewed_at: Mapped[datetime] = mapped_column(UtcMillis)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    elapsed_days: Mapped[float | None] = mapped_column(Float, nullable=True)
    state_before: Mapped[int] = mapped_column(SmallInteger)
    step_before: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stability_before: Mapped[float | None] = mapped_column(Float, nullable=True)
    difficulty_before: Mapped[float | None] = mapped_column(Float, nullable=True)
    due_before: Mapped[datetime | None] = mapped_column(UtcMillis, nullable=True)
    last_review_before: Mapped[datetime | None] = mapped_column(UtcMillis, nullable=True)
    state_after: Mapped[int] = mapped_column(SmallInteger)
    step_after: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stability_after: Mapped[float | None] = mapped_column(Float, nullable=True)
    difficulty_after: Mapped[float | None] = mapped_column(Float, nullable=True)
    due_after: Mapped[datetime] = mapped_column(UtcMillis)


class Setting(Base):
    """A setting for one profile, as JSON text."""

    __tablename__ = "settings"

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
