"""The SQL behind `stats`, `cards`, `card` and `export progress`: every figure is an aggregate
computed by the database, never a Python loop over rows.

Two things need care to stay portable (SQLite first, PostgreSQL too):

- Study days. A review belongs to the study day that starts at the rollover hour in local time.
  Rather than ask the database for time zones, the caller passes `DaySegments`: the start of
  each run of 24-hour days (a new run begins at every DST change) with its date ordinal. The
  day of a moment is then integer arithmetic, exact across DST, the same on every database.
- Current retrievability. FSRS-6's ``R = (1 + FACTOR·t/S)^DECAY`` needs ``pow``: PostgreSQL has
  it, SQLite has it when built with its math functions (as Python's usually is); when it is
  missing, `_ensure_pow` registers Python's `math.pow` on that connection (deterministic).
  Like py-fsrs's `get_card_retrievability`, ``t`` counts whole days since the last review.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Float,
    Select,
    and_,
    case,
    column,
    exists,
    func,
    literal,
    or_,
    select,
    type_coerce,
    values,
)

from stalindeck.store.engine import reading
from stalindeck.store.models import (
    LEARNING,
    NEW,
    RELEARNING,
    REVIEW,
    Card,
    CardState,
    CardTag,
    Deck,
    Review,
    to_millis,
)
from stalindeck.store.open import Store
from stalindeck.store.reviews import LEECH_LAPSES, LEECH_TAG

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


def _card_conditions(store: Store, scope: Scope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Card.retired.is_(False),
        CardState.profile_id == store.profile_id,
    ]
    if scope.decks:
        conditions.append(
            Card.deck_id.in_(
                select(Deck.id).where(or_(Deck.slug.in_(scope.decks), Deck.name.in_(scope.decks)))
            )
        )
    if scope.tags:
        conditions.append(_tagged(scope.tags))
    return conditions


def _tagged(tags: Sequence[str]) -> ColumnElement[bool]:
    # An alias, so that the test never correlates with a `card_tags` the query itself joins.
    chosen = CardTag.__table__.alias("scope_tags")
    return exists().where(chosen.c.card_id == Card.id, chosen.c.tag.in_(tags))


def _cards(store: Store, scope: Scope, *columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .select_from(Card)
        .join(CardState, CardState.card_id == Card.id)
        .where(*_card_conditions(store, scope))
    )


def _review_conditions(store: Store, scope: Scope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Review.profile_id == store.profile_id]
    if scope.everything:
        return conditions  # every review counts, retired cards' included: they happened
    chosen = select(Card.id).where(Card.retired.is_(False))
    if scope.decks:
        chosen = chosen.where(
            Card.deck_id.in_(
                select(Deck.id).where(or_(Deck.slug.in_(scope.decks), Deck.name.in_(scope.decks)))
            )
        )
    if scope.tags:
        chosen = chosen.where(_tagged(scope.tags))
    conditions.append(Review.card_id.in_(chosen))
    return conditions


def _count_if(*conditions: ColumnElement[bool]) -> ColumnElement[int]:
    # COUNT of a CASE without ELSE: 0 on no rows, and cheaper than SUM(CASE ... ELSE 0).
    return func.count(case((and_(*conditions), 1)))


# -- today --------------------------------------------------------------------------------------


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


def _elapsed_days(now: datetime) -> ColumnElement[int]:
    elapsed = (_int(to_millis(now)) - _ms(CardState.last_review)) // _int(DAY_MS)
    return case((elapsed < 0, _int(0)), else_=elapsed)


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
        func.coalesce(func.sum(c.r), 0.0),
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
        knowledge=float(row[1]),
        stability_sum=float(row[2]),
        difficulty_sum=float(row[3]),
        stability_bins=_bins(counts[:s_count], total),
        difficulty_bins=_bins(counts[s_count : s_count + d_count], total),
        retrievability_bins=_bins(counts[s_count + d_count :], total),
    )


# -- by day: forecast, calendar, retention ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Days:
    """Consecutive study days: when each starts (epoch ms), and when the last one ends.

    Attributes:
        first: the date ordinal of the first day.
        starts: the start of each day, then the end of the last one.
    """

    first: int
    starts: tuple[int, ...]

    @property
    def last(self) -> int:
        return self.first + len(self.starts) - 2

    def start(self, ordinal: int) -> int:
        """When study day `ordinal` (within the window, or the day after it) starts."""
        return self.starts[ordinal - self.first]

    def segments(self) -> DaySegments:
        """Runs of 24-hour days: a new run starts where a DST change makes a day longer or
        shorter."""
        found = [(self.starts[0], self.first)]
        for index in range(1, len(self.starts)):
            if self.starts[index] - self.starts[index - 1] != DAY_MS:
                found.append((self.starts[index], self.first + index))
        return tuple(found)


def study_day_start(moment_ms: ColumnElement[int], segments: DaySegments) -> ColumnElement[int]:
    """When the study day containing `moment_ms` started (at or after the first start)."""
    first_start = segments[0][0]
    whens = [
        (moment_ms >= _int(start), _int(start) + (moment_ms - _int(start)) // _int(DAY_MS) * DAY_MS)
        for start, _day in reversed(segments[1:])
    ]
    fallback = _int(first_start) + (moment_ms - _int(first_start)) // _int(DAY_MS) * DAY_MS
    return case(*whens, else_=fallback) if whens else fallback


def forecast(store: Store, scope: Scope, days: Days, today: int, count: int) -> dict[int, int]:
    """Seen, unsuspended cards due on each study day from `today` for `count` days; overdue
    cards count today. Keys are date ordinals."""
    due = _ms(CardState.due)
    day = case((due < _int(days.start(today)), _int(today)), else_=study_day(due, days.segments()))
    query = (
        _cards(store, scope, day.label("day"), func.count())
        .where(
            CardState.state != NEW,
            CardState.suspended.is_(False),
            CardState.due.is_not(None),
            due < _int(days.start(today + count)),
        )
        .group_by(day)
    )
    with reading(store.engine) as connection:
        return {int(day): int(n) for day, n in connection.execute(query)}


def reviews_per_day(store: Store, scope: Scope, days: Days) -> dict[int, int]:
    """Answers given on each study day of `days` that has any, keyed by date ordinal."""
    if scope.everything:
        # One count per day over the (profile, time) index: no table access and no sort.
        window = (
            values(
                column("day", BigInteger),
                column("start", BigInteger),
                column("stop", BigInteger),
                name="window_days",
            )
            .data(
                [
                    (days.first + i, days.starts[i], days.starts[i + 1])
                    for i in range(len(days.starts) - 1)
                ]
            )
            .cte("window_days")
        )
        count = (
            select(func.count())
            .where(
                Review.profile_id == store.profile_id,
                _ms(Review.reviewed_at) >= window.c.start,
                _ms(Review.reviewed_at) < window.c.stop,
            )
            .scalar_subquery()
        )
        query: Select[Any] = select(window.c.day, count)
    else:
        day = study_day(_ms(Review.reviewed_at), days.segments())
        query = (
            select(day.label("day"), func.count())  # type: ignore[assignment]
            .where(
                *_review_conditions(store, scope),
                _ms(Review.reviewed_at) >= _int(days.starts[0]),
                _ms(Review.reviewed_at) < _int(days.starts[-1]),
            )
            .group_by(day)
        )
    with reading(store.engine) as connection:
        return {int(day): int(n) for day, n in connection.execute(query) if n}


@dataclass(frozen=True, slots=True)
class PassFail:
    """True-retention answers: passed and failed, young and mature."""

    young_passed: int = 0
    young_failed: int = 0
    mature_passed: int = 0
    mature_failed: int = 0

    def __add__(self, other: PassFail) -> PassFail:
        return PassFail(
            self.young_passed + other.young_passed,
            self.young_failed + other.young_failed,
            self.mature_passed + other.mature_passed,
            self.mature_failed + other.mature_failed,
        )


def _first_of_day(segments: DaySegments) -> ColumnElement[bool]:
    """Anki's true-retention sample: answers to review cards (state before = review; learning
    and relearning steps test short-term memory), the first of each card's study day.

    Each review row records the card's previous review (`last_review_before`), so "first of
    the day" is a test on the row itself: the previous review was before this study day
    began. No window function, no sort.
    """
    day_began = study_day_start(_ms(Review.reviewed_at), segments)
    return and_(
        Review.state_before == REVIEW,
        or_(Review.last_review_before.is_(None), _ms(Review.last_review_before) < day_began),
    )


def _retention_columns() -> list[ColumnElement[int]]:
    mature = _ms(Review.due_before) - _ms(Review.last_review_before) >= _int(MATURE_DAYS * DAY_MS)
    passed = Review.grade >= PASS_GRADE
    return [
        func.count(),
        _count_if(passed),
        _count_if(mature),
        _count_if(mature, passed),
    ]


def _pass_fail(total: int, passed: int, mature: int, mature_passed: int) -> PassFail:
    young, young_passed = total - mature, passed - mature_passed
    return PassFail(young_passed, young - young_passed, mature_passed, mature - mature_passed)


def _since(store: Store, scope: Scope, start_ms: int) -> list[ColumnElement[bool]]:
    """Reviews from `start_ms` on, read in table order.

    The (profile, time) index would make SQLite fetch each row at random; reading the table
    from the first review id in the range onwards is sequential, hence much faster (ids follow
    time in an append-only log; the time test keeps the result right when they do not).
    """
    conditions = [
        *_review_conditions(store, scope),
        _ms(Review.reviewed_at) + _int(0) >= _int(start_ms),  # "+ 0": not through the index
    ]
    if scope.everything:
        first_id = (
            # "+ 0": take the min over the index range, not by walking the rowids from 1.
            select(func.min(Review.id + 0))
            .where(Review.profile_id == store.profile_id, _ms(Review.reviewed_at) >= _int(start_ms))
            .scalar_subquery()
        )
        conditions.append(Review.id >= first_id)
    return conditions


def retention_total(store: Store, scope: Scope, days: Days, first: int) -> PassFail:
    """True retention over study days `first` to the end of `days`."""
    query = select(*_retention_columns()).where(
        *_since(store, scope, days.start(first)),
        _first_of_day(days.segments()),
    )
    with reading(store.engine) as connection:
        row = connection.execute(query).one()
    return _pass_fail(*(int(value or 0) for value in row))


def retention_by_day(store: Store, scope: Scope, days: Days, first: int) -> dict[int, PassFail]:
    """True retention on each study day from `first` to the end of `days`."""
    segments = days.segments()
    day = study_day(_ms(Review.reviewed_at), segments)
    query = (
        select(day.label("day"), *_retention_columns())
        .where(*_since(store, scope, days.start(first)), _first_of_day(segments))
        .group_by(day)
    )
    with reading(store.engine) as connection:
        return {
            int(row[0]): _pass_fail(*(int(value) for value in row[1:]))
            for row in connection.execute(query)
        }


# -- topics and hard cards ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TopicRow:
    tag: str
    cards: int
    seen: int
    average_retrievability: float | None
    lapses: int
    mastery: float  # the sum of current retrievability over all the tag's cards, per card


def recall_at(store: Store, scope: Scope, at: datetime, curve: Curve) -> tuple[int, float]:
    """The unsuspended cards in `scope`, and the sum of their retrievability at `at` if none
    were reviewed again (cards never reviewed count 0)."""
    query = _cards(
        store, scope, func.count(), func.coalesce(func.sum(retrievability(at, curve)), 0.0)
    ).where(CardState.suspended.is_(False))
    with reading(store.engine) as connection:
        _ensure_pow(connection)
        cards, total = connection.execute(query).one()
    return int(cards), float(total)


def topics(store: Store, scope: Scope, now: datetime, curve: Curve) -> list[TopicRow]:
    """Per tag (``leech`` left out): cards, seen, mean current retrievability of the seen ones,
    lapses, and mastery (the share of the tag's cards you would recall now: unseen count 0);
    weakest first."""
    # Each card's figures first, in table order (materialized: SQLite would otherwise walk
    # the tag index and fetch every card at random), then grouped by tag.
    per_card = (
        _cards(
            store,
            scope,
            Card.id.label("card_id"),
            case((CardState.state != NEW, 1), else_=0).label("seen"),
            retrievability(now, curve).label("r"),
            CardState.lapses.label("lapses"),
        )
        .cte("per_card")
        .prefix_with("MATERIALIZED")
    )
    mastery = func.coalesce(func.sum(per_card.c.r), 0.0) / func.count()
    query = (
        select(
            CardTag.tag,
            func.count(),
            func.coalesce(func.sum(per_card.c.seen), 0),
            func.avg(per_card.c.r),
            func.coalesce(func.sum(per_card.c.lapses), 0),
            mastery,
        )
        .select_from(per_card)
        .join(CardTag, CardTag.card_id == per_card.c.card_id)
        .where(CardTag.tag != LEECH_TAG)
        .group_by(CardTag.tag)
        .order_by(mastery, CardTag.tag)
    )
    with reading(store.engine) as connection:
        _ensure_pow(connection)
        wide = deck_wide_tags(connection)
        return [
            TopicRow(
                tag, int(n), int(s), None if r is None else float(r), int(lapses), float(known)
            )
            for tag, n, s, r, lapses, known in connection.execute(query)
            if tag not in wide
        ]


def deck_wide_tags(connection: Connection) -> set[str]:
    """Tags a deck gives every card of its own (an exam code, say): no topic, so left out of
    the per-topic figures, as the review screen leaves them out of its header."""
    rows = connection.execute(select(Deck.tags).where(Deck.removed_at.is_(None)))
    return {tag for (tags,) in rows for tag in tags.split()}


@dataclass(frozen=True, slots=True)
class CardRow:
    """A card as the `cards` table and the hardest-cards list show it."""

    card_id: int
    ident: str
    deck: str
    front: str
    tags: str
    state: int
    suspended: bool
    buried: bool
    due: datetime | None
    stability: float | None
    difficulty: float | None
    retrievability: float | None
    reps: int
    lapses: int


def _card_row_columns(now: datetime, curve: Curve) -> list[Any]:
    return [
        Card.id,
        Deck.slug,
        Card.key,
        Card.front,
        Card.tags,
        CardState.state,
        CardState.suspended,
        and_(CardState.buried_until.is_not(None), CardState.buried_until > now),
        CardState.due,
        CardState.stability,
        CardState.difficulty,
        retrievability(now, curve),
        CardState.reps,
        CardState.lapses,
    ]


def _card_row(row: Any) -> CardRow:
    (card_id, slug, key, front, tags, state, suspended, buried, due, s, d, r, reps, lapses) = row
    return CardRow(
        card_id=card_id,
        ident=f"{slug}/{key}",
        deck=slug,
        front=front,
        tags=tags,
        state=state,
        suspended=bool(suspended),
        buried=bool(buried),
        due=due,
        stability=s,
        difficulty=d,
        retrievability=None if r is None else float(r),
        reps=reps,
        lapses=lapses,
    )


def hardest(
    store: Store, scope: Scope, now: datetime, curve: Curve, limit: int
) -> tuple[list[CardRow], int]:
    """The cards with most lapses (at least one), and how many are leeches."""
    query = (
        _cards(store, scope, *_card_row_columns(now, curve))
        .join(Deck, Deck.id == Card.deck_id)
        .where(CardState.lapses > 0)
        .order_by(CardState.lapses.desc(), Deck.slug, Card.position, Card.id)
        .limit(limit)
    )
    leeches = _cards(store, scope, func.count()).where(CardState.lapses >= LEECH_LAPSES)
    with reading(store.engine) as connection:
        _ensure_pow(connection)
        rows = [_card_row(row) for row in connection.execute(query)]
        count = int(connection.execute(leeches).scalar_one())
    return rows, count


# -- the cards browser --------------------------------------------------------------------------

CARD_STATES = ("new", "learning", "review", "suspended", "buried", "leech")
CARD_SORTS = ("due", "retrievability", "lapses", "deck")


def find_cards(
    store: Store,
    scope: Scope,
    now: datetime,
    curve: Curve,
    *,
    state: str | None = None,
    search: str | None = None,
    sort: str = "deck",
    limit: int | None = None,
) -> tuple[list[CardRow], int]:
    """Cards matching the filters, sorted, at most `limit`; and how many match in all.

    `state`: ``new``, ``learning`` (relearning included), ``review``, ``suspended``, ``buried``
    or ``leech`` (lapses ≥ 8). `search`: case-insensitive text in the front, back or key.
    """
    conditions: list[ColumnElement[bool]] = []
    if state == "new":
        conditions.append(CardState.state == NEW)
    elif state == "learning":
        conditions.append(CardState.state.in_((LEARNING, RELEARNING)))
    elif state == "review":
        conditions.append(CardState.state == REVIEW)
    elif state == "suspended":
        conditions.append(CardState.suspended.is_(True))
    elif state == "buried":
        conditions.append(and_(CardState.buried_until.is_not(None), CardState.buried_until > now))
    elif state == "leech":
        conditions.append(CardState.lapses >= LEECH_LAPSES)
    elif state is not None:
        raise ValueError(f"unknown state {state!r}")
    if search:
        needle = search.lower()
        conditions.append(
            or_(
                *(
                    func.lower(column).contains(needle, autoescape=True)
                    for column in (Card.front, Card.back, Card.key)
                )
            )
        )
    r = retrievability(now, curve)
    orders: dict[str, list[Any]] = {
        "due": [CardState.due.is_(None), CardState.due],
        "retrievability": [r.is_(None), r],
        "lapses": [CardState.lapses.desc()],
        "deck": [],
    }
    if sort not in orders:
        raise ValueError(f"unknown sort {sort!r}")
    query = (
        _cards(store, scope, *_card_row_columns(now, curve))
        .join(Deck, Deck.id == Card.deck_id)
        .where(*conditions)
        .order_by(*orders[sort], Deck.slug, Card.position, Card.id)
    )
    if limit is not None:
        query = query.limit(limit)
    total = (
        _cards(store, scope, func.count()).join(Deck, Deck.id == Card.deck_id).where(*conditions)
    )
    with reading(store.engine) as connection:
        _ensure_pow(connection)
        rows = [_card_row(row) for row in connection.execute(query)]
        count = int(connection.execute(total).scalar_one())
    return rows, count


def resolve_idents(
    store: Store, idents: Sequence[str]
) -> tuple[dict[str, int], list[str], list[str]]:
    """Card ids for ``deck-slug/card-key`` identifiers (as `export cards` writes them); the
    identifiers of retired cards (gone from their deck file); and those that name no card."""
    pairs = {ident: ident.partition("/") for ident in idents}
    wanted = [(slug, key) for slug, sep, key in pairs.values() if sep and slug and key]
    found: dict[tuple[str, str], tuple[int, bool]] = {}
    if wanted:
        query = (
            select(Deck.slug, Card.key, Card.id, Card.retired)
            .join(Deck, Deck.id == Card.deck_id)
            .where(or_(*(and_(Deck.slug == slug, Card.key == key) for slug, key in wanted)))
        )
        with reading(store.engine) as connection:
            found = {
                (slug, key): (card_id, bool(retired))
                for slug, key, card_id, retired in connection.execute(query)
            }
    known: dict[str, int] = {}
    retired: list[str] = []
    unknown: list[str] = []
    for ident, (slug, _sep, key) in pairs.items():
        card = found.get((slug, key))
        if card is None:
            unknown.append(ident)
        elif card[1]:
            retired.append(ident)
        else:
            known[ident] = card[0]
    return known, retired, unknown


def live_card_ids(store: Store) -> list[tuple[str, str]]:
    """The deck slug and card key of every card in use (not retired, deck not removed)."""
    query = (
        select(Deck.slug, Card.key)
        .join(Deck, Deck.id == Card.deck_id)
        .where(Card.retired.is_(False), Deck.removed_at.is_(None))
        .order_by(Deck.slug, Card.key)
    )
    with reading(store.engine) as connection:
        return [(row[0], row[1]) for row in connection.execute(query)]


@dataclass(frozen=True, slots=True)
class HistoryRow:
    reviewed_at: datetime
    grade: int
    state_before: int
    state_after: int
    interval_ms: int
    stability: float | None
    difficulty: float | None
    duration_ms: int


def card_history(store: Store, card_id: int) -> list[HistoryRow]:
    """Every review of one card by the current profile, oldest first."""
    query = (
        select(
            Review.reviewed_at,
            Review.grade,
            Review.state_before,
            Review.state_after,
            _ms(Review.due_after) - _ms(Review.reviewed_at),
            Review.stability_after,
            Review.difficulty_after,
            Review.duration_ms,
        )
        .where(Review.card_id == card_id, Review.profile_id == store.profile_id)
        .order_by(Review.reviewed_at, Review.id)
    )
    with reading(store.engine) as connection:
        return [HistoryRow(*row) for row in connection.execute(query)]


def card_by_id(store: Store, card_id: int, now: datetime, curve: Curve) -> CardRow | None:
    """One card with its current state and retrievability."""
    query = (
        select(*_card_row_columns(now, curve))
        .select_from(Card)
        .join(CardState, CardState.card_id == Card.id)
        .join(Deck, Deck.id == Card.deck_id)
        .where(Card.id == card_id, CardState.profile_id == store.profile_id)
    )
    with reading(store.engine) as connection:
        _ensure_pow(connection)
        row = connection.execute(query).first()
    return None if row is None else _card_row(row)


# -- progress by deck and by tag ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProgressRow:
    """One deck's or tag's progress (see `progress`)."""

    kind: str
    name: str
    cards: int
    seen: int
    mature: int
    average_retrievability: float | None
    reviews: int
    retention_passed: int
    retention_total: int
    lapses: int


def progress(
    store: Store, now: datetime, curve: Curve, days: Days, since: int
) -> list[ProgressRow]:
    """Per deck, then per tag: card figures from the states, review counts from the log, and
    true retention from study day `since` to the end of `days`."""
    scope = Scope()
    mature = and_(
        CardState.state == REVIEW,
        _ms(CardState.due) - _ms(CardState.last_review) >= _int(MATURE_DAYS * DAY_MS),
    )
    card_columns = (
        func.count(),
        _count_if(CardState.state != NEW),
        _count_if(mature),
        func.avg(retrievability(now, curve)),
        func.coalesce(func.sum(CardState.lapses), 0),
    )
    by_deck = (
        _cards(store, scope, Deck.slug, *card_columns)
        .join(Deck, Deck.id == Card.deck_id)
        .group_by(Deck.slug)
    )
    by_tag = (
        _cards(store, scope, CardTag.tag, *card_columns)
        .join(CardTag, CardTag.card_id == Card.id)
        .where(CardTag.tag != LEECH_TAG)
        .group_by(CardTag.tag)
    )
    review_count = (
        select(Deck.slug, func.count(Review.id))
        .select_from(Review)
        .join(Card, Card.id == Review.card_id)
        .join(Deck, Deck.id == Card.deck_id)
        .where(Review.profile_id == store.profile_id, Card.retired.is_(False))
        .group_by(Deck.slug)
    )
    tag_review_count = (
        select(CardTag.tag, func.count(Review.id))
        .select_from(Review)
        .join(Card, Card.id == Review.card_id)
        .join(CardTag, CardTag.card_id == Card.id)
        .where(Review.profile_id == store.profile_id, Card.retired.is_(False))
        .group_by(CardTag.tag)
    )
    first = (
        select(Review.card_id.label("card_id"), (Review.grade >= PASS_GRADE).label("passed"))
        .where(*_since(store, scope, days.start(since)), _first_of_day(days.segments()))
        .subquery("first_of_day")
    )
    passed = _count_if(first.c.passed.is_(True))
    deck_retention = (
        select(Deck.slug, passed, func.count())
        .select_from(first)
        .join(Card, Card.id == first.c.card_id)
        .join(Deck, Deck.id == Card.deck_id)
        .where(Card.retired.is_(False))
        .group_by(Deck.slug)
    )
    tag_retention = (
        select(CardTag.tag, passed, func.count())
        .select_from(first)
        .join(Card, Card.id == first.c.card_id)
        .join(CardTag, CardTag.card_id == Card.id)
        .where(Card.retired.is_(False))
        .group_by(CardTag.tag)
    )
    rows: list[ProgressRow] = []
    with reading(store.engine) as connection:
        _ensure_pow(connection)
        for kind, cards_query, reviews_query, retention_query in (
            ("deck", by_deck, review_count, deck_retention),
            ("tag", by_tag, tag_review_count, tag_retention),
        ):
            counts = {name: int(n) for name, n in connection.execute(reviews_query)}
            retention = {
                name: (int(p), int(n)) for name, p, n in connection.execute(retention_query)
            }
            wide = deck_wide_tags(connection) if kind == "tag" else set()
            for name, n, seen, mature_n, r, lapses in connection.execute(cards_query):
                if name in wide:
                    continue
                p, total = retention.get(name, (0, 0))
                rows.append(
                    ProgressRow(
                        kind=kind,
                        name=name,
                        cards=int(n),
                        seen=int(seen),
                        mature=int(mature_n),
                        average_retrievability=None if r is None else float(r),
                        reviews=counts.get(name, 0),
                        retention_passed=p,
                        retention_total=total,
                        lapses=int(lapses),
                    )
                )
    rows.sort(key=lambda row: (row.kind != "deck", row.name))
    return rows


class CardText(NamedTuple):
    """What `card` shows of a card beyond its row in `cards`, and its last review."""

    back: str
    extra: str
    answer: str | None  # what a typed answer is checked against
    accept: tuple[str, ...]  # the deck's other answers that count as right
    last_review: datetime | None


def card_text_and_last_review(store: Store, card_id: int) -> CardText:
    """The back, extra line and typed answer of a card, and when the current profile last
    reviewed it."""
    query = (
        select(Card.back, Card.extra, Card.answer, Card.accept, CardState.last_review)
        .join(CardState, CardState.card_id == Card.id)
        .where(Card.id == card_id, CardState.profile_id == store.profile_id)
    )
    with reading(store.engine) as connection:
        back, extra, answer, accept, last_review = connection.execute(query).one()
    return CardText(back, extra, answer, tuple(json.loads(accept)), last_review)
