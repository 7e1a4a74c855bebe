"""The review session's other writes: undoing an answer, suspending, burying, the typed answers
a student accepted. Each is one short BEGIN IMMEDIATE transaction. Recording an answer is on
the hot path: see `answer_path`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Delete, and_, delete, select, update

from stalindeck.scheduling.fsrs_bridge import Memory
from stalindeck.store.answer_path import Recorded
from stalindeck.store.engine import reading, writing
from stalindeck.store.models import NEW, AcceptedAnswer, CardState, CardTag, Review
from stalindeck.store.open import Store
from stalindeck.store.values import LEECH_LAPSES, LEECH_TAG

__all__ = [
    "LEECH_LAPSES",
    "LEECH_TAG",
    "accepted_answers",
    "forget_accepted",
    "reset_cards",
    "set_buried",
    "set_suspended",
    "undo_answer",
]


def _state_values(memory: Memory) -> dict[str, object]:
    # The stored state's columns are named as Memory's fields.
    return dict(memory._asdict())


def _card_state(store: Store, card_id: int) -> object:
    return and_(CardState.profile_id == store.profile_id, CardState.card_id == card_id)


def undo_answer(store: Store, card_id: int, recorded: Recorded, before: Memory) -> None:
    """Remove the review row and put the card, its siblings and its tags back as they were."""
    with writing(store.engine, store.profile_id) as connection:
        connection.execute(delete(Review).where(Review.id == recorded.review_id))
        connection.execute(
            update(CardState)
            .where(_card_state(store, card_id))  # type: ignore[arg-type]
            .values(**_state_values(before))
        )
        for sibling, previous in recorded.buried:
            connection.execute(
                update(CardState)
                .where(_card_state(store, sibling))  # type: ignore[arg-type]
                .values(buried_until=previous)
            )
        if recorded.leech_tagged:
            connection.execute(
                delete(CardTag).where(CardTag.card_id == card_id, CardTag.tag == LEECH_TAG)
            )
        if recorded.accepted is not None:
            connection.execute(_own(store, card_id, recorded.accepted))


def _own(store: Store, card_id: int, answer: str) -> Delete:
    return delete(AcceptedAnswer).where(
        AcceptedAnswer.profile_id == store.profile_id,
        AcceptedAnswer.card_id == card_id,
        AcceptedAnswer.answer == answer,
    )


def accepted_answers(
    store: Store, card_ids: Sequence[int] | None = None
) -> dict[int, tuple[str, ...]]:
    """The typed answers the profile accepted as right, by card (of `card_ids`, or all), each
    card's in the order they were accepted."""
    query = (
        select(AcceptedAnswer.card_id, AcceptedAnswer.answer)
        .where(AcceptedAnswer.profile_id == store.profile_id)
        .order_by(AcceptedAnswer.card_id, AcceptedAnswer.created_at, AcceptedAnswer.answer)
    )
    if card_ids is not None:
        query = query.where(AcceptedAnswer.card_id.in_(card_ids))
    found: dict[int, tuple[str, ...]] = {}
    with reading(store.engine) as connection:
        for card_id, answer in connection.execute(query):
            found[card_id] = (*found.get(card_id, ()), answer)
    return found


def forget_accepted(store: Store, card_id: int, answer: str) -> bool:
    """Stop accepting `answer` for the card; False if it was not one the profile accepted."""
    with writing(store.engine, store.profile_id) as connection:
        return bool(connection.execute(_own(store, card_id, answer)).rowcount)


def set_suspended(store: Store, card_ids: Sequence[int], value: bool) -> int:
    """Suspend or unsuspend cards for the current profile; how many changed (the others were
    so already)."""
    with writing(store.engine, store.profile_id) as connection:
        result = connection.execute(
            update(CardState)
            .where(
                CardState.profile_id == store.profile_id,
                CardState.card_id.in_(card_ids),
                CardState.suspended.is_not(value),
            )
            .values(suspended=value)
        )
    return int(result.rowcount)


def set_buried(store: Store, card_id: int, until: datetime | None) -> None:
    """Bury a card until `until` (None: unbury it)."""
    with writing(store.engine, store.profile_id) as connection:
        connection.execute(
            update(CardState)
            .where(_card_state(store, card_id))  # type: ignore[arg-type]
            .values(buried_until=until)
        )


def reset_cards(store: Store, card_ids: Sequence[int]) -> None:
    """Put cards back to new for the current profile: state 0, FSRS fields cleared, reps and
    lapses 0, unburied, and the ``leech`` tag removed. Suspension and the review log are kept."""
    with writing(store.engine) as connection:
        connection.execute(
            update(CardState)
            .where(CardState.profile_id == store.profile_id, CardState.card_id.in_(card_ids))
            .values(
                state=NEW,
                step=None,
                stability=None,
                difficulty=None,
                due=None,
                last_review=None,
                reps=0,
                lapses=0,
                buried_until=None,
            )
        )
        connection.execute(
            delete(CardTag).where(CardTag.card_id.in_(card_ids), CardTag.tag == LEECH_TAG)
        )
