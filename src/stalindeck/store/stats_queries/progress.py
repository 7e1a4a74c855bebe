"""Progress per deck and per tag, for `export progress`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    and_,
    func,
    select,
)

from stalindeck.store.engine import reading
from stalindeck.store.models import (
    NEW,
    REVIEW,
    Card,
    CardState,
    CardTag,
    Deck,
    Review,
)
from stalindeck.store.open import Store
from stalindeck.store.stats_queries.common import (
    DAY_MS,
    MATURE_DAYS,
    PASS_GRADE,
    Curve,
    Scope,
    _cards,
    _count_if,
    _ensure_pow,
    _int,
    _ms,
    retrievability,
)
from stalindeck.store.stats_queries.days import Days, _first_of_day, _since
from stalindeck.store.stats_queries.topics import deck_wide_tags
from stalindeck.store.values import LEECH_TAG


@dataclass(frozen=True, slots=True)
class ProgressRow:
    """One deck's or tag's progress (see `progress`)."""

    kind: str
    name: str
    cards: int
    seen: int
    mature: int
    average_retrievability: float | None
    reviews: int
    retention_passed: int
    retention_total: int
    lapses: int


def progress(
    store: Store, now: datetime, curve: Curve, days: Days, since: int
) -> list[ProgressRow]:
    """Per deck, then per tag: card figures from the states, review counts from the log, and
    true retention from study day `since` to the end of `days`."""
    scope = Scope()
    mature = and_(
        CardState.state == REVIEW,
        _ms(CardState.due) - _ms(CardState.last_review) >= _int(MATURE_DAYS * DAY_MS),
    )
    card_columns = (
        func.count(),
        _count_if(CardState.state != NEW),
        _count_if(mature),
        func.avg(retrievability(now, curve)),
        func.coalesce(func.sum(CardState.lapses), 0),
    )
    by_deck = (
        _cards(store, scope, Deck.slug, *card_columns)
        .join(Deck, Deck.id == Card.deck_id)
        .group_by(Deck.slug)
    )
    by_tag = (
        _cards(store, scope, CardTag.tag, *card_columns)
        .join(CardTag, CardTag.card_id == Card.id)
        .where(CardTag.tag != LEECH_TAG)
        .group_by(CardTag.tag)
    )
    review_count = (
        select(Deck.slug, func.count(Review.id))
        .select_from(Review)
        .join(Card, Card.id == Review.card_id)
        .join(Deck, Deck.id == Card.deck_id)
        .where(Review.profile_id == store.profile_id, Card.retired.is_(False))
        .group_by(Deck.slug)
    )
    tag_review_count = (
        select(CardTag.tag, func.count(Review.id))
        .select_from(Review)
        .join(Card, Card.id == Review.card_id)
        .join(CardTag, CardTag.card_id == Card.id)
        .where(Review.profile_id == store.profile_id, Card.retired.is_(False))
        .group_by(CardTag.tag)
    )
    first = (
        select(Review.card_id.label("card_id"), (Review.grade >= PASS_GRADE).label("passed"))
        .where(*_since(store, scope, days.start(since)), _first_of_day(days.segments()))
        .subquery("first_of_day")
    )
    passed = _count_if(first.c.passed.is_(True))
    deck_retention = (
        select(Deck.slug, passed, func.count())
        .select_from(first)
        .join(Card, Card.id == first.c.card_id)
        .join(Deck, Deck.id == Card.deck_id)
        .where(Card.retired.is_(False))
        .group_by(Deck.slug)
    )
    tag_retention = (
        select(CardTag.tag, passed, func.count())
        .select_from(first)
        .join(Card, Card.id == first.c.card_id)
        .join(CardTag, CardTag.card_id == Card.id)
        .where(Card.retired.is_(False))
        .group_by(CardTag.tag)
    )
    rows: list[ProgressRow] = []
    with reading(store.engine) as connection:
        _ensure_pow(connection)
        for kind, cards_query, reviews_query, retention_query in (
            ("deck", by_deck, review_count, deck_retention),
            ("tag", by_tag, tag_review_count, tag_retention),
        ):
            counts = {name: int(n) for name, n in connection.execute(reviews_query)}
            retention = {
                name: (int(p), int(n)) for name, p, n in connection.execute(retention_query)
            }
            wide = deck_wide_tags(connection) if kind == "tag" else set()
            for name, n, seen, mature_n, r, lapses in connection.execute(cards_query):
                if name in wide:
                    continue
                p, total = retention.get(name, (0, 0))
                rows.append(
                    ProgressRow(
                        kind=kind,
                        name=name,
                        cards=int(n),
                        seen=int(seen),
                        mature=int(mature_n),
                        average_retrievability=None if r is None else float(r),
                        reviews=counts.get(name, 0),
                        retention_passed=p,
                        retention_total=total,
                        lapses=int(lapses),
                    )
                )
    rows.sort(key=lambda row: (row.kind != "deck", row.name))
    return rows
