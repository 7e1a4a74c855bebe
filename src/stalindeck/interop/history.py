"""Imported review history: each card's answers replayed through FSRS to rebuild its state.

Anki's own scheduling fields (SM-2 ease and intervals) are not carried over: replaying the
answers through the same arithmetic stalindeck reviews with (`scheduling.outcomes`, elapsed
time in study days) gives states consistent with everything that follows. The replay is exact;
only the last answer's interval is fuzzed, as a review here would be, so cards answered alike on
one day do not all fall due on one day.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection

from stalindeck.decks.foreign import CardHistory
from stalindeck.scheduling.fsrs_bridge import Memory, make_scheduler
from stalindeck.scheduling.outcomes import Outcomes
from stalindeck.store import interop_queries
from stalindeck.store.models import NEW
from stalindeck.store.open import Store

_FRESH = Memory(NEW, None, None, None, None, None, 0, 0)


def history_writer(
    store: Store, history: Sequence[CardHistory], on_history: Callable[[int], None] | None
) -> Callable[[Connection], None]:
    """What to run inside the import transaction once the cards exist.

    Cards that already have reviews for the current profile keep them: their history is not
    imported again (so importing the same package twice adds nothing). The others are suspended
    if they were where the history comes from (a suspension is never lifted here).
    """

    from stalindeck.scheduling.settings import load_settings

    # The profile's own parameters and steps, as its reviews will be scheduled from now on.
    settings = load_settings(store)
    exact, last = settings.scheduler(enable_fuzzing=False), settings.scheduler()

    def write(connection: Connection) -> None:
        ids = interop_queries.card_ids_by_key(connection, ((h.deck, h.key) for h in history))
        done = interop_queries.reviewed_cards(connection, store.profile_id, ids.values())
        hour = settings.rollover_hour
        scheduler = Outcomes(make_scheduler(exact), hour)
        final = Outcomes(make_scheduler(last), hour)
        reviews: list[dict[str, Any]] = []
        states: list[dict[str, Any]] = []
        suspended: list[dict[str, Any]] = []
        for item in history:
            card_id = ids.get((item.deck, item.key))
            if card_id is None or card_id in done:
                continue
            done.add(card_id)
            if item.suspended:
                suspended.append({"state_card": card_id, "suspended": True})
            if item.reviews:
                memory = replay(scheduler, card_id, item, reviews, final)
                states.append({"state_card": card_id, **memory._asdict()})
        interop_queries.write_history(connection, store.profile_id, reviews, states)
        interop_queries.write_history(connection, store.profile_id, [], suspended)
        if on_history is not None:
            on_history(len(reviews))

    return write


def replay(
    scheduler: Outcomes,
    card_id: int,
    item: CardHistory,
    rows: list[dict[str, Any]],
    final: Outcomes | None = None,
) -> Memory:
    """Answer a new card as the log says, appending one review row per answer to `rows`;
    the last answer through `final` (the profile's fuzz) when given."""
    memory = _FRESH
    answers = sorted(item.reviews, key=lambda review: review[0])
    for index, (when, grade, spent) in enumerate(answers):
        by = final if final is not None and index == len(answers) - 1 else scheduler
        after = by(memory, when)[grade]
        rows.append(
            {
                "card_id": card_id,
                "grade": grade,
                "reviewed_at": when,
                "duration_ms": spent,
                "elapsed_days": (
                    (when - memory.last_review).total_seconds() / 86400
                    if memory.last_review
                    else None
                ),
                "state_before": memory.state,
                "step_before": memory.step,
                "stability_before": memory.stability,
                "difficulty_before": memory.difficulty,
                "due_before": memory.due,
                "last_review_before": memory.last_review,
                "state_after": after.state,
                "step_after": after.step,
                "stability_after": after.stability,
                "difficulty_after": after.difficulty,
                "due_after": after.due,
            }
        )
        memory = after
    return memory
