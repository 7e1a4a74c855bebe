"""Figures by study day: the forecast, the calendar of answers, true retention."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    case,
    column,
    func,
    or_,
    select,
    values,
)

from stalindeck.store.engine import reading
from stalindeck.store.models import (
    NEW,
    REVIEW,
    CardState,
    Review,
)
from stalindeck.store.open import Store
from stalindeck.store.stats_queries.common import (
    DAY_MS,
    MATURE_DAYS,
    PASS_GRADE,
    DaySegments,
    Scope,
    _cards,
    _count_if,
    _int,
    _ms,
    _review_conditions,
    study_day,
)


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
