"""Rows for the `export cards` and `export reviews` commands, streamed from the store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from stalindeck.store.engine import reading
from stalindeck.store.models import STATE_NAMES, Card, CardState, Deck, Review
from stalindeck.store.open import Store

CARD_COLUMNS = (
    "card_id",
    "deck",
    "tags",
    "front",
    "back",
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "suspended",
)
REVIEW_COLUMNS = (
    "card_id",
    "deck",
    "grade",
    "reviewed_at",
    "duration_ms",
    "state_before",
    "state_after",
    "stability",
    "difficulty",
    "elapsed_days",
)


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def card_rows(store: Store) -> Iterator[dict[str, Any]]:
    """One row per active card, with its scheduling state for the current profile."""
    query = (
        select(
            Deck.slug,
            Card.key,
            Card.tags,
            Card.front,
            Card.back,
            CardState.state,
            CardState.step,
            CardState.stability,
            CardState.difficulty,
            CardState.due,
            CardState.last_review,
            CardState.reps,
            CardState.lapses,
            CardState.suspended,
        )
        .join(Deck, Deck.id == Card.deck_id)
        .join(CardState, CardState.card_id == Card.id)
        .where(CardState.profile_id == store.profile_id, Card.retired.is_(False))
        .order_by(Deck.slug, Card.position, Card.id)
    )
    with reading(store.engine) as connection:
        for row in connection.execute(query):
            yield {
                "card_id": f"{row.slug}/{row.key}",
                "deck": row.slug,
                "tags": row.tags.split(),
                "front": row.front,
                "back": row.back,
                "state": STATE_NAMES[row.state],
                "step": row.step,
                "stability": row.stability,
                "difficulty": row.difficulty,
                "due": _iso(row.due),
                "last_review": _iso(row.last_review),
                "reps": row.reps,
                "lapses": row.lapses,
                "suspended": bool(row.suspended),
            }


def review_rows(store: Store) -> Iterator[dict[str, Any]]:
    """One row per review of the current profile, oldest first."""
    query = (
        select(
            Deck.slug,
            Card.key,
            Review.grade,
            Review.reviewed_at,
            Review.duration_ms,
            Review.state_before,
            Review.state_after,
            Review.stability_after,
            Review.difficulty_after,
            Review.elapsed_days,
        )
        .join(Card, Card.id == Review.card_id)
        .join(Deck, Deck.id == Card.deck_id)
        .where(Review.profile_id == store.profile_id)
        .order_by(Review.reviewed_at, Review.id)
    )
    with reading(store.engine) as connection:
        for row in connection.execute(query):
            yield {
                "card_id": f"{row.slug}/{row.key}",
                "deck": row.slug,
                "grade": row.grade,
                "reviewed_at": _iso(row.reviewed_at),
                "duration_ms": row.duration_ms,
                "state_before": STATE_NAMES[row.state_before],
                "state_after": STATE_NAMES[row.state_after],
                "stability": row.stability_after,
                "difficulty": row.difficulty_after,
                "elapsed_days": row.elapsed_days,
            }
