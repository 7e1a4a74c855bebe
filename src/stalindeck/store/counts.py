"""Counts of cards per deck: what `decks` and `status` show. Today's counts are the review
queue's own (`gather`), so that they agree with what `review` serves.

The queries are plain SQL so that `status` can run them on a bare sqlite3 connection without
importing SQLAlchemy (see `quick`); through a `Store` they run as SQLAlchemy `text()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from stalindeck.scheduling.day import day_end, day_start
from stalindeck.scheduling.limits import Limits
from stalindeck.store.gather import Run, Scope, gather
from stalindeck.store.values import NEW, REVIEW, to_millis

if TYPE_CHECKING:
    from stalindeck.store.open import Store

_DECK_TOTALS = """
SELECT d.id, COUNT(c.id), COALESCE(SUM(CASE WHEN s.suspended THEN 1 ELSE 0 END), 0)
FROM decks d
LEFT JOIN cards c ON c.deck_id = d.id AND NOT c.retired
LEFT JOIN card_states s ON s.card_id = c.id AND s.profile_id = :profile
WHERE d.removed_at IS NULL
GROUP BY d.id
"""
_DONE_TODAY = f"""
SELECT COALESCE(SUM(CASE WHEN state_before = {NEW} THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN state_before = {REVIEW} THEN 1 ELSE 0 END), 0)
FROM reviews WHERE profile_id = :profile AND reviewed_at >= :day_start
"""
_DECK_COUNT = "SELECT COUNT(*) FROM decks"  # removed ones too: a store with decks, once
_TODAY_DECKS = (
    "SELECT id, slug, name FROM decks WHERE removed_at IS NULL ORDER BY lower(name), name"
)


@dataclass(frozen=True, slots=True)
class DeckCounts:
    """One deck's cards, and what it asks of the student today (as `status` counts it).

    Attributes:
        slug: the deck id.
        name: the deck name.
        total: active cards (retired ones excluded; suspended included).
        new: new cards today (within the day's allowance, one per entry).
        learning: cards in (re)learning whose step is due before the day ends.
        due: review cards due today (within the day's allowance, one per entry).
        suspended: suspended cards.
    """

    slug: str
    name: str
    total: int
    new: int
    learning: int
    due: int
    suspended: int


@dataclass(frozen=True, slots=True)
class DoneToday:
    """What the student already did this study day, for the daily limits."""

    new: int
    reviews: int


def run_done_today(run: Run, profile_id: int, day_start: datetime) -> DoneToday:
    """New cards introduced and review cards answered since `day_start`, through `run`."""
    ((new, reviews),) = run(_DONE_TODAY, {"profile": profile_id, "day_start": to_millis(day_start)})
    return DoneToday(new=int(new), reviews=int(reviews))


@dataclass(frozen=True, slots=True)
class TodayCounts:
    """What one deck (or all of them) asks of the student today: new cards, learning steps
    and reviews due before the day ends, exactly as a review of it would gather them (see
    `gather`)."""

    deck_id: int  # 0 for all decks together
    slug: str
    name: str
    new: int
    learning: int
    due: int


@dataclass(frozen=True, slots=True)
class Today:
    """Today's counts per deck, ordered by name, and for all decks together (the total is
    what `stalindeck review` serves: the daily allowances are shared, so it is not always
    the sum of the decks')."""

    decks: list[TodayCounts]
    total: TodayCounts


def run_today(run: Run, profile_id: int, now: datetime, limits: Limits) -> Today:
    """Today's counts for every deck and in all, through `run`, by the review queue's rule
    within what the daily limits still allow."""
    hour = limits.rollover_hour
    done = run_done_today(run, profile_id, day_start(now, hour))
    reviews_left = max(0, limits.reviews_per_day - done.reviews)
    new_left = max(0, limits.new_per_day - done.new)
    end = day_end(now, hour)

    def count(deck_id: int, slug: str, name: str, scope: Scope) -> TodayCounts:
        found = gather(run, profile_id, now, end, scope, reviews_left, new_left, in_order=False)
        return TodayCounts(
            deck_id, slug, name, new=len(found.new), learning=len(found.learning),
            due=len(found.reviews),
        )  # fmt: skip

    decks = [
        count(int(deck_id), str(slug), str(name), Scope(deck_ids=(int(deck_id),)))
        for deck_id, slug, name in run(_TODAY_DECKS, {})
    ]
    return Today(decks, count(0, "", "total", Scope()))


def run_deck_count(run: Run) -> int:
    """How many decks the store holds, through `run`."""
    ((count,),) = run(_DECK_COUNT, {})
    return int(count)


def store_runner(store: Store) -> Run:
    """A `Run` through the store's engine, one read transaction per statement."""
    from sqlalchemy import text

    from stalindeck.store.engine import reading

    def run(sql: str, params: dict[str, Any]) -> Sequence[Sequence[Any]]:
        with reading(store.engine) as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]

    return run


def deck_counts(store: Store, now: datetime, limits: Limits) -> list[DeckCounts]:
    """Every deck's totals, and its counts for today as `status` gives them, ordered by name."""
    run = store_runner(store)
    totals = {
        int(deck_id): (int(total), int(suspended))
        for deck_id, total, suspended in run(_DECK_TOTALS, {"profile": store.profile_id})
    }
    counts = []
    for deck in run_today(run, store.profile_id, now, limits).decks:
        total, suspended = totals[deck.deck_id]
        counts.append(
            DeckCounts(deck.slug, deck.name, total, deck.new, deck.learning, deck.due, suspended)
        )
    return counts


def done_today(store: Store, day_start: datetime) -> DoneToday:
    """New cards introduced and review cards answered since `day_start`."""
    return run_done_today(store_runner(store), store.profile_id, day_start)


def today_counts(store: Store, now: datetime, limits: Limits) -> Today:
    """Today's counts per deck and in all, by the review queue's rule."""
    return run_today(store_runner(store), store.profile_id, now, limits)


def deck_count(store: Store) -> int:
    """How many decks the store holds."""
    return run_deck_count(store_runner(store))
