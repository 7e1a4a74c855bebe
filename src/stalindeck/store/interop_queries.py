"""The SQL behind package interop: cards and reviews read for export, history written on import."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from stalindeck.store.deck_tree import SEPARATOR
from stalindeck.store.engine import reading
from stalindeck.store.models import (
    AnkiNote,
    AnkiNotetype,
    Card,
    CardState,
    Deck,
    MediaFile,
    Review,
)
from stalindeck.store.open import Store

_BATCH = 5_000


@dataclass(frozen=True, slots=True)
class DeckRow:
    """A deck as stored."""

    id: int
    slug: str
    name: str
    description: str
    source: str
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CardRow:
    """An active card as stored, with the current profile's scheduling state."""

    id: int
    key: str
    note: str
    kind: str
    front: str
    back: str
    answer: str | None
    accept: tuple[str, ...]
    extra: str
    section: str
    tags: tuple[str, ...]
    position: int
    state: int
    stability: float | None
    difficulty: float | None
    due: datetime | None
    last_review: datetime | None
    reps: int
    lapses: int
    suspended: bool
    step: int | None = None


@dataclass(frozen=True, slots=True)
class AnkiNoteRow:
    """What an Anki package said of one note (see `models.AnkiNote`)."""

    guid: str
    notetype_id: int
    fields: tuple[str, ...]
    content: str


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """One answer from the log, for export."""

    card_id: int
    grade: int
    reviewed_at: datetime
    duration_ms: int
    state_before: int
    stability_before: float | None
    last_review_before: datetime | None
    due_after: datetime


def find_decks(store: Store, names: Sequence[str]) -> tuple[list[DeckRow], list[str]]:
    """The decks in use named by id or name, with their subdecks (all of them when `names` is
    empty), and the names not found."""
    with reading(store.engine) as connection:
        rows = [
            DeckRow(
                row.id, row.slug, row.name, row.description, row.source, tuple(row.tags.split())
            )
            for row in connection.execute(
                select(Deck.id, Deck.slug, Deck.name, Deck.description, Deck.source, Deck.tags)
                .where(Deck.removed_at.is_(None))
                .order_by(Deck.slug)
            )
        ]
    if not names:
        return rows, []
    chosen: list[DeckRow] = []
    missing: list[str] = []
    for name in names:
        # The deck and its subdecks (Anki's tree), by name.
        named = {row.name for row in rows if name in (row.slug, row.name)} | {name}
        found = [
            row
            for row in rows
            if row.name in named or any(row.name.startswith(n + SEPARATOR) for n in named)
        ]
        if not found:
            missing.append(name)
        chosen.extend(row for row in found if row not in chosen)
    return chosen, missing


def deck_cards(store: Store, deck_id: int) -> list[CardRow]:
    """The active (not retired) cards of a deck in deck order, with the profile's state."""
    query = (
        select(
            Card.id,
            Card.key,
            Card.note,
            Card.kind,
            Card.front,
            Card.back,
            Card.answer,
            Card.accept,
            Card.extra,
            Card.section,
            Card.tags,
            Card.position,
            CardState.state,
            CardState.stability,
            CardState.difficulty,
            CardState.due,
            CardState.last_review,
            CardState.reps,
            CardState.lapses,
            CardState.suspended,
            CardState.step,
        )
        .outerjoin(
            CardState,
            (CardState.card_id == Card.id) & (CardState.profile_id == store.profile_id),
        )
        .where(Card.deck_id == deck_id, Card.retired.is_(False))
        .order_by(Card.position, Card.id)
    )
    with reading(store.engine) as connection:
        return [
            CardRow(
                id=row.id,
                key=row.key,
                note=row.note,
                kind=row.kind,
                front=row.front,
                back=row.back,
                answer=row.answer,
                accept=tuple(json.loads(row.accept or "[]")),
                extra=row.extra,
                section=row.section,
                tags=tuple(row.tags.split()),
                position=row.position,
                state=row.state or 0,
                stability=row.stability,
                difficulty=row.difficulty,
                due=row.due,
                last_review=row.last_review,
                reps=row.reps or 0,
                lapses=row.lapses or 0,
                suspended=bool(row.suspended),
                step=row.step,
            )
            for row in connection.execute(query)
        ]


def anki_notes(store: Store, deck_id: int) -> dict[str, AnkiNoteRow]:
    """The Anki side of the deck's notes that came from a package, by note id."""
    with reading(store.engine) as connection:
        return {
            row.note: AnkiNoteRow(
                row.guid, row.notetype_id, tuple(json.loads(row.fields)), row.content
            )
            for row in connection.execute(
                select(
                    AnkiNote.note,
                    AnkiNote.guid,
                    AnkiNote.notetype_id,
                    AnkiNote.fields,
                    AnkiNote.content,
                ).where(AnkiNote.deck_id == deck_id)
            )
        }


def anki_notetypes(store: Store, ids: Collection[int] | None) -> dict[int, tuple[str, str]]:
    """The kept Anki note types among `ids` (all when None): (name, definition JSON) by
    Anki id."""
    found: dict[int, tuple[str, str]] = {}
    query = select(AnkiNotetype.anki_id, AnkiNotetype.name, AnkiNotetype.definition)
    if ids is None:
        with reading(store.engine) as connection:
            return {row.anki_id: (row.name, row.definition) for row in connection.execute(query)}
    wanted = list(ids)
    with reading(store.engine) as connection:
        for start in range(0, len(wanted), _BATCH):
            for row in connection.execute(
                select(AnkiNotetype.anki_id, AnkiNotetype.name, AnkiNotetype.definition).where(
                    AnkiNotetype.anki_id.in_(wanted[start : start + _BATCH])
                )
            ):
                found[row.anki_id] = (row.name, row.definition)
    return found


def card_reviews(store: Store, card_ids: Collection[int]) -> list[ReviewRow]:
    """The current profile's reviews of `card_ids`, oldest first."""
    found: list[ReviewRow] = []
    ids = list(card_ids)
    with reading(store.engine) as connection:
        for start in range(0, len(ids), _BATCH):
            found.extend(
                ReviewRow(*row)
                for row in connection.execute(
                    select(
                        Review.card_id,
                        Review.grade,
                        Review.reviewed_at,
                        Review.duration_ms,
                        Review.state_before,
                        Review.stability_before,
                        Review.last_review_before,
                        Review.due_after,
                    ).where(
                        Review.profile_id == store.profile_id,
                        Review.card_id.in_(ids[start : start + _BATCH]),
                    )
                )
            )
    found.sort(key=lambda review: (review.reviewed_at, review.card_id))
    return found


def card_ids_by_key(
    connection: Connection, wanted: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Row ids of the cards named by (deck id, card key)."""
    wanted = set(wanted)
    slugs = {slug for slug, _ in wanted}
    found: dict[tuple[str, str], int] = {}
    for slug in slugs:
        for card_id, key in connection.execute(
            select(Card.id, Card.key).join(Deck, Deck.id == Card.deck_id).where(Deck.slug == slug)
        ):
            if (slug, key) in wanted:
                found[(slug, key)] = card_id
    return found


def reviewed_cards(connection: Connection, profile_id: int, card_ids: Collection[int]) -> set[int]:
    """Which of `card_ids` already have reviews for the profile."""
    ids = list(card_ids)
    found: set[int] = set()
    for start in range(0, len(ids), _BATCH):
        found.update(
            connection.execute(
                select(Review.card_id)
                .where(
                    Review.profile_id == profile_id,
                    Review.card_id.in_(ids[start : start + _BATCH]),
                )
                .distinct()
            ).scalars()
        )
    return found


def write_history(
    connection: Connection,
    profile_id: int,
    reviews: list[dict[str, Any]],
    states: list[dict[str, Any]],
) -> None:
    """Append imported reviews and set the rebuilt card states, in the caller's transaction."""
    for start in range(0, len(reviews), _BATCH):
        connection.execute(
            insert(Review),
            [{"profile_id": profile_id, **row} for row in reviews[start : start + _BATCH]],
        )
    if states:
        statement = (
            update(CardState)
            .where(CardState.profile_id == profile_id, CardState.card_id == bindparam("state_card"))
            .values({key: bindparam(key) for key in states[0] if key != "state_card"})
        )
        for start in range(0, len(states), _BATCH):
            connection.execute(statement, states[start : start + _BATCH])


def media_files(store: Store, names: Collection[str]) -> dict[str, bytes]:
    """The stored media files among `names`, by name."""
    wanted = list(names)
    found: dict[str, bytes] = {}
    with reading(store.engine) as connection:
        for start in range(0, len(wanted), _BATCH):
            for name, data in connection.execute(
                select(MediaFile.name, MediaFile.data).where(
                    MediaFile.name.in_(wanted[start : start + _BATCH])
                )
            ):
                found[name] = bytes(data)
    return found


def media_sizes(store: Store, names: Collection[str]) -> dict[str, int]:
    """The size of each stored media file among `names`, by name."""
    wanted = list(names)
    if not wanted:
        return {}
    with reading(store.engine) as connection:
        return {
            name: size
            for name, size in connection.execute(
                select(MediaFile.name, MediaFile.size).where(MediaFile.name.in_(wanted))
            )
        }


def card_media(store: Store, card_id: int) -> list[tuple[str, int | None]]:
    """The media files the card's Anki note shows, with each one's size (None: the package
    did not hold it)."""
    from stalindeck.decks.foreign import media_names

    with reading(store.engine) as connection:
        row = connection.execute(
            select(AnkiNote.fields)
            .join(Card, (Card.deck_id == AnkiNote.deck_id) & (Card.note == AnkiNote.note))
            .where(Card.id == card_id)
        ).first()
    if row is None:
        return []
    names = sorted({name for field in json.loads(row.fields) for name in media_names(field)})
    sizes = media_sizes(store, names)
    return [(name, sizes.get(name)) for name in names]


def card_anki_fields(store: Store, card_id: int) -> tuple[str, ...] | None:
    """The fields, HTML and all, of the Anki note the card came from (None: not from Anki)."""
    with reading(store.engine) as connection:
        row = connection.execute(
            select(AnkiNote.fields)
            .join(Card, (Card.deck_id == AnkiNote.deck_id) & (Card.note == AnkiNote.note))
            .where(Card.id == card_id)
        ).first()
    return None if row is None else tuple(str(field) for field in json.loads(row.fields))
