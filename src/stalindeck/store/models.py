"""The store's tables, declared as classes of typed SQLAlchemy Core columns.

Each class names one table: `Card.front` is that table's column, and `insert(Card)`,
`select(Card)` or `join(Card, ...)` use the table itself. They are not ORM classes: nothing
here maps rows to objects, so no command pays for importing SQLAlchemy's ORM (a fifth of a
command's start).

Times are stored as integer milliseconds since the Unix epoch (UTC): compact, fast to compare
and index, and the same on SQLite and PostgreSQL. `UtcMillis` converts to aware datetimes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, TypeVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.types import TypeDecorator, TypeEngine

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
PROFILE_NAME_LENGTH = 64  # characters (PostgreSQL enforces it)
ACCEPTED_LENGTH = 200  # characters of an answer the student accepts as right

__all__ = ["LEARNING", "NEW", "RELEARNING", "REVIEW", "STATE_NAMES", "from_millis", "to_millis"]

_T = TypeVar("_T")


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

metadata = MetaData(naming_convention=NAMING)


def column(
    kind: TypeEngine[_T] | type[TypeEngine[_T]], *args: Any, nullable: bool = False, **kwargs: Any
) -> Column[_T]:
    """A column of the class it is assigned in, named after its attribute; NOT NULL unless
    `nullable`."""
    return Column(kind, *args, nullable=nullable, **kwargs)


def _reference(target: str) -> ForeignKey:
    return ForeignKey(target, ondelete="CASCADE")


class Base:
    """A table: the class's `column(...)` attributes, in order, and `__table_args__`."""

    __tablename__: ClassVar[str]
    __table__: ClassVar[Table]
    __table_args__: ClassVar[tuple[Any, ...]] = ()

    def __init_subclass__(cls) -> None:
        columns = []
        for name, value in vars(cls).items():
            if isinstance(value, Column):
                value.name = value.key = name
                columns.append(value)
        args = list(cls.__table_args__)
        options = args.pop() if args and isinstance(args[-1], dict) else {}
        cls.__table__ = Table(cls.__tablename__, metadata, *columns, *args, **options)

    @classmethod
    def __clause_element__(cls) -> Table:
        """The table, wherever SQLAlchemy expects one (``insert(Card)``, ``select(Card)``)."""
        return cls.__table__


class Profile(Base):
    """A person using the store; every store has the default profile."""

    __tablename__ = "profiles"

    id: ClassVar[ColumnClause[int]] = column(Integer, primary_key=True)
    name: ClassVar[ColumnClause[str]] = column(String(PROFILE_NAME_LENGTH), unique=True)
    created_at: ClassVar[ColumnClause[datetime]] = column(UtcMillis)


class Deck(Base):
    """A deck as last imported from its file."""

    __tablename__ = "decks"

    id: ClassVar[ColumnClause[int]] = column(Integer, primary_key=True)
    slug: ClassVar[ColumnClause[str]] = column(String(64), unique=True)
    name: ClassVar[ColumnClause[str]] = column(String(200))
    description: ClassVar[ColumnClause[str]] = column(Text, default="")
    source: ClassVar[ColumnClause[str]] = column(Text, default="")
    tags: ClassVar[ColumnClause[str]] = column(Text, default="")  # space-separated
    path: ClassVar[ColumnClause[str]] = column(Text, default="")
    imported_at: ClassVar[ColumnClause[datetime]] = column(UtcMillis)
    # A digest of the file (and import options) the deck last came from: unchanged, skip it.
    source_digest: ClassVar[ColumnClause[str]] = column(String(64), nullable=True)
    # When `stalindeck remove` took the deck out (its cards retired), or NULL: in use.
    removed_at: ClassVar[ColumnClause[datetime]] = column(UtcMillis, nullable=True)


class Card(Base):
    """A reviewable card: its content, as of the last import."""

    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("deck_id", "key", name="uq_cards_deck_key"),
        Index("ix_cards_deck_note", "deck_id", "note"),
    )

    id: ClassVar[ColumnClause[int]] = column(Integer, primary_key=True)
    deck_id: ClassVar[ColumnClause[int]] = column(Integer, _reference("decks.id"))
    key: ClassVar[ColumnClause[str]] = column(String(200))
    note: ClassVar[ColumnClause[str]] = column(String(64))  # sibling group
    kind: ClassVar[ColumnClause[str]] = column(String(16))
    front: ClassVar[ColumnClause[str]] = column(Text)
    back: ClassVar[ColumnClause[str]] = column(Text)
    answer: ClassVar[ColumnClause[str]] = column(Text, nullable=True)
    accept: ClassVar[ColumnClause[str]] = column(Text, default="[]")  # JSON list
    extra: ClassVar[ColumnClause[str]] = column(Text, default="")
    section: ClassVar[ColumnClause[str]] = column(Text, default="")
    # Space-separated, the deck's tags included.
    tags: ClassVar[ColumnClause[str]] = column(Text, default="")
    line: ClassVar[ColumnClause[int]] = column(Integer, default=0)
    position: ClassVar[ColumnClause[int]] = column(Integer, default=0)
    retired: ClassVar[ColumnClause[bool]] = column(Boolean, default=False)
    created_at: ClassVar[ColumnClause[datetime]] = column(UtcMillis)
    updated_at: ClassVar[ColumnClause[datetime]] = column(UtcMillis)


class CardTag(Base):
    """One topic of one card, for filtering and per-topic figures in SQL."""

    __tablename__ = "card_tags"
    # Found by its key only: on SQLite the rows live in the key's b-tree (no rowid copy).
    __table_args__ = (Index("ix_card_tags_tag", "tag"), {"sqlite_with_rowid": False})

    card_id: ClassVar[ColumnClause[int]] = column(Integer, _reference("cards.id"), primary_key=True)
    tag: ClassVar[ColumnClause[str]] = column(String(64), primary_key=True)


class CardState(Base):
    """The scheduling state of one card for one profile (FSRS fields, counters, flags)."""

    __tablename__ = "card_states"
    __table_args__ = (
        Index("ix_card_states_profile_due", "profile_id", "state", "due"),
        # Only the cards with a burial date: those held back for a sibling, for the queue.
        Index(
            "ix_card_states_buried",
            "profile_id",
            "state",
            "buried_until",
            sqlite_where=text("buried_until IS NOT NULL"),
            postgresql_where=text("buried_until IS NOT NULL"),
        ),
    )

    profile_id: ClassVar[ColumnClause[int]] = column(
        Integer, _reference("profiles.id"), primary_key=True
    )
    card_id: ClassVar[ColumnClause[int]] = column(Integer, _reference("cards.id"), primary_key=True)
    state: ClassVar[ColumnClause[int]] = column(SmallInteger, default=NEW)
    step: ClassVar[ColumnClause[int]] = column(Integer, nullable=True)
    stability: ClassVar[ColumnClause[float]] = column(Float, nullable=True)
    difficulty: ClassVar[ColumnClause[float]] = column(Float, nullable=True)
    due: ClassVar[ColumnClause[datetime]] = column(UtcMillis, nullable=True)
    last_review: ClassVar[ColumnClause[datetime]] = column(UtcMillis, nullable=True)
    reps: ClassVar[ColumnClause[int]] = column(Integer, default=0)
    lapses: ClassVar[ColumnClause[int]] = column(Integer, default=0)
    suspended: ClassVar[ColumnClause[bool]] = column(Boolean, default=False)
    buried_until: ClassVar[ColumnClause[datetime]] = column(UtcMillis, nullable=True)


class Review(Base):
    """One answer, appended to the log (undo is the only thing that removes a row).

    The state before the review is kept in full so the answer can be undone exactly.
    """

    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_profile_time", "profile_id", "reviewed_at"),
        Index("ix_reviews_card", "card_id", "reviewed_at"),
    )

    id: ClassVar[ColumnClause[int]] = column(Integer, primary_key=True)
    card_id: ClassVar[ColumnClause[int]] = column(Integer, _reference("cards.id"))
    profile_id: ClassVar[ColumnClause[int]] = column(Integer, _reference("profiles.id"))
    grade: ClassVar[ColumnClause[int]] = column(SmallInteger)
    reviewed_at: ClassVar[ColumnClause[datetime]] = column(UtcMillis)
    duration_ms: ClassVar[ColumnClause[int]] = column(Integer, default=0)
    elapsed_days: ClassVar[ColumnClause[float]] = column(Float, nullable=True)
    state_before: ClassVar[ColumnClause[int]] = column(SmallInteger)
    step_before: ClassVar[ColumnClause[int]] = column(Integer, nullable=True)
    stability_before: ClassVar[ColumnClause[float]] = column(Float, nullable=True)
    difficulty_before: ClassVar[ColumnClause[float]] = column(Float, nullable=True)
    due_before: ClassVar[ColumnClause[datetime]] = column(UtcMillis, nullable=True)
    last_review_before: ClassVar[ColumnClause[datetime]] = column(UtcMillis, nullable=True)
    state_after: ClassVar[ColumnClause[int]] = column(SmallInteger)
    step_after: ClassVar[ColumnClause[int]] = column(Integer, nullable=True)
    stability_after: ClassVar[ColumnClause[float]] = column(Float, nullable=True)
    difficulty_after: ClassVar[ColumnClause[float]] = column(Float, nullable=True)
    due_after: ClassVar[ColumnClause[datetime]] = column(UtcMillis)


class AcceptedAnswer(Base):
    """A typed answer the student accepted as right for one card (their own alias, beside the
    deck's `accept`): kept per profile, across edits and re-imports of the deck."""

    __tablename__ = "accepted_answers"

    profile_id: ClassVar[ColumnClause[int]] = column(
        Integer, _reference("profiles.id"), primary_key=True
    )
    card_id: ClassVar[ColumnClause[int]] = column(Integer, _reference("cards.id"), primary_key=True)
    answer: ClassVar[ColumnClause[str]] = column(String(ACCEPTED_LENGTH), primary_key=True)
    created_at: ClassVar[ColumnClause[datetime]] = column(UtcMillis)


class Setting(Base):
    """A setting for one profile, as JSON text."""

    __tablename__ = "settings"

    profile_id: ClassVar[ColumnClause[int]] = column(
        Integer, _reference("profiles.id"), primary_key=True
    )
    key: ClassVar[ColumnClause[str]] = column(String(64), primary_key=True)
    value: ClassVar[ColumnClause[str]] = column(Text)


class AnkiNotetype(Base):
    """A note type as an Anki package defined it (fields, templates, style), kept so an export
    gives Anki back the same note type: its notes then update instead of arriving as copies."""

    __tablename__ = "anki_notetypes"

    anki_id: ClassVar[ColumnClause[int]] = column(BigInteger, primary_key=True, autoincrement=False)
    name: ClassVar[ColumnClause[str]] = column(Text)
    definition: ClassVar[ColumnClause[str]] = column(Text)  # JSON, see interop.anki_notes


class AnkiNote(Base):
    """The Anki side of a note imported from a package: its guid, note type and fields as
    written in Anki (HTML, media references and all), for the export back."""

    __tablename__ = "anki_notes"

    deck_id: ClassVar[ColumnClause[int]] = column(Integer, _reference("decks.id"), primary_key=True)
    note: ClassVar[ColumnClause[str]] = column(String(64), primary_key=True)
    guid: ClassVar[ColumnClause[str]] = column(Text)
    notetype_id: ClassVar[ColumnClause[int]] = column(BigInteger)
    fields: ClassVar[ColumnClause[str]] = column(Text)  # JSON list of the fields' HTML
    content: ClassVar[ColumnClause[str]] = column(String(32))  # model.note_digest of its cards


class MediaFile(Base):
    """A media file (an image, a sound) an Anki package brought, kept for the export back and
    for `card` to list; notes refer to it by name, as Anki's fields do."""

    __tablename__ = "media"

    name: ClassVar[ColumnClause[str]] = column(String(255), primary_key=True)
    data: ClassVar[ColumnClause[bytes]] = column(LargeBinary)
    size: ClassVar[ColumnClause[int]] = column(Integer)
