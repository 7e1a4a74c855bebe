"""The queries behind a review session besides today's queue (`gather`): one card's content
and state, reviewing ahead, the next due time, the filter's decks and tags."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Select,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    type_coerce,
)

from stalindeck.scheduling.fsrs_bridge import Memory
from stalindeck.store.deck_tree import in_decks
from stalindeck.store.engine import reading
from stalindeck.store.gather import QueueEntry, Scope
from stalindeck.store.models import (
    NEW,
    REVIEW,
    Card,
    CardState,
    CardTag,
    Deck,
    to_millis,
)
from stalindeck.store.open import Store


@dataclass(frozen=True, slots=True)
class Filter:
    """Which cards a session draws from: some decks (slugs or names), some tags, or all."""

    decks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


class CardView(NamedTuple):
    """Everything the review screen needs about one card, read fresh from the store."""

    card_id: int
    deck_id: int
    deck_slug: str
    deck_name: str
    deck_path: str
    deck_tags: tuple[str, ...]
    key: str
    note: str
    kind: str
    front: str
    back: str
    answer: str | None
    accept: tuple[str, ...]
    extra: str
    tags: tuple[str, ...]
    line: int
    retired: bool
    suspended: bool
    buried_until: datetime | None
    memory: Memory
    has_siblings: bool = True  # other cards come from the same entry (a reverse, a cloze)


def _matching(where: Filter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Card.retired.is_(False)]
    if where.decks:
        conditions.append(in_decks(where.decks))
    if where.tags:
        conditions.append(exists().where(CardTag.card_id == Card.id, CardTag.tag.in_(where.tags)))
    return conditions


def _available(store: Store, now: datetime, where: Filter) -> list[ColumnElement[bool]]:
    return [
        *_matching(where),
        CardState.profile_id == store.profile_id,
        CardState.suspended.is_(False),
        or_(CardState.buried_until.is_(None), CardState.buried_until <= now),
    ]


def _entries(store: Store, query: Select[int, str, int, datetime | None]) -> list[QueueEntry]:
    with reading(store.engine) as connection:
        return [
            QueueEntry(card_id=row[0], note=row[1], deck_id=row[2], due=row[3])
            for row in connection.execute(query)
        ]


def _base(store: Store, now: datetime, where: Filter) -> Select[int, str, int, datetime | None]:
    return (
        select(Card.id, Card.note, Card.deck_id, CardState.due)
        .join(CardState, CardState.card_id == Card.id)
        .join(Deck, Deck.id == Card.deck_id)
        .where(*_available(store, now, where))
    )


def scope_of(store: Store, where: Filter) -> Scope:
    """The `gather` scope for a session's filter: its decks (slugs or names) and their
    subdecks in Anki's tree, as ids."""
    if not where.decks:
        return Scope(tags=where.tags)
    query = select(Deck.id).where(in_decks(where.decks))
    with reading(store.engine) as connection:
        ids = tuple(sorted(connection.execute(query).scalars()))
    return Scope(deck_ids=ids, tags=where.tags)


def weakest_reviews(
    store: Store, now: datetime, where: Filter, limit: int | None
) -> list[QueueEntry]:
    """Review cards whether due or not, the least likely to be recalled now first (one per
    entry; equally likely ones in deck order), at most `limit`: what to go over ahead of an
    exam.

    FSRS's retrievability falls as the time since the last review grows against the card's
    stability, whatever the parameters, so ordering by that ratio orders by retrievability.
    """
    last = type_coerce(CardState.last_review, BigInteger)  # milliseconds, not datetimes
    elapsed = literal(to_millis(now), BigInteger) - last
    strain = elapsed * literal(1.0, Float) / func.coalesce(CardState.stability, literal(1e-6))
    ranked = (
        _base(store, now, where)
        .where(CardState.state == REVIEW, CardState.last_review.is_not(None))
        .add_columns(
            strain.label("strain"),
            Card.position.label("position"),
            func.row_number()
            .over(
                partition_by=(Card.deck_id, Card.note),
                order_by=(strain.desc(), Card.position, Card.id),
            )
            .label("rank"),
        )
        .subquery()
    )
    final = (
        select(ranked.c.id, ranked.c.note, ranked.c.deck_id, ranked.c.due)
        .where(ranked.c.rank == 1)
        # Equally weak (answered in the same millisecond, as a script can): in deck order.
        .order_by(ranked.c.strain.desc(), ranked.c.deck_id, ranked.c.position, ranked.c.id)
    )
    if limit is not None:
        final = final.limit(max(limit, 0))
    return _entries(store, final)


def _of_session(store: Store, where: Filter, column: Any) -> Select[Any]:
    """`column` over the session's cards with the profile's states, whatever their state."""
    return (
        select(column)
        .select_from(Card)
        .join(CardState, CardState.card_id == Card.id)
        .join(Deck, Deck.id == Card.deck_id)
        .where(*_matching(where), CardState.profile_id == store.profile_id)
    )


def next_due(store: Store, now: datetime, where: Filter) -> datetime | None:
    """When the next already-seen card falls due after `now`, among the session's cards.

    A buried card counts from when it comes back (the next study day) if it is due before;
    suspended ones do not count.
    """
    back = case(
        (CardState.buried_until > CardState.due, CardState.buried_until), else_=CardState.due
    )
    query = _of_session(store, where, func.min(back)).where(
        CardState.suspended.is_(False), CardState.state != NEW, back > now
    )
    with reading(store.engine) as connection:
        return connection.execute(query).scalar()


def suspended_count(store: Store, where: Filter) -> int:
    """How many of the session's cards the profile has suspended."""
    query = _of_session(store, where, func.count()).where(CardState.suspended.is_(True))
    with reading(store.engine) as connection:
        return int(connection.execute(query).scalar_one())


def deck_spellings(store: Store) -> list[tuple[str, str]]:
    """The slug and the name of every deck in use (not removed)."""
    with reading(store.engine) as connection:
        rows = connection.execute(
            select(Deck.slug, Deck.name).where(Deck.removed_at.is_(None)).order_by(Deck.slug)
        ).all()
    return [(row[0], row[1]) for row in rows]


def tags_in_use(store: Store) -> list[str]:
    """The tags cards in use have (cards that left their deck file, or whose deck was removed,
    keep their tags but count for nothing)."""
    query = (
        select(CardTag.tag)
        .join(Card, Card.id == CardTag.card_id)
        .where(Card.retired.is_(False))
        .distinct()
        .order_by(CardTag.tag)
    )
    with reading(store.engine) as connection:
        return list(connection.execute(query).scalars().all())
