"""Per tag: mastery and retrievability; recall on a given day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Connection,
    case,
    func,
    select,
)

from stalindeck.store.engine import reading
from stalindeck.store.models import (
    NEW,
    Card,
    CardState,
    CardTag,
    Deck,
)
from stalindeck.store.open import Store
from stalindeck.store.reviews import LEECH_TAG
from stalindeck.store.stats_queries.common import (
    Curve,
    Scope,
    _cards,
    _ensure_pow,
    retrievability,
)


@dataclass(frozen=True, slots=True)
class TopicRow:
    tag: str
    cards: int
    seen: int
    average_retrievability: float | None
    lapses: int
    mastery: float  # the sum of current retrievability over all the tag's cards, per card


def recall_at(store: Store, scope: Scope, at: datetime, curve: Curve) -> tuple[int, float]:
    """The unsuspended cards in `scope`, and the sum of their retrievability at `at` if none
    were reviewed again (cards never reviewed count 0)."""
    query = _cards(
        store, scope, func.count(), func.coalesce(func.sum(retrievability(at, curve)), 0.0)
    ).where(CardState.suspended.is_(False))
    with reading(store.engine) as connection:
        _ensure_pow(connection)
        cards, total = connection.execute(query).one()
    return int(cards), float(total)


def topics(store: Store, scope: Scope, now: datetime, curve: Curve) -> list[TopicRow]:
    """Per tag (``leech`` left out): cards, seen, mean current retrievability of the seen ones,
    lapses, and mastery (the share of the tag's cards you would recall now: unseen count 0);
    weakest first."""
    # Each card's figures first, in table order (materialized: SQLite would otherwise walk
    # the tag index and fetch every card at random), then grouped by tag.
    per_card = (
        _cards(
            store,
            scope,
            Card.id.label("card_id"),
            case((CardState.state != NEW, 1), else_=0).label("seen"),
            retrievability(now, curve).label("r"),
            CardState.lapses.label("lapses"),
        )
        .cte("per_card")
        .prefix_with("MATERIALIZED")
    )
    mastery = func.coalesce(func.sum(per_card.c.r), 0.0) / func.count()
    query = (
        select(
            CardTag.tag,
            func.count(),
            func.coalesce(func.sum(per_card.c.seen), 0),
            func.avg(per_card.c.r),
            func.coalesce(func.sum(per_card.c.lapses), 0),
            mastery,
        )
        .select_from(per_card)
        .join(CardTag, CardTag.card_id == per_card.c.card_id)
        .where(CardTag.tag != LEECH_TAG)
        .group_by(CardTag.tag)
        .order_by(mastery, CardTag.tag)
    )
    with reading(store.engine) as connection:
        _ensure_pow(connection)
        wide = deck_wide_tags(connection)
        return [
            TopicRow(
                tag, int(n), int(s), None if r is None else float(r), int(lapses), float(known)
            )
            for tag, n, s, r, lapses, known in connection.execute(query)
            if tag not in wide
        ]


def deck_wide_tags(connection: Connection) -> set[str]:
    """Tags a deck gives every card of its own (an exam code, say): no topic, so left out of
    the per-topic figures, as the review screen leaves them out of its header."""
    rows = connection.execute(select(Deck.tags).where(Deck.removed_at.is_(None)))
    return {tag for (tags,) in rows for tag in tags.split()}
