"""Per tag: mastery and retrievability; recall on a given day."""

from __future__ import annotations

from collections.abc import Sequence
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
from stalindeck.store.stats_queries.common import (
    Curve,
    Scope,
    _cards,
    _ensure_pow,
    from_units,
    r_units,
    retrievability,
)
from stalindeck.store.values import LEECH_TAG


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
    found = recall_by_profile(store, scope, at, curve, [store.profile_id])
    return found.get(store.profile_id, (0, 0.0))


def recall_by_profile(
    store: Store, scope: Scope, at: datetime, curve: Curve, profiles: Sequence[int]
) -> dict[int, tuple[int, float]]:
    """`recall_at` for each of `profiles` at once (a profile without cards is left out)."""
    query = (
        _cards(
            store,
            scope,
            CardState.profile_id,
            func.count(),
            func.sum(r_units(retrievability(at, curve))),
            profiles=profiles,
        )
        .where(CardState.suspended.is_(False))
        .group_by(CardState.profile_id)
    )
    with reading(store.engine) as connection:
        _ensure_pow(connection)
        return {
            int(profile): (int(cards), from_units(total))
            for profile, cards, total in connection.execute(query)
        }


def topics(store: Store, scope: Scope, now: datetime, curve: Curve) -> list[TopicRow]:
    """Per tag (``leech`` left out): cards, seen, mean current retrievability of the seen ones,
    lapses, and mastery (the share of the tag's cards you would recall now: unseen count 0);
    weakest first."""
    return topics_by_profile(store, scope, now, curve, [store.profile_id]).get(store.profile_id, [])


def topics_by_profile(
    store: Store, scope: Scope, now: datetime, curve: Curve, profiles: Sequence[int]
) -> dict[int, list[TopicRow]]:
    """`topics` for each of `profiles` at once, in one query."""
    # Each card's figures first, in table order (materialized: SQLite would otherwise walk
    # the tag index and fetch every card at random), then grouped by tag.
    r = retrievability(now, curve)
    per_card = (
        _cards(
            store,
            scope,
            CardState.profile_id.label("profile_id"),
            Card.id.label("card_id"),
            case((CardState.state != NEW, 1), else_=0).label("seen"),
            r_units(r).label("r_units"),
            CardState.lapses.label("lapses"),
            profiles=profiles,
        )
        .cte("per_card")
        .prefix_with("MATERIALIZED")
    )
    c = per_card.c
    query = (
        select(
            c.profile_id,
            CardTag.tag,
            func.count(),
            func.coalesce(func.sum(c.seen), 0),
            func.count(c.r_units),
            func.sum(c.r_units),
            func.coalesce(func.sum(c.lapses), 0),
        )
        .select_from(per_card)
        .join(CardTag, CardTag.card_id == c.card_id)
        .where(CardTag.tag != LEECH_TAG)
        .group_by(c.profile_id, CardTag.tag)
    )
    found: dict[int, list[TopicRow]] = {}
    with reading(store.engine) as connection:
        _ensure_pow(connection)
        wide = deck_wide_tags(connection)
        for profile, tag, n, seen, rated, total, lapses in connection.execute(query):
            if tag in wide:
                continue
            known = from_units(total)
            found.setdefault(int(profile), []).append(
                TopicRow(
                    tag,
                    int(n),
                    int(seen),
                    known / int(rated) if rated else None,
                    int(lapses),
                    known / int(n),
                )
            )
    for rows in found.values():
        rows.sort(key=lambda row: (row.mastery, row.tag))
    return found


def deck_wide_tags(connection: Connection) -> set[str]:
    """Tags a deck gives every card of its own (an exam code, say): no topic, so left out of
    the per-topic figures, as the review screen leaves them out of its header."""
    rows = connection.execute(select(Deck.tags).where(Deck.removed_at.is_(None)))
    return {tag for (tags,) in rows for tag in tags.split()}
