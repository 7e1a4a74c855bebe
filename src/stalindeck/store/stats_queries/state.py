"""Today's answers, cards by state and due, and FSRS memory: one aggregate each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
    CardState,
    Review,
    to_millis,
)
from stalindeck.store.open import Store
from stalindeck.store.stats_queries.common import (
    DAY_MS,
    DIFFICULTY_BINS,
    MATURE_DAYS,
    RETRIEVABILITY_BINS,
    STABILITY_EDGES,
    Curve,
    Scope,
    _cards,
    _count_if,
    _ensure_pow,
    _int,
    _ms,
    _review_conditions,
    from_units,
    r_units,
    retrievability,
)


@dataclass(frozen=True, slots=True)
class TodayRow:
    answers: int
    cards: int
    again: int
    time_ms: int


def today(store: Store, scope: Scope, day_start: datetime) -> TodayRow:
    """Answers given since `day_start`: how many, on how many cards, how many Again, how long."""
    query = select(
        func.count(Review.id),
        func.count(func.distinct(Review.card_id)),
        _count_if(Review.grade == 1),
        func.coalesce(func.sum(Review.duration_ms), 0),
    ).where(*_review_conditions(store, scope), Review.reviewed_at >= day_start)
    with reading(store.engine) as connection:
        row = connection.execute(query).one()
    return TodayRow(*(int(value) for value in row))


# -- cards: states, due, FSRS distributions -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class StateCounts:
    """Cards in scope by state (see `state_counts`)."""

    total: int
    new: int
    learning: int
    review: int
    relearning: int
    suspended: int
    buried: int
    young: int
    mature: int
    due_now: int
    due_later_today: int
    due_tomorrow: int
    seen: int


def state_counts(
    store: Store, scope: Scope, now: datetime, day_end: datetime, tomorrow_end: datetime
) -> StateCounts:
    """States (exclusive: suspended, then buried, then by state), young and mature review
    cards, and seen unsuspended cards falling due now, later today and tomorrow (a buried card
    on the day it comes back)."""
    now_ms, end_ms, tomorrow_ms = (_int(to_millis(m)) for m in (now, day_end, tomorrow_end))
    due = _ms(CardState.due)
    buried = and_(CardState.buried_until.is_not(None), _ms(CardState.buried_until) > now_ms)
    unsuspended = CardState.suspended.is_(False)
    active = and_(unsuspended, ~buried)
    is_review = and_(active, CardState.state == REVIEW)
    mature = due - _ms(CardState.last_review) >= _int(MATURE_DAYS * DAY_MS)
    scheduled = and_(active, CardState.state != NEW)
    # A buried card waits for the next study day, whenever it was due.
    comes_tomorrow = and_(unsuspended, CardState.state != NEW, or_(buried, due >= end_ms))
    query = _cards(
        store,
        scope,
        func.count(),
        _count_if(active, CardState.state == NEW),
        _count_if(active, CardState.state == LEARNING),
        _count_if(is_review),
        _count_if(active, CardState.state == RELEARNING),
        _count_if(CardState.suspended.is_(True)),
        _count_if(unsuspended, buried),
        _count_if(is_review, ~mature),
        _count_if(is_review, mature),
        _count_if(scheduled, due <= now_ms),
        _count_if(scheduled, due > now_ms, due < end_ms),
        _count_if(comes_tomorrow, due < tomorrow_ms),
        _count_if(CardState.state != NEW),
    )
    with reading(store.engine) as connection:
        row = connection.execute(query).one()
    return StateCounts(*(int(value) for value in row))


@dataclass(frozen=True, slots=True)
class MemoryFigures:
    """FSRS memory of the reviewed cards (those with a stability), see `memory`."""

    cards: int
    knowledge: float
    stability_sum: float
    difficulty_sum: float
    stability_bins: tuple[int, ...]
    difficulty_bins: tuple[int, ...]
    retrievability_bins: tuple[int, ...]


def _bins(at_least: Sequence[int], total: int) -> tuple[int, ...]:
    """Bin counts from "how many are at least each edge" counts (edges increasing)."""
    bounds = [total, *at_least, 0]
    return tuple(bounds[k] - bounds[k + 1] for k in range(len(bounds) - 1))


def memory(store: Store, scope: Scope, now: datetime, curve: Curve) -> MemoryFigures:
    """Stability, difficulty and current-retrievability distributions and sums over the
    reviewed cards, in one aggregate: each card's retrievability is computed once (the CTE is
    materialized), then every bin is a count of cards at or above its lower edge."""
    per_card = (
        _cards(
            store,
            scope,
            retrievability(now, curve).label("r"),
            CardState.stability.label("stability"),
            CardState.difficulty.label("difficulty"),
        )
        .where(
            CardState.state != NEW,
            CardState.stability > 0,
            CardState.last_review.is_not(None),
            CardState.difficulty.is_not(None),
        )
        .cte("memory")
        .prefix_with("MATERIALIZED")
    )
    c = per_card.c
    r_edges = [k / RETRIEVABILITY_BINS for k in range(1, RETRIEVABILITY_BINS)]
    d_edges = [1 + 9 * k / DIFFICULTY_BINS for k in range(1, DIFFICULTY_BINS)]
    columns: list[ColumnElement[Any]] = [
        func.count(),
        func.sum(r_units(c.r)),
        func.coalesce(func.sum(c.stability), 0.0),
        func.coalesce(func.sum(c.difficulty), 0.0),
        *(_count_if(c.stability >= edge) for edge in STABILITY_EDGES),
        *(_count_if(c.difficulty >= edge) for edge in d_edges),
        *(_count_if(c.r >= edge) for edge in r_edges),
    ]
    with reading(store.engine) as connection:
        _ensure_pow(connection)
        row = connection.execute(select(*columns).select_from(per_card)).one()
    total = int(row[0])
    counts = [int(value) for value in row[4:]]
    s_count, d_count = len(STABILITY_EDGES), len(d_edges)
    return MemoryFigures(
        cards=total,
        knowledge=from_units(row[1]),
        stability_sum=float(row[2]),
        difficulty_sum=float(row[3]),
        stability_bins=_bins(counts[:s_count], total),
        difficulty_bins=_bins(counts[s_count : s_count + d_count], total),
        retrievability_bins=_bins(counts[s_count + d_count :], total),
    )
