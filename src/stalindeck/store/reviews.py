"""Writing answers: each one is a short BEGIN IMMEDIATE transaction, committed before the next
card is drawn, so a crash or a closed terminal never loses a grade already given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from stalindeck.scheduling.fsrs_bridge import Memory
from stalindeck.store.engine import writing
from stalindeck.store.models import NEW, REVIEW, CardState, Review
from stalindeck.store.open import Store

Buried = tuple[tuple[int, datetime | None], ...]


@dataclass(frozen=True, slots=True)
class Recorded:
    """What an answer wrote, kept so it can be undone exactly."""

    review_id: int
    buried: Buried  # siblings buried by this answer, with what they had before


def _state_values(memory: Memory) -> dict[str, object]:
    return {
        "state": memory.state,
        "step": memory.step,
        "stability": memory.stability,
        "difficulty": memory.difficulty,
        "due": memory.due,
        "last_review": memory.last_review,
        "reps": memory.reps,
        "lapses": memory.lapses,
    }


def _card_state(store: Store, card_id: int) -> object:
    return and_(CardState.profile_id == store.profile_id, CardState.card_id == card_id)


def record_answer(
    store: Store,
    card_id: int,
    grade: int,
    reviewed_at: datetime,
    duration_ms: int,
    before: Memory,
    after: Memory,
    siblings: Sequence[int],
    bury_until: datetime,
) -> Recorded:
    """Append the review, store the new state and bury new/review siblings, atomically."""
    elapsed = (
        (reviewed_at - before.last_review).total_seconds() / 86400 if before.last_review else None
    )
    with writing(store.engine) as connection:
        review_id = connection.execute(
            insert(Review)
            .values(
                card_id=card_id,
                profile_id=store.profile_id,
                grade=grade,
                reviewed_at=reviewed_at,
                duration_ms=duration_ms,
                elapsed_days=elapsed,
                state_before=before.state,
                step_before=before.step,
                stability_before=before.stability,
                difficulty_before=before.difficulty,
                due_before=before.due,
                last_review_before=before.last_review,
                state_after=after.state,
                step_after=after.step,
                stability_after=after.stability,
                difficulty_after=after.difficulty,
                due_after=after.due,
            )
            .returning(Review.id)
        ).scalar_one()
        connection.execute(
            update(CardState)
            .where(_card_state(store, card_id))  # type: ignore[arg-type]
            .values(**_state_values(after), buried_until=None)
        )
        buried = _bury(connection, store, siblings, bury_until) if siblings else ()
    return Recorded(review_id=int(review_id), buried=buried)


def _bury(connection: Connection, store: Store, card_ids: Sequence[int], until: datetime) -> Buried:
    rows = connection.execute(
        select(CardState.card_id, CardState.buried_until).where(
            CardState.profile_id == store.profile_id,
            CardState.card_id.in_(card_ids),
            CardState.state.in_((NEW, REVIEW)),
            or_(CardState.buried_until.is_(None), CardState.buried_until < until),
        )
    ).all()
    if rows:
        connection.execute(
            update(CardState)
            .where(
                CardState.profile_id == store.profile_id,
                CardState.card_id.in_([row.card_id for row in rows]),
            )
            .values(buried_until=until)
        )
    return tuple((row.card_id, row.buried_until) for row in rows)


def undo_answer(store: Store, card_id: int, recorded: Recorded, before: Memory) -> None:
    """Remove the review row and put the card and its siblings back as they were."""
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


def set_suspended(store: Store, card_ids: Sequence[int], value: bool) -> None:
    """Suspend or unsuspend cards for the current profile."""
    with writing(store.engine) as connection:
        connection.execute(
            update(CardState)
            .where(CardState.profile_id == store.profile_id, CardState.card_id.in_(card_ids))
            .values(suspended=value)
        )


def set_buried(store: Store, card_id: int, until: datetime | None) -> None:
    """Bury a card until `until` (None: unbury it)."""
    with writing(store.engine) as connection:
        connection.execute(
            update(CardState)
            .where(_card_state(store, card_id))  # type: ignore[arg-type]
            .values(buried_until=until)
        )
