"""Counts of cards per deck: what `decks` and `status` show. One aggregate query each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select

from stalindeck.store.engine import reading
from stalindeck.store.models import (
    LEARNING,
    NEW,
    RELEARNING,
    REVIEW,
    Card,
    CardState,
    Deck,
    Review,
)
from stalindeck.store.open import Store


@dataclass(frozen=True, slots=True)
class DeckCounts:
    """One deck's cards, by what they need from the student today.

    Attributes:
        slug: the deck id.
        name: the deck name.
        total: active cards (retired ones excluded; suspended included).
        new: never-reviewed cards available (not suspended or buried).
        learning: cards in (re)learning whose step is due before the day ends.
        due: review cards due before the day ends.
        suspended: suspended cards.
    """

    slug: str
    name: str
    total: int
    new: int
    learning: int
    due: int
    suspended: int


def deck_counts(store: Store, now: datetime, day_end: datetime) -> list[DeckCounts]:
    """Counts for every deck, ordered by name."""
    available = and_(
        CardState.suspended.is_(False),
        or_(CardState.buried_until.is_(None), CardState.buried_until <= now),
    )

    def count_if(*conditions: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((and_(available, *conditions), 1), else_=0)), 0)

    query = (
        select(
            Deck.slug,
            Deck.name,
            func.count(Card.id),
            count_if(CardState.state == NEW),
            count_if(CardState.state.in_((LEARNING, RELEARNING)), CardState.due < day_end),
            count_if(CardState.state == REVIEW, CardState.due < day_end),
            func.coalesce(func.sum(case((CardState.suspended.is_(True), 1), else_=0)), 0),
        )
        .select_from(Deck)
        .join(Card, and_(Card.deck_id == Deck.id, Card.retired.is_(False)), isouter=True)
        .join(
            CardState,
            and_(CardState.card_id == Card.id, CardState.profile_id == store.profile_id),
            isouter=True,
        )
        .group_by(Deck.id, Deck.slug, Deck.name)
        .order_by(Deck.name)
    )
    with reading(store.engine) as connection:
        return [DeckCounts(*row) for row in connection.execute(query)]


@dataclass(frozen=True, slots=True)
class DoneToday:
    """What the student already did this study day, for the daily limits."""

    new: int
    reviews: int


def done_today(store: Store, day_start: datetime) -> DoneToday:
    """New cards introduced and review cards answered since `day_start`."""
    query = select(
        func.coalesce(func.sum(case((Review.state_before == NEW, 1), else_=0)), 0),
        func.coalesce(func.sum(case((Review.state_before == REVIEW, 1), else_=0)), 0),
    ).where(Review.profile_id == store.profile_id, Review.reviewed_at >= day_start)
    with reading(store.engine) as connection:
        new, reviews = connection.execute(query).one()
    return DoneToday(new=int(new), reviews=int(reviews))


def deck_count(store: Store) -> int:
    """How many decks the store holds."""
    with reading(store.engine) as connection:
        return int(connection.execute(select(func.count(Deck.id))).scalar_one())
