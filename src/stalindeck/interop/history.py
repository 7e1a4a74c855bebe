"""Imported review history: each card's answers replayed through FSRS to rebuild its state.

Anki's own memory fields (SM-2 ease, its FSRS state) are not carried over: replaying the
answers through the same arithmetic stalindeck reviews with (`scheduling.outcomes`, elapsed
time in study days) gives states consistent with everything that follows. The due date is
Anki's, as Anki itself keeps due dates when FSRS is switched on (a card Anki has due in 3 days
is not moved to the replay's 7); only a card the package does not date gets the replay's own,
its last interval fuzzed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from stalindeck.decks.foreign import CardHistory
from stalindeck.scheduling.fsrs_bridge import Memory, make_scheduler
from stalindeck.scheduling.outcomes import Outcomes
from stalindeck.store import interop_queries
from stalindeck.store.models import LEARNING, NEW, RELEARNING, REVIEW
from stalindeck.store.open import Store

_FRESH = Memory(NEW, None, None, None, None, None, 0, 0)


def history_writer(
    store: Store,
    history: Sequence[CardHistory],
    on_history: Callable[[int], None] | None,
    on_kept: Callable[[int], None] | None = None,
) -> Callable[[Connection], None]:
    """What to run inside the import transaction once the cards exist.

    Cards that already have reviews for the current profile keep them: their history is not
    imported again (so importing the same package twice adds nothing). The others are suspended
    if they were where the history comes from (a suspension is never lifted here).
    `on_history` is told how many reviews were imported, `on_kept` how many cards kept their
    own history instead.
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
        kept: set[int] = set()
        for item in history:
            card_id = ids.get((item.deck, item.key))
            if card_id is None or card_id in done:
                if card_id is not None and item.reviews:
                    kept.add(card_id)
                continue
            done.add(card_id)
            if item.suspended:
                suspended.append({"state_card": card_id, "suspended": True})
            if item.reviews:
                memory = replay(scheduler, card_id, item, reviews, final)
                memory = kept_due(memory, item, settings.rollover_hour)
                states.append({"state_card": card_id, **memory._asdict()})
        interop_queries.write_history(connection, store.profile_id, reviews, states)
        interop_queries.write_history(connection, store.profile_id, [], suspended)
        if on_history is not None:
            on_history(len(reviews))
        if on_kept is not None:
            on_kept(len(kept))

    return write


def kept_due(memory: Memory, item: CardHistory, rollover_hour: int) -> Memory:
    """The replayed state with the card's due date where the history comes from, when the
    card is in the same phase there (in review, or in its learning steps): the memory comes
    from the log, the due date stays what it was (as Anki keeps due dates when FSRS is
    switched on, rather than moving every card)."""
    from stalindeck.stats.days import start_of

    if isinstance(item.due, datetime):
        if memory.state in (LEARNING, RELEARNING):
            return memory._replace(due=item.due)
    elif isinstance(item.due, date) and memory.state == REVIEW:
        return memory._replace(due=start_of(item.due, rollover_hour))
    return memory


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
