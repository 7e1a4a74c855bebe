"""Counts of cards per deck: what `decks` and `status` show. One aggregate query each.

The queries are plain SQL so that `status` can run them on a bare sqlite3 connection without
importing SQLAlchemy (see `quick`); through a `Store` they run as SQLAlchemy `text()`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from stalindeck.store.values import NEW, REVIEW, to_millis

if TYPE_CHECKING:
    from stalindeck.store.open import Store

Run = Callable[[str, dict[str, Any]], Sequence[Sequence[Any]]]

_DECK_COUNTS = f"""
SELECT d.slug, d.name,
  COUNT(c.id),
  COALESCE(SUM(CASE WHEN s.state = {NEW} AND {{available}} THEN 1 ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN s.state IN (1, 3) AND s.due < :day_end AND {{available}}
                    THEN 1 ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN s.state = {REVIEW} AND s.due < :day_end AND {{available}}
                    THEN 1 ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN s.suspended THEN 1 ELSE 0 END), 0)
FROM decks d
LEFT JOIN cards c ON c.deck_id = d.id AND NOT c.retired
LEFT JOIN card_states s ON s.card_id = c.id AND s.profile_id = :profile
WHERE d.removed_at IS NULL
GROUP BY d.id, d.slug, d.name
ORDER BY lower(d.name), d.name
""".replace("{available}", "NOT s.suspended AND (s.buried_until IS NULL OR s.buried_until <= :now)")
_DONE_TODAY = f"""
SELECT COALESCE(SUM(CASE WHEN state_before = {NEW} THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN state_before = {REVIEW} THEN 1 ELSE 0 END), 0)
FROM reviews WHERE profile_id = :profile AND reviewed_at >= :day_start
"""
_DECK_COUNT = "SELECT COUNT(*) FROM decks"  # removed ones too: a store with decks, once

# `status` needs today's numbers only, with new cards capped by the daily limit, so it reads
# the cards that are due (through the state/due index) and at most `cap` new ones per deck,
# instead of every card. CROSS JOIN keeps SQLite driving from card_states.
_AVAILABLE = "NOT s.suspended AND (s.buried_until IS NULL OR s.buried_until <= :now)"
_TODAY_DECKS = (
    "SELECT id, slug, name FROM decks WHERE removed_at IS NULL ORDER BY lower(name), name"
)
_TODAY_DUE = f"""
SELECT c.deck_id,
  SUM(CASE WHEN s.state = {REVIEW} THEN 1 ELSE 0 END),
  SUM(CASE WHEN s.state <> {REVIEW} THEN 1 ELSE 0 END)
FROM card_states s CROSS JOIN cards c
WHERE s.profile_id = :profile AND s.state IN (1, 2, 3) AND s.due < :day_end
  AND {_AVAILABLE} AND c.id = s.card_id AND NOT c.retired
GROUP BY c.deck_id
"""
_TODAY_NEW = f"""
SELECT COUNT(*) FROM (
  SELECT 1 FROM card_states s CROSS JOIN cards c
  WHERE s.profile_id = :profile AND s.state = {NEW} AND {_AVAILABLE}
    AND c.id = s.card_id AND c.deck_id = :deck AND NOT c.retired
  LIMIT :cap
) AS capped
"""


@dataclass(frozen=True, slots=True)
class DeckCounts:
    """One deck's cards, by what they need from the student today.

    Attributes:
        slug: the deck id.
        name: the deck name.
        total: active cards (retired ones excluded; suspended included).
        new: never-reviewed cards available (not suspended or buried).
        learning: cards in (re)learning whose step is due before the day ends.
        due: review cards due before the day ends.
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


def run_deck_counts(
    run: Run, profile_id: int, now: datetime, day_end: datetime
) -> list[DeckCounts]:
    """Counts for every deck, ordered by name, through `run`."""
    rows = run(
        _DECK_COUNTS, {"profile": profile_id, "now": to_millis(now), "day_end": to_millis(day_end)}
    )
    return [DeckCounts(str(r[0]), str(r[1]), *(int(value) for value in r[2:])) for r in rows]


def run_done_today(run: Run, profile_id: int, day_start: datetime) -> DoneToday:
    """New cards introduced and review cards answered since `day_start`, through `run`."""
    ((new, reviews),) = run(_DONE_TODAY, {"profile": profile_id, "day_start": to_millis(day_start)})
    return DoneToday(new=int(new), reviews=int(reviews))


@dataclass(frozen=True, slots=True)
class TodayCounts:
    """What one deck asks of the student today: new cards (at most the day's new-card
    allowance), learning steps and reviews due before the day ends."""

    slug: str
    name: str
    new: int
    learning: int
    due: int


def run_today_counts(
    run: Run, profile_id: int, now: datetime, day_end: datetime, new_cap: int
) -> list[TodayCounts]:
    """Today's counts for every deck, ordered by name, through `run`."""
    params = {"profile": profile_id, "now": to_millis(now), "day_end": to_millis(day_end)}
    due = {int(row[0]): (int(row[1]), int(row[2])) for row in run(_TODAY_DUE, params)}
    counts = []
    for deck_id, slug, name in run(_TODAY_DECKS, {}):
        new = 0
        if new_cap > 0:
            ((new,),) = run(_TODAY_NEW, {**params, "deck": deck_id, "cap": new_cap})
        reviews, learning = due.get(int(deck_id), (0, 0))
        counts.append(TodayCounts(str(slug), str(name), int(new), learning, reviews))
    return counts


def run_deck_count(run: Run) -> int:
    """How many decks the store holds, through `run`."""
    ((count,),) = run(_DECK_COUNT, {})
    return int(count)


def _store_runner(store: Store) -> Run:
    from sqlalchemy import text

    from stalindeck.store.engine import reading

    def run(sql: str, params: dict[str, Any]) -> Sequence[Sequence[Any]]:
        with reading(store.engine) as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]

    return run


def deck_counts(store: Store, now: datetime, day_end: datetime) -> list[DeckCounts]:
    """Counts for every deck, ordered by name."""
    return run_deck_counts(_store_runner(store), store.profile_id, now, day_end)


def done_today(store: Store, day_start: datetime) -> DoneToday:
    """New cards introduced and review cards answered since `day_start`."""
    return run_done_today(_store_runner(store), store.profile_id, day_start)


def today_counts(store: Store, now: datetime, day_end: datetime, new_cap: int) -> list[TodayCounts]:
    """Today's counts for every deck, ordered by name (new cards at most `new_cap`)."""
    return run_today_counts(_store_runner(store), store.profile_id, now, day_end, new_cap)


def deck_count(store: Store) -> int:
    """How many decks the store holds."""
    return run_deck_count(_store_runner(store))
