"""Everything `stalindeck stats` shows, as plain dataclasses computed by SQL aggregates.

True retention follows Anki: only the first answer of each card per study day counts, only for
cards that were in review (state before the answer = review; learning and relearning steps
are short-term memory), pass = Hard, Good or Easy. A card is mature when the interval the
answer tested (due - last review, before the answer) was at least 21 days.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, TypeVar

from stalindeck.scheduling.day import day_end, study_date
from stalindeck.scheduling.limits import Limits
from stalindeck.stats.days import start_of, window
from stalindeck.store import stats_queries as q
from stalindeck.store.open import Store
from stalindeck.store.stats_queries import Curve, Scope
from stalindeck.store.values import LEECH_LAPSES

FORECAST_DAYS = 30
CALENDAR_DAYS = 365
HARDEST = 10
PARALLEL_QUERIES = 4
T = TypeVar("T")
SCHEMA_VERSION = 1
STABILITY_LABELS = ("<1d", "1-7d", "7d-1mo", "1-3mo", "3-6mo", "6mo-1y", "1-2y", "≥2y")


def default_curve(parameters: Sequence[float] | None = None) -> Curve:
    """The forgetting curve of FSRS-6 parameters (``DECAY = -w20``); None: the defaults."""
    from stalindeck.scheduling.fsrs_bridge import make_scheduler

    decay = -(parameters or make_scheduler().parameters)[20]
    return Curve(decay=decay, factor=0.9 ** (1 / decay) - 1)


@dataclass(frozen=True, slots=True)
class Today:
    """This study day so far.

    Attributes:
        answers: answers given.
        cards: different cards answered.
        again: answers graded Again.
        time_ms: time spent answering.
        retention: true retention today (None when no review card was answered).
        due_now: seen, unsuspended cards due by now (learning steps included).
        due_later_today: due after now, before the day ends.
        due_tomorrow: due during the next study day.
    """

    answers: int
    cards: int
    again: int
    time_ms: int
    retention: float | None
    due_now: int
    due_later_today: int
    due_tomorrow: int


@dataclass(frozen=True, slots=True)
class CardCounts:
    """Cards by state. Exclusive: suspended first, then buried, then by scheduling state.
    `young` + `mature` = `review` (interval under / at least 21 days)."""

    total: int
    new: int
    learning: int
    review: int
    relearning: int
    suspended: int
    buried: int
    young: int
    mature: int


@dataclass(frozen=True, slots=True)
class ForecastDay:
    date: date
    due: int


@dataclass(frozen=True, slots=True)
class DayAnswers:
    """Answers on one study day (given in the calendar, or planned in an exam's workload)."""

    date: date
    reviews: int


@dataclass(frozen=True, slots=True)
class Calendar:
    """Answers per study day over the last year (days without any left out).

    Attributes:
        first: the first day of the window.
        last: today.
        days: days with answers, oldest first.
        days_studied: days with answers in the window.
        current_streak: consecutive days with answers ending today (or yesterday, when today
            has none yet), within the window.
        longest_streak: the longest run of consecutive days with answers, within the window.
        total_reviews: answers in the window.
    """

    first: date
    last: date
    days: tuple[DayAnswers, ...]
    days_studied: int
    current_streak: int
    longest_streak: int
    total_reviews: int


@dataclass(frozen=True, slots=True)
class Retention:
    """True retention over one period: pass and fail counts, young and mature."""

    period: str
    young_passed: int
    young_failed: int
    mature_passed: int
    mature_failed: int

    @property
    def young(self) -> float | None:
        return _ratio(self.young_passed, self.young_passed + self.young_failed)

    @property
    def mature(self) -> float | None:
        return _ratio(self.mature_passed, self.mature_passed + self.mature_failed)

    @property
    def total(self) -> float | None:
        passed = self.young_passed + self.mature_passed
        return _ratio(passed, passed + self.young_failed + self.mature_failed)


@dataclass(frozen=True, slots=True)
class Bin:
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class Memory:
    """FSRS's view of the seen cards.

    Attributes:
        seen: cards reviewed at least once.
        knowledge: estimated cards known now: the sum of current retrievability.
        average_retrievability: mean current retrievability of the seen cards.
        average_stability: mean stability in days.
        average_difficulty: mean difficulty on FSRS's 1-10 scale.
        stability: how many seen cards in each stability band.
        difficulty: by difficulty, ``(D - 1) / 9`` in tenths.
        retrievability: by current retrievability, in tenths.
    """

    seen: int
    knowledge: float
    average_retrievability: float | None
    average_stability: float | None
    average_difficulty: float | None
    stability: tuple[Bin, ...]
    difficulty: tuple[Bin, ...]
    retrievability: tuple[Bin, ...]


@dataclass(frozen=True, slots=True)
class Topic:
    """One tag: cards, seen cards, their mean current retrievability, lapses, and mastery: the
    share of all the tag's cards you would recall now (cards never seen count 0)."""

    tag: str
    cards: int
    seen: int
    retrievability: float | None
    lapses: int
    mastery: float


@dataclass(frozen=True, slots=True)
class HardCard:
    card: str
    front: str
    lapses: int
    retrievability: float | None
    leech: bool


@dataclass(frozen=True, slots=True)
class ExamOutlook:
    """The exam of the `exam_date` setting, seen from today (`stalindeck exam` plans for it).

    Attributes:
        date: the day of the exam.
        days_left: study days until it.
        cards: unsuspended cards in scope.
        recall_if_stopped: their mean retrievability when the exam's study day starts, if none
            were reviewed again (cards never reviewed count 0); None without cards.
    """

    date: date
    days_left: int
    cards: int
    recall_if_stopped: float | None


@dataclass(frozen=True, slots=True)
class Stats:
    """Everything `stalindeck stats` reports."""

    now: datetime
    today_date: date
    decks: tuple[str, ...]
    tags: tuple[str, ...]
    today: Today
    cards: CardCounts
    forecast: tuple[ForecastDay, ...]
    calendar: Calendar
    retention: tuple[Retention, ...]
    memory: Memory
    topics: tuple[Topic, ...]
    hardest: tuple[HardCard, ...]
    leeches: int
    exam: ExamOutlook | None


def _ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def _mean(total: float, count: int) -> float | None:
    return None if count == 0 else total / count


def _tenths(counts: tuple[int, ...]) -> tuple[Bin, ...]:
    return tuple(Bin(f"{10 * i}-{10 * (i + 1)}%", n) for i, n in enumerate(counts))


def _submit(pool: ThreadPoolExecutor | None, work: Callable[..., T], *args: Any) -> Future[T]:
    if pool is not None:
        return pool.submit(work, *args)
    done: Future[T] = Future()
    done.set_result(work(*args))
    return done


def _streaks(studied: set[int], today: int) -> tuple[int, int]:
    current = 0
    day = today if today in studied else today - 1
    while day in studied:
        current += 1
        day -= 1
    longest = run = 0
    previous: int | None = None
    for day in sorted(studied):
        run = run + 1 if previous == day - 1 else 1
        longest = max(longest, run)
        previous = day
    return current, longest


def compute(
    store: Store,
    now: datetime,
    *,
    scope: Scope | None = None,
    limits: Limits | None = None,
    curve: Curve | None = None,
    tz: tzinfo | None = None,
    exam: date | None = None,
) -> Stats:
    """All the figures for the cards in `scope` (default: every card) as of `now`.

    Args:
        store: the open store.
        now: the moment the figures are for (UTC-aware).
        scope: which decks and tags.
        limits: for the rollover hour.
        curve: the forgetting curve (default: FSRS-6 default parameters).
        tz: the time zone of study days (None: the machine's).
        exam: the day of an exam; after today, the figures include its `ExamOutlook`.
    """
    scope = scope or Scope()
    limits = limits or Limits()
    curve = curve or default_curve()
    hour = limits.rollover_hour
    today = study_date(now, hour, tz)
    today_n = today.toordinal()
    first = today - timedelta(days=CALENDAR_DAYS - 1)
    days = window(first, today + timedelta(days=FORECAST_DAYS), hour, tz)
    recent = window(first, today, hour, tz)

    # The queries are independent reads, and SQLite lets go of the GIL while it works, so
    # they run side by side, each on its own connection (WAL lets readers share the file).
    # An in-memory store is one connection's own: there, they run one after the other. So
    # they do on PostgreSQL, where each connection is a server process to start: for one
    # student's figures that cost more than running side by side saved (0.070-0.074 s one
    # after the other, 0.077-0.086 s side by side, on the school of benchmarks/class_bench.py).
    one_by_one = store.path is None
    with ThreadPoolExecutor(max_workers=PARALLEL_QUERIES) as threads:
        pool = None if one_by_one else threads
        year_job = _submit(pool, q.retention_total, store, scope, recent, first.toordinal())
        memory_job = _submit(pool, q.memory, store, scope, now, curve)
        topics_job = _submit(pool, q.topics, store, scope, now, curve)
        counts_job = _submit(
            pool,
            q.state_counts,
            store,
            scope,
            now,
            day_end(now, hour, tz),
            start_of(today + timedelta(days=2), hour, tz),
        )
        by_day_job = _submit(pool, q.retention_by_day, store, scope, recent, today_n - 29)
        per_day_job = _submit(pool, q.reviews_per_day, store, scope, recent)
        hardest_job = _submit(pool, q.hardest, store, scope, now, curve, HARDEST)
        forecast_job = _submit(pool, q.forecast, store, scope, days, today_n, FORECAST_DAYS)
        exam_job = None
        if exam is not None and exam > today:
            exam_at = start_of(exam, hour, tz)
            exam_job = _submit(pool, q.recall_at, store, scope, exam_at, curve)
        done_job = _submit(pool, q.today, store, scope, start_of(today, hour, tz))
    counts, mem, done = counts_job.result(), memory_job.result(), done_job.result()
    by_day = by_day_job.result()

    def over(first_day: int, last_day: int = today_n) -> q.PassFail:
        return sum(
            (by_day.get(day, q.PassFail()) for day in range(first_day, last_day + 1)),
            q.PassFail(),
        )

    periods = {
        "today": over(today_n),
        "yesterday": over(today_n - 1, today_n - 1),
        "week": over(today_n - 6),
        "month": over(today_n - 29),
        "year": year_job.result(),
    }
    retention = tuple(Retention(name, *asdict(pf).values()) for name, pf in periods.items())

    due_by_day = forecast_job.result()
    forecast = tuple(
        ForecastDay(date.fromordinal(today_n + i), due_by_day.get(today_n + i, 0))
        for i in range(FORECAST_DAYS)
    )

    per_day = per_day_job.result()
    current, longest = _streaks(set(per_day), today_n)
    calendar = Calendar(
        first=first,
        last=today,
        days=tuple(DayAnswers(date.fromordinal(d), per_day[d]) for d in sorted(per_day)),
        days_studied=len(per_day),
        current_streak=current,
        longest_streak=longest,
        total_reviews=sum(per_day.values()),
    )

    hard_rows, leeches = hardest_job.result()
    topic_rows = topics_job.result()
    return Stats(
        now=now,
        today_date=today,
        decks=scope.decks,
        tags=scope.tags,
        today=Today(
            answers=done.answers,
            cards=done.cards,
            again=done.again,
            time_ms=done.time_ms,
            retention=retention[0].total,
            due_now=counts.due_now,
            due_later_today=counts.due_later_today,
            due_tomorrow=counts.due_tomorrow,
        ),
        cards=CardCounts(
            total=counts.total,
            new=counts.new,
            learning=counts.learning,
            review=counts.review,
            relearning=counts.relearning,
            suspended=counts.suspended,
            buried=counts.buried,
            young=counts.young,
            mature=counts.mature,
        ),
        forecast=forecast,
        calendar=calendar,
        retention=retention,
        memory=Memory(
            seen=counts.seen,
            knowledge=mem.knowledge,
            average_retrievability=_mean(mem.knowledge, mem.cards),
            average_stability=_mean(mem.stability_sum, mem.cards),
            average_difficulty=_mean(mem.difficulty_sum, mem.cards),
            stability=tuple(
                Bin(label, n) for label, n in zip(STABILITY_LABELS, mem.stability_bins, strict=True)
            ),
            difficulty=_tenths(mem.difficulty_bins),
            retrievability=_tenths(mem.retrievability_bins),
        ),
        topics=tuple(
            Topic(t.tag, t.cards, t.seen, t.average_retrievability, t.lapses, t.mastery)
            for t in topic_rows
        ),
        hardest=tuple(
            HardCard(
                card=row.ident,
                front=row.front,
                lapses=row.lapses,
                retrievability=row.retrievability,
                leech=row.lapses >= LEECH_LAPSES,
            )
            for row in hard_rows
        ),
        leeches=leeches,
        exam=None if exam is None or exam_job is None else _outlook(exam, today, exam_job),
    )


def _outlook(exam: date, today: date, job: Future[tuple[int, float]]) -> ExamOutlook:
    cards, recall = job.result()
    return ExamOutlook(exam, (exam - today).days, cards, _mean(recall, cards))


def jsonable(value: Any) -> Any:
    """`value` as JSON values: dataclasses as objects, dates in ISO 8601 (UTC as Z)."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [jsonable(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        out = {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
        if isinstance(value, Retention):
            out.update(young=value.young, mature=value.mature, total=value.total)
        return out
    return value


def to_json(stats: Stats) -> dict[str, Any]:
    """The documented `stats --json` object (see docs/stats.md), schema version 1."""
    data: dict[str, Any] = {"schema": SCHEMA_VERSION}
    data.update(jsonable(stats))
    return data
