"""What every query of the figures shares: scopes, study days and retrievability in SQL.

Two things need care to stay portable (SQLite first, PostgreSQL too):

- Study days. A review belongs to the study day that starts at the rollover hour in local time.
  Rather than ask the database for time zones, the caller passes `DaySegments`: the start of
  each run of 24-hour days (a new run begins at every DST change) with its date ordinal. The
  day of a moment is then integer arithmetic, exact across DST, the same on every database.
- Current retrievability. FSRS-6's ``R = (1 + FACTOR·t/S)^DECAY`` needs ``pow``: PostgreSQL has
  it, SQLite has it when built with its math functions (as Python's usually is); when it is
  missing, `_ensure_pow` registers Python's `math.pow` on that connection (deterministic).
  As in Anki's card info, browser and statistics (rslib `stats/card.rs`, `browser_table.rs`),
  ``t`` is the exact time since the last review in days (seconds / 86,400), not whole days:
  retrievability falls hour by hour. (Answers count study days: docs/scheduling.md.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Float,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    type_coerce,
)

from stalindeck.store.deck_tree import in_decks
from stalindeck.store.models import (
    NEW,
    Card,
    CardState,
    CardTag,
    Deck,
    Review,
    to_millis,
)
from stalindeck.store.open import Store

DAY_MS = 86_400_000
MATURE_DAYS = 21
PASS_GRADE = 2  # Hard, Good and Easy are passes
STABILITY_EDGES = (1, 7, 30, 90, 180, 365, 730)  # days; bins: <1, 1-7, ..., 365-730, ≥730
DIFFICULTY_BINS = 10  # (D - 1) / 9 in tenths
RETRIEVABILITY_BINS = 10  # tenths

# (start in epoch ms, date ordinal of the study day starting then), oldest first; from the
# first start on, days are 24 h long until the next segment's start.
DaySegments = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Scope:
    """Which cards the figures are about: some decks (slugs or names), some tags, or all."""

    decks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not self.decks and not self.tags


@dataclass(frozen=True, slots=True)
class Curve:
    """FSRS-6's forgetting curve constants: ``R = (1 + factor·t/S)^decay``."""

    decay: float
    factor: float

    def retrievability(self, days: float, stability: float) -> float:
        """``R`` after `days` since the last review of a card of `stability` (both > 0)."""
        return float((1 + self.factor * days / stability) ** self.decay)

    def elapsed_ratio(self, retrievability: float) -> float:
        """The ``t/S`` at which retrievability falls to `retrievability`."""
        return float((retrievability ** (1 / self.decay) - 1) / self.factor)


def _ms(column: Any) -> ColumnElement[int]:
    """A `UtcMillis` column as its raw epoch milliseconds, for arithmetic."""
    return type_coerce(column, BigInteger)


def _int(value: int) -> ColumnElement[int]:
    return literal(value, BigInteger)


def study_day(moment_ms: ColumnElement[int], segments: DaySegments) -> ColumnElement[int]:
    """The date ordinal of the study day containing `moment_ms` (at or after the first start)."""
    first_start, first_day = segments[0]
    whens = [
        (moment_ms >= _int(start), _int(day) + (moment_ms - _int(start)) // _int(DAY_MS))
        for start, day in reversed(segments[1:])
    ]
    fallback = _int(first_day) + (moment_ms - _int(first_start)) // _int(DAY_MS)
    return case(*whens, else_=fallback) if whens else fallback


def retrievability(now: datetime, curve: Curve) -> ColumnElement[float]:
    """Current retrievability of the joined `CardState` row; NULL for cards never reviewed."""
    value = func.pow(
        literal(1.0, Float)
        + literal(curve.factor, Float) * _elapsed_days(now) / CardState.stability,
        literal(curve.decay, Float),
        type_=Float,
    )
    return case(
        (
            or_(
                CardState.state == NEW,
                CardState.last_review.is_(None),
                CardState.stability.is_(None),
                CardState.stability <= 0,
            ),
            None,
        ),
        else_=value,
    )


def _ensure_pow(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    raw: Any = connection.connection.driver_connection
    try:
        raw.execute("SELECT pow(2.0, 3.0)").fetchone()
    except Exception:  # sqlite3.OperationalError: no such function
        raw.create_function("pow", 2, _pow, deterministic=True)


def _pow(base: float | None, exponent: float | None) -> float | None:
    if base is None or exponent is None:
        return None
    try:
        return math.pow(base, exponent)
    except (ValueError, OverflowError):
        return None


def _card_conditions(
    store: Store, scope: Scope, profiles: Sequence[int] | None = None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Card.retired.is_(False),
        CardState.profile_id == store.profile_id
        if profiles is None
        else CardState.profile_id.in_(profiles),
    ]
    if scope.decks:
        conditions.append(Card.deck_id.in_(select(Deck.id).where(in_decks(scope.decks))))
    if scope.tags:
        conditions.append(_tagged(scope.tags))
    return conditions


def _tagged(tags: Sequence[str]) -> ColumnElement[bool]:
    # An alias, so that the test never correlates with a `card_tags` the query itself joins.
    chosen = CardTag.__table__.alias("scope_tags")
    return exists().where(chosen.c.card_id == Card.id, chosen.c.tag.in_(tags))


def _cards(
    store: Store, scope: Scope, *columns: Any, profiles: Sequence[int] | None = None
) -> Select[Any]:
    """Cards in `scope` joined to their state for the store's profile (or for `profiles`)."""
    return (
        select(*columns)
        .select_from(Card)
        .join(CardState, CardState.card_id == Card.id)
        .where(*_card_conditions(store, scope, profiles))
    )


def _review_conditions(
    store: Store, scope: Scope, profiles: Sequence[int] | None = None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Review.profile_id == store.profile_id
        if profiles is None
        else Review.profile_id.in_(profiles)
    ]
    if scope.everything:
        return conditions  # every review counts, retired cards' included: they happened
    chosen = select(Card.id).where(Card.retired.is_(False))
    if scope.decks:
        chosen = chosen.where(Card.deck_id.in_(select(Deck.id).where(in_decks(scope.decks))))
    if scope.tags:
        chosen = chosen.where(_tagged(scope.tags))
    conditions.append(Review.card_id.in_(chosen))
    return conditions


def _count_if(*conditions: ColumnElement[bool]) -> ColumnElement[int]:
    # COUNT of a CASE without ELSE: 0 on no rows, and cheaper than SUM(CASE ... ELSE 0).
    return func.count(case((and_(*conditions), 1)))


def _elapsed_days(now: datetime) -> ColumnElement[float]:
    """Days since the last review, fractional (Anki's seconds / 86,400), never negative."""
    elapsed = (_int(to_millis(now)) - _ms(CardState.last_review)) * literal(1 / DAY_MS, Float)
    return case((elapsed < 0, literal(0.0, Float)), else_=elapsed)


# Retrievability summed in whole units of 1e-12: an integer sum is exact, so it does not
# depend on the order the database adds the cards in. One student's figures are then the
# same to the last digit whether `stats` sums their cards alone or `class` sums them beside
# the whole class's, on SQLite or PostgreSQL, whatever plan each query gets.
R_SCALE = 10**12


def r_units(value: ColumnElement[float]) -> ColumnElement[int]:
    """A retrievability in whole units of 1e-12, for an exact SUM (NULL stays NULL)."""
    return cast(func.round(value * literal(float(R_SCALE), Float)), BigInteger)


def from_units(total: Any) -> float:
    """A SUM of `r_units` (NULL or a number of any type the driver gives) as retrievability."""
    return int(total or 0) / R_SCALE
