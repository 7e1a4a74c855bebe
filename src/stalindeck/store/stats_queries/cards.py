"""Single cards: the hardest, the cards browser, one card with its history and text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    and_,
    func,
    or_,
    select,
)

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
from stalindeck.store.stats_queries.common import (
    Curve,
    Scope,
    _cards,
    _ensure_pow,
    _ms,
    retrievability,
)
from stalindeck.store.values import LEECH_LAPSES


@dataclass(frozen=True, slots=True)
class CardRow:
    """A card as the `cards` table and the hardest-cards list show it."""

    card_id: int
    ident: str
    deck: str
    front: str
    tags: str
    state: int
    suspended: bool
    buried: bool
    due: datetime | None
    stability: float | None
    difficulty: float | None
    retrievability: float | None
    reps: int
    lapses: int


def _card_row_columns(now: datetime, curve: Curve) -> list[Any]:
    return [
        Card.id,
        Deck.slug,
        Card.key,
        Card.front,
        Card.tags,
        CardState.state,
        CardState.suspended,
        and_(CardState.buried_until.is_not(None), CardState.buried_until > now),
        CardState.due,
        CardState.stability,
        CardState.difficulty,
        retrievability(now, curve),
        CardState.reps,
        CardState.lapses,
    ]


def _card_row(row: Any) -> CardRow:
    (card_id, slug, key, front, tags, state, suspended, buried, due, s, d, r, reps, lapses) = row
    return CardRow(
        card_id=card_id,
        ident=f"{slug}/{key}",
        deck=slug,
        front=front,
        tags=tags,
        state=state,
        suspended=bool(suspended),
        buried=bool(buried),
        due=due,
        stability=s,
        difficulty=d,
        retrievability=None if r is None else float(r),
        reps=reps,
        lapses=lapses,
    )


def hardest(
    store: Store, scope: Scope, now: datetime, curve: Curve, limit: int
) -> tuple[list[CardRow], int]:
    """The cards with most lapses (at least one), and how many are leeches."""
    query = (
        _cards(store, scope, *_card_row_columns(now, curve))
        .join(Deck, Deck.id == Card.deck_id)
        .where(CardState.lapses > 0)
        .order_by(CardState.lapses.desc(), Deck.slug, Card.position, Card.id)
        .limit(limit)
    )
    leeches = _cards(store, scope, func.count()).where(CardState.lapses >= LEECH_LAPSES)
    with reading(store.engine) as connection:
        _ensure_pow(connection)
        rows = [_card_row(row) for row in connection.execute(query)]
        count = int(connection.execute(leeches).scalar_one())
    return rows, count


# -- the cards browser --------------------------------------------------------------------------

CARD_STATES = ("new", "learning", "review", "suspended", "buried", "leech")
CARD_SORTS = ("due", "retrievability", "lapses", "deck")


def find_cards(
    store: Store,
    scope: Scope,
    now: datetime,
    curve: Curve,
    *,
    state: str | None = None,
    search: str | None = None,
    sort: str = "deck",
    limit: int | None = None,
) -> tuple[list[CardRow], int]:
    """Cards matching the filters, sorted, at most `limit`; and how many match in all.

    `state`: ``new``, ``learning`` (relearning included), ``review``, ``suspended``, ``buried``
    or ``leech`` (lapses ≥ 8). `search`: case-insensitive text in the front, back or key.
    """
    conditions: list[ColumnElement[bool]] = []
    if state == "new":
        conditions.append(CardState.state == NEW)
    elif state == "learning":
        conditions.append(CardState.state.in_((LEARNING, RELEARNING)))
    elif state == "review":
        conditions.append(CardState.state == REVIEW)
    elif state == "suspended":
        conditions.append(CardState.suspended.is_(True))
    elif state == "buried":
        conditions.append(and_(CardState.buried_until.is_not(None), CardState.buried_until > now))
    elif state == "leech":
        conditions.append(CardState.lapses >= LEECH_LAPSES)
    elif state is not None:
        raise ValueError(f"unknown state {state!r}")
    if search:
        needle = search.lower()
        conditions.append(
            or_(
                *(
                    func.lower(column).contains(needle, autoescape=True)
                    for column in (Card.front, Card.back, Card.key)
                )
            )
        )
    r = retrievability(now, curve)
    orders: dict[str, list[Any]] = {
        "due": [CardState.due.is_(None), CardState.due],
        "retrievability": [r.is_(None), r],
        "lapses": [CardState.lapses.desc()],
        "deck": [],
    }
    if sort not in orders:
        raise ValueError(f"unknown sort {sort!r}")
    query = (
        _cards(store, scope, *_card_row_columns(now, curve))
        .join(Deck, Deck.id == Card.deck_id)
        .where(*conditions)
        .order_by(*orders[sort], Deck.slug, Card.position, Card.id)
    )
    if limit is not None:
        query = query.limit(limit)
    total = (
        _cards(store, scope, func.count()).join(Deck, Deck.id == Card.deck_id).where(*conditions)
    )
    with reading(store.engine) as connection:
        _ensure_pow(connection)
        rows = [_card_row(row) for row in connection.execute(query)]
        count = int(connection.execute(total).scalar_one())
    return rows, count


def resolve_idents(
    store: Store, idents: Sequence[str]
) -> tuple[dict[str, int], list[str], list[str]]:
    """Card ids for ``deck-slug/card-key`` identifiers (as `export cards` writes them); the
    identifiers of retired cards (gone from their deck file); and those that name no card."""
    pairs = {ident: ident.partition("/") for ident in idents}
    wanted = [(slug, key) for slug, sep, key in pairs.values() if sep and slug and key]
    found: dict[tuple[str, str], tuple[int, bool]] = {}
    if wanted:
        query = (
            select(Deck.slug, Card.key, Card.id, Card.retired)
            .join(Deck, Deck.id == Card.deck_id)
            .where(or_(*(and_(Deck.slug == slug, Card.key == key) for slug, key in wanted)))
        )
        with reading(store.engine) as connection:
            found = {
                (slug, key): (card_id, bool(retired))
                for slug, key, card_id, retired in connection.execute(query)
            }
    known: dict[str, int] = {}
    retired: list[str] = []
    unknown: list[str] = []
    for ident, (slug, _sep, key) in pairs.items():
        card = found.get((slug, key))
        if card is None:
            unknown.append(ident)
        elif card[1]:
            retired.append(ident)
        else:
            known[ident] = card[0]
    return known, retired, unknown


def live_card_ids(store: Store) -> list[tuple[str, str]]:
    """The deck slug and card key of every card in use (not retired, deck not removed)."""
    query = (
        select(Deck.slug, Card.key)
        .join(Deck, Deck.id == Card.deck_id)
        .where(Card.retired.is_(False), Deck.removed_at.is_(None))
        .order_by(Deck.slug, Card.key)
    )
    with reading(store.engine) as connection:
        return [(row[0], row[1]) for row in connection.execute(query)]


@dataclass(frozen=True, slots=True)
class HistoryRow:
    reviewed_at: datetime
    grade: int
    state_before: int
    state_after: int
    interval_ms: int
    stability: float | None
    difficulty: float | None
    duration_ms: int


def card_history(store: Store, card_id: int) -> list[HistoryRow]:
    """Every review of one card by the current profile, oldest first."""
    query = (
        select(
            Review.reviewed_at,
            Review.grade,
            Review.state_before,
            Review.state_after,
            _ms(Review.due_after) - _ms(Review.reviewed_at),
            Review.stability_after,
            Review.difficulty_after,
            Review.duration_ms,
        )
        .where(Review.card_id == card_id, Review.profile_id == store.profile_id)
        .order_by(Review.reviewed_at, Review.id)
    )
    with reading(store.engine) as connection:
        return [HistoryRow(*row) for row in connection.execute(query)]


def card_by_id(store: Store, card_id: int, now: datetime, curve: Curve) -> CardRow | None:
    """One card with its current state and retrievability."""
    query = (
        select(*_card_row_columns(now, curve))
        .select_from(Card)
        .join(CardState, CardState.card_id == Card.id)
        .join(Deck, Deck.id == Card.deck_id)
        .where(Card.id == card_id, CardState.profile_id == store.profile_id)
    )
    with reading(store.engine) as connection:
        _ensure_pow(connection)
        row = connection.execute(query).first()
    return None if row is None else _card_row(row)


class CardText(NamedTuple):
    """What `card` shows of a card beyond its row in `cards`, and its last review."""

    back: str
    extra: str
    answer: str | None  # what a typed answer is checked against
    accept: tuple[str, ...]  # the deck's other answers that count as right
    last_review: datetime | None


def card_text_and_last_review(store: Store, card_id: int) -> CardText:
    """The back, extra line and typed answer of a card, and when the current profile last
    reviewed it."""
    query = (
        select(Card.back, Card.extra, Card.answer, Card.accept, CardState.last_review)
        .join(CardState, CardState.card_id == Card.id)
        .where(Card.id == card_id, CardState.profile_id == store.profile_id)
    )
    with reading(store.engine) as connection:
        back, extra, answer, accept, last_review = connection.execute(query).one()
    return CardText(back, extra, answer, tuple(json.loads(accept)), last_review)
