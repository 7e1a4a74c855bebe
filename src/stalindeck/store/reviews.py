"""The review session's other writes: undoing an answer, suspending, burying. Each is one short
BEGIN IMMEDIATE transaction. Recording an answer is on the hot path: see `answer_path`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, update

from stalindeck.scheduling.fsrs_bridge import Memory
from stalindeck.store.answer_path import LEECH_LAPSES, LEECH_TAG, Recorded
from stalindeck.store.engine import writing
from stalindeck.store.models import NEW, CardState, CardTag, Review
from stalindeck.store.open import Store

__all__ = ["LEECH_LAPSES", "LEECH_TAG", "reset_cards", "set_buried", "set_suspended", "undo_answer"]


def _state_values(memory: Memory) -> dict[str, object]:
    # The stored state's columns are named as Memory's fields.
    return dict(memory._asdict())


def _card_state(store: Store, card_id: int) -> object:
    return and_(CardState.profile_id == store.profile_id, CardState.card_id == card_id)


def undo_answer(store: Store, card_id: int, recorded: Recorded, before: Memory) -> None:
    """Remove the review row and put the card, its siblings and its tags back as they were."""
    with writing(store.engine) as connection:
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


def set_suspended(store: Store, card_ids: Sequence[int], value: bool) -> int:
    """Suspend or unsuspend cards for the current profile; how many changed (the others were
    so already)."""
    with writing(store.engine) as connection:
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
    with writing(store.engine) as connection:
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
