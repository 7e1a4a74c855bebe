"""A class on one store: the figures of `stats` for many profiles at once, grouped by profile
in one query each, so that a class of a thousand costs a handful of queries, not thousands.

Each figure is computed as `stats` computes it for one profile (the same conditions, the same
exact sums of retrievability), so a student's row agrees with their own `stats` digit for digit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select

from stalindeck.store.engine import reading
from stalindeck.store.models import NEW, Card, CardState, Deck, Profile, Review, to_millis
from stalindeck.store.open import Store
from stalindeck.store.stats_queries.common import (
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
    study_day,
)
from stalindeck.store.stats_queries.days import Days


def profile_names(store: Store) -> dict[int, str]:
    """Every profile of the store: id → name."""
    with reading(store.engine) as connection:
        return {
            int(ident): str(name)
            for ident, name in connection.execute(select(Profile.id, Profile.name))
        }


@dataclass(frozen=True, slots=True)
class ProfileCards:
    """One profile's cards in scope, as `stats` counts them.

    Attributes:
        total: cards (`stats`: cards.total).
        seen: cards reviewed at least once (memory.seen).
        due_now: seen, unsuspended, unburied cards due by now (today.due_now).
        overdue: those of them due before today's study day began.
        knowledge: the sum of current retrievability (memory.knowledge).
    """

    total: int
    seen: int
    due_now: int
    overdue: int
    knowledge: float


def cards_by_profile(
    store: Store,
    scope: Scope,
    now: datetime,
    day_start: datetime,
    curve: Curve,
    profiles: Sequence[int],
) -> dict[int, ProfileCards]:
    """`ProfileCards` for each of `profiles` (one without cards in scope is left out)."""
    now_ms, start_ms = _int(to_millis(now)), _int(to_millis(day_start))
    due = _ms(CardState.due)
    buried = and_(CardState.buried_until.is_not(None), _ms(CardState.buried_until) > now_ms)
    scheduled = and_(CardState.suspended.is_(False), ~buried, CardState.state != NEW)
    # The cards `memory` sums retrievability over: reviewed, with a memory state.
    rated = and_(
        CardState.state != NEW,
        CardState.stability > 0,
        CardState.last_review.is_not(None),
        CardState.difficulty.is_not(None),
    )
    query = _cards(
        store,
        scope,
        CardState.profile_id,
        func.count(),
        _count_if(CardState.state != NEW),
        _count_if(scheduled, due <= now_ms),
        _count_if(scheduled, due < start_ms),
        func.sum(r_units(case((rated, retrievability(now, curve))))),
        profiles=profiles,
    ).group_by(CardState.profile_id)
    with reading(store.engine) as connection:
        _ensure_pow(connection)
        return {
            int(profile): ProfileCards(int(n), int(seen), int(now_n), int(late), from_units(known))
            for profile, n, seen, now_n, late, known in connection.execute(query)
        }


@dataclass(frozen=True, slots=True)
class ProfileReviews:
    """A profile's answers in scope over all time, and the last one."""

    reviews: int
    last_review: datetime | None


def reviews_by_profile(
    store: Store, scope: Scope, profiles: Sequence[int]
) -> dict[int, ProfileReviews]:
    """All-time answers and the last answer of each of `profiles` (none: left out)."""
    query = (
        select(Review.profile_id, func.count(), func.max(Review.reviewed_at))
        .where(*_review_conditions(store, scope, profiles))
        .group_by(Review.profile_id)
    )
    with reading(store.engine) as connection:
        return {
            int(profile): ProfileReviews(int(n), last)
            for profile, n, last in connection.execute(query)
        }


def days_by_profile(
    store: Store, scope: Scope, days: Days, profiles: Sequence[int]
) -> dict[int, dict[int, int]]:
    """Answers on each study day of `days` per profile: profile → {date ordinal: answers}."""
    day = study_day(_ms(Review.reviewed_at), days.segments())
    query = (
        select(Review.profile_id, day.label("day"), func.count())
        .where(
            *_review_conditions(store, scope, profiles),
            _ms(Review.reviewed_at) >= _int(days.starts[0]),
            _ms(Review.reviewed_at) < _int(days.starts[-1]),
        )
        .group_by(Review.profile_id, day)
    )
    found: dict[int, dict[int, int]] = {}
    with reading(store.engine) as connection:
        for profile, ordinal, n in connection.execute(query):
            found.setdefault(int(profile), {})[int(ordinal)] = int(n)
    return found


@dataclass(frozen=True, slots=True)
class ClassCardRow:
    """One card across the class (see `hardest_for_class`)."""

    ident: str
    front: str
    students: int  # who have seen it
    lapsed: int  # who have forgotten it at least once
    lapses: int
    retrievability: float | None  # mean now, over the students who have seen it


def hardest_for_class(
    store: Store,
    scope: Scope,
    now: datetime,
    curves: Sequence[tuple[Curve, Sequence[int]]],
    limit: int,
) -> list[ClassCardRow]:
    """The cards the class forgets most: most lapses over all `profiles` (at least one),
    then the lowest mean retrievability. `curves` pairs each forgetting curve with the
    profiles it is theirs."""
    per_card: dict[int, list[int]] = {}  # card id → [students, lapsed, lapses, rated, units]
    texts: dict[int, tuple[str, str]] = {}
    with reading(store.engine) as connection:
        _ensure_pow(connection)
        for curve, profiles in curves:
            query = (
                _cards(
                    store,
                    scope,
                    Card.id,
                    Deck.slug,
                    Card.key,
                    Card.front,
                    _count_if(CardState.state != NEW),
                    _count_if(CardState.lapses > 0),
                    func.coalesce(func.sum(CardState.lapses), 0),
                    func.count(retrievability(now, curve)),
                    func.sum(r_units(retrievability(now, curve))),
                    profiles=profiles,
                )
                .join(Deck, Deck.id == Card.deck_id)
                .group_by(Card.id, Deck.slug, Card.key, Card.front)
                .having(func.sum(CardState.lapses) > 0)
            )
            for card_id, slug, key, front, seen, lapsed, lapses, rated, units in connection.execute(
                query
            ):
                texts[card_id] = (f"{slug}/{key}", front)
                totals = per_card.setdefault(card_id, [0, 0, 0, 0, 0])
                for index, value in enumerate((seen, lapsed, lapses, rated, units or 0)):
                    totals[index] += int(value)
    rows = [
        ClassCardRow(
            ident=texts[card_id][0],
            front=texts[card_id][1],
            students=seen,
            lapsed=lapsed,
            lapses=lapses,
            retrievability=from_units(units) / rated if rated else None,
        )
        for card_id, (seen, lapsed, lapses, rated, units) in per_card.items()
    ]
    rows.sort(
        key=lambda row: (
            -row.lapses,
            1.0 if row.retrievability is None else row.retrievability,
            row.ident,
        )
    )
    return rows[:limit]
