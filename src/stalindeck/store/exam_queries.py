"""The SQL behind `exam`: every unsuspended card in scope with its memory, in the order new
cards are introduced, and the topics (tags) of those cards."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import and_

from stalindeck.scheduling.fsrs_bridge import Memory
from stalindeck.store.engine import reading
from stalindeck.store.models import Card, CardState, CardTag, Deck, from_millis
from stalindeck.store.open import Store
from stalindeck.store.reviews import LEECH_TAG
from stalindeck.store.stats_queries import Scope, deck_wide_tags
from stalindeck.store.stats_queries.common import _cards, _ms


class ExamCardRow(NamedTuple):
    """One card the exam forecast is about (a named tuple: 100,000 of them are built per
    forecast, and a frozen dataclass costs several times as much to build).

    Attributes:
        card_id: the card's row id.
        deck: the deck's slug.
        section: the card's section in its deck ("" when it has none).
        tags: its topics (the `leech` mark left out, as in `stats`).
        state, step, stability, difficulty: its FSRS state for the store's profile.
        due_ms, last_review_ms: its due time and last review, in epoch ms (kept raw: the
            forecast only subtracts them, and 100,000 datetimes cost more than the query).
    """

    card_id: int
    deck: str
    section: str
    tags: tuple[str, ...]
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due_ms: int | None
    last_review_ms: int | None

    def memory(self) -> Memory:
        """The card's state as the scheduler bridge takes it."""
        return Memory(
            state=self.state,
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=None if self.due_ms is None else from_millis(self.due_ms),
            last_review=None if self.last_review_ms is None else from_millis(self.last_review_ms),
            reps=0,
            lapses=0,
        )


def exam_cards(store: Store, scope: Scope) -> list[ExamCardRow]:
    """Unsuspended cards in `scope`, in deck order (deck name, position in the file): the order
    in which the review queue introduces new cards."""
    # The topics come in the same query, a row per card and tag (one for a card with none),
    # through the tags' primary key: one fetch, no table of 100,000 cards' tags to build
    # and look up afterwards.
    topic = and_(CardTag.card_id == Card.id, CardTag.tag != LEECH_TAG)
    query = (
        _cards(
            store,
            scope,
            Card.id,
            Deck.slug,
            Card.section,
            CardState.state,
            CardState.step,
            CardState.stability,
            CardState.difficulty,
            _ms(CardState.due),
            _ms(CardState.last_review),
            CardTag.tag,
        )
        .join(Deck, Deck.id == Card.deck_id)
        .outerjoin(CardTag, topic)
        .where(CardState.suspended.is_(False))
        .order_by(Deck.name, Card.position, Card.id, CardTag.tag)
    )
    with reading(store.engine) as connection:
        wide = deck_wide_tags(connection)  # no topics
        found = connection.execute(query).all()  # one fetch, not a call per row
    none: tuple[str, ...] = ()
    rows: list[ExamCardRow] = []
    append = rows.append
    last_id = None
    for card_id, slug, section, state, step, stability, difficulty, due_ms, last_ms, tag in found:
        if card_id == last_id:  # another topic of the card before (rows come card by card)
            if tag not in wide:
                rows[-1] = rows[-1]._replace(tags=(*rows[-1].tags, tag))
            continue
        last_id = card_id
        tags = none if tag is None or tag in wide else (tag,)
        append(
            ExamCardRow(card_id, slug, section, tags, state, step, stability, difficulty,
                        due_ms, last_ms)
        )  # fmt: skip
    return rows
