"""Exam-day planning: what you will remember on the day of an exam, and what it takes.

Two plans are compared for every unsuspended card in scope:

- **stop**: no more reviews. Recall on exam day is FSRS-6's forgetting curve
  ``R = (1 + factor·t/S)^decay`` from the card's stability and last review, ``t`` the exact
  time in days (as `stats` shows retrievability, and Anki). A card never reviewed counts as 0:
  it has not been learned.
- **keep up**: every card is answered Good whenever it falls due before the exam, and new
  cards are introduced `new_per_day` a day in deck order (today counting as a whole day) until
  none are left. Each card goes through the real `fsrs` scheduler without fuzz, answer after
  answer, until its next due date is past the exam; recall is then read off the same curve.
  Its first answer comes the study days after its last review that the answer path would
  count (docs/scheduling.md); the answers after it are whole days apart or within a day.

The exam takes place at the start of its study day (the rollover hour, 4 am by default): the
reviews of the days before it count, none on the day itself.

Cards are simulated independently (no daily review limit, siblings not spread over days).
The scheduler is deterministic and only differences of times matter to it, so a card's future
depends only on its memory, how long ago it was last reviewed and how long is left until the
exam: cards that share those share one simulation (every new card introduced on the same day
does).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from stalindeck.errors import StalindeckError
from stalindeck.scheduling.day import DEFAULT_ROLLOVER_HOUR, StudyDays, study_date
from stalindeck.scheduling.fsrs_bridge import Memory, SchedulerSettings, make_scheduler, to_fsrs
from stalindeck.scheduling.limits import Limits
from stalindeck.stats.days import window
from stalindeck.stats.figures import DayAnswers, jsonable
from stalindeck.store.exam_queries import ExamCardRow
from stalindeck.store.models import LEARNING, NEW, RELEARNING, REVIEW, to_millis
from stalindeck.store.stats_queries import Curve, Scope

if TYPE_CHECKING:
    import fsrs

    from stalindeck.store.open import Store

SCHEMA_VERSION = 1
LEAD_DAYS = 7  # see every card at least this many days before the exam
DAY_MS = 86_400_000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Three runs of digits, as any written date has (a deck called "1953-1964" has two).
_DATE_SHAPE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
_BASE = datetime(2000, 1, 1, tzinfo=UTC)  # simulations run from here: only differences matter


@dataclass(frozen=True, slots=True)
class Recall:
    """Expected recall on exam day under one plan.

    Attributes:
        recall: the mean probability of recall over the cards (None when there are none).
        remembered: the expected number of cards remembered (the sum of those probabilities).
    """

    recall: float | None
    remembered: float


@dataclass(frozen=True, slots=True)
class TopicForecast:
    """One tag's cards on exam day under both plans."""

    tag: str
    cards: int
    stop: Recall
    keep_up: Recall


@dataclass(frozen=True, slots=True)
class SectionForecast:
    """One deck section's cards on exam day under both plans ("" = cards with no section)."""

    deck: str
    section: str
    cards: int
    stop: Recall
    keep_up: Recall


@dataclass(frozen=True, slots=True)
class Workload:
    """The answers the keep-up plan asks for on each study day before the exam.

    Attributes:
        days: every study day from today to the day before the exam.
        total: answers in all (learning steps included).
        mean: answers per day on average.
        peak: the busiest day (the first, on a tie; None when there is nothing to do).
    """

    days: tuple[DayAnswers, ...]
    total: int
    mean: float
    peak: DayAnswers | None


@dataclass(frozen=True, slots=True)
class NewCards:
    """New cards under the keep-up plan.

    Attributes:
        count: cards in scope never reviewed.
        introduced: how many of them are introduced before the exam.
        all_introduced_on: the study day the last one is introduced (None: not before the exam,
            or there are none).
        lead_days: the margin `needed_per_day` aims for: 7 days, or as many as there are
            before the exam when it is closer (0 when the exam is tomorrow).
        needed_per_day: new cards a day that would introduce every one of them at least
            `lead_days` days before the exam; None when there are none.
    """

    count: int
    introduced: int
    all_introduced_on: date | None
    lead_days: int
    needed_per_day: int | None


@dataclass(frozen=True, slots=True)
class ExamForecast:
    """Everything `stalindeck exam` reports.

    Attributes:
        now: when the forecast was made.
        today: today's study day.
        exam_date: the day of the exam.
        exam_at: when the exam's study day starts (UTC): the moment recall is predicted for.
        days_left: study days from today to the day before the exam, both included.
        decks: the decks in scope as given (empty: all).
        tags: the tags in scope as given (empty: all).
        new_per_day: new cards a day in the keep-up plan.
        desired_retention: the scheduler's target; cards below it on exam day are at risk.
        cards: unsuspended cards in scope.
        seen: those reviewed at least once.
        stop: recall on exam day if you stop reviewing now.
        keep_up: recall on exam day if you keep reviewing as scheduled.
        at_risk: cards below `desired_retention` on exam day even if you keep up.
        topics: per tag, weakest first (lowest keep-up recall to the percent, then lowest
            stop recall).
        sections: per deck section, weakest first.
        workload: the keep-up plan's answers per day.
        new_cards: when the keep-up plan introduces the new cards.
    """

    now: datetime
    today: date
    exam_date: date
    exam_at: datetime
    days_left: int
    decks: tuple[str, ...]
    tags: tuple[str, ...]
    new_per_day: int
    desired_retention: float
    cards: int
    seen: int
    stop: Recall
    keep_up: Recall
    at_risk: int
    topics: tuple[TopicForecast, ...]
    sections: tuple[SectionForecast, ...]
    workload: Workload
    new_cards: NewCards


def _offset(moment: datetime) -> int:
    """Milliseconds from the simulations' start to `moment`, exactly (no float timestamp)."""
    return (moment - _BASE) // timedelta(milliseconds=1)


def example_date(today: date) -> date:
    """A plausible exam date to quote in messages: the next 5 June (A-level season)."""
    this_year = date(today.year, 6, 5)
    return this_year if this_year > today else date(today.year + 1, 6, 5)


def looks_like_date(text: str) -> bool:
    """Whether `text` is shaped like a date (digits and dashes), not a deck name."""
    return _DATE_SHAPE.fullmatch(text.strip()) is not None


def parse_exam_date(text: str, today: date) -> date:
    """The date in `text` (``YYYY-MM-DD``), which must be after `today`.

    Raises:
        StalindeckError: `text` is not such a date, or the date is today or past.
    """
    example = example_date(today).isoformat()
    try:
        if not _ISO_DATE.fullmatch(text.strip()):
            raise ValueError(text)
        exam = date.fromisoformat(text.strip())
    except ValueError:
        raise StalindeckError(
            f"{text!r} is not a date; write the exam date as YYYY-MM-DD, e.g. {example}"
        ) from None
    check_exam_date(exam, today)
    return exam


# The furthest exam planned for: the plan walks every day up to it.
MAX_EXAM_YEARS = 10


def check_exam_date(exam: date, today: date) -> None:
    """Raise `StalindeckError` unless `exam` is after `today` and within `MAX_EXAM_YEARS`."""
    if exam <= today:
        when = "today" if exam == today else "in the past"
        raise StalindeckError(
            f"the exam date {exam.isoformat()} is {when} (today is {today.isoformat()}); "
            f"give a later date as YYYY-MM-DD, e.g. {example_date(today).isoformat()}"
        )
    latest = today.replace(year=today.year + MAX_EXAM_YEARS, day=min(today.day, 28))
    if exam > latest:
        raise StalindeckError(
            f"the exam date {exam.isoformat()} is more than {MAX_EXAM_YEARS} years away; "
            f"give a date up to {latest.isoformat()} as YYYY-MM-DD"
        )


def recall_at(
    curve: Curve, stability: float | None, last_review_ms: int | None, at_ms: int
) -> float:
    """The probability of recall at `at_ms` of a card last reviewed at `last_review_ms` with
    `stability`; 0 for a card that has never been reviewed. ``t`` is the exact time in days,
    as `stats` shows retrievability."""
    if stability is None or stability <= 0 or last_review_ms is None:
        return 0.0
    return curve.retrievability(max(0, at_ms - last_review_ms) / DAY_MS, stability)


def _never_reviewed(row: ExamCardRow) -> bool:
    # A state without a usable memory (only a damaged store has one) is learnt from scratch.
    return (
        row.state == NEW
        or row.stability is None
        or row.stability <= 0
        or row.difficulty is None
        or row.last_review_ms is None
    )


# A simulation's key: state, step, stability, difficulty, ms since the last review (None:
# never), ms from the first answer to the exam. Its value: recall at the exam and the
# moments of the answers, in ms after the first.
_Key = tuple[int, int | None, float | None, float | None, int | None, int]
_Outcome = tuple[float, tuple[int, ...]]


class _Simulator:
    """Answers Good to one card every time it falls due until the exam (see the module)."""

    def __init__(
        self,
        scheduler: fsrs.Scheduler,
        curve: Curve,
        *,
        fast: bool = True,
        rollover_hour: int = DEFAULT_ROLLOVER_HOUR,
        tz: tzinfo | None = None,
    ) -> None:
        import fsrs

        self._study_day = StudyDays(rollover_hour, tz)
        self._good = fsrs.Rating.Good
        self._review = fsrs.State.Review
        self._fast = fast
        self._scheduler = scheduler
        self._curve = curve
        self._cache: dict[_Key, _Outcome] = {}

    def run(self, row: ExamCardRow, start_ms: int, exam_ms: int) -> _Outcome:
        """Recall at `exam_ms` and the answers' offsets from `start_ms`, for a card answered
        first at `start_ms` (its due time, or now when it is overdue or new)."""
        if _never_reviewed(row):
            return self.run_new(exam_ms - start_ms)
        assert row.stability is not None and row.difficulty is not None
        assert row.last_review_ms is not None
        return self.run_seen(
            row.state, row.step, row.stability, row.difficulty, row.last_review_ms,
            start_ms, exam_ms,
        )  # fmt: skip

    def run_new(self, remaining: int) -> _Outcome:
        """`run` for a card never reviewed, `remaining` ms before the exam."""
        key: _Key = (NEW, None, None, None, None, remaining)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._simulate(key)
        return found

    def run_seen(
        self,
        state: int,
        step: int | None,
        stability: float,
        difficulty: float,
        last_review_ms: int,
        start_ms: int,
        exam_ms: int,
    ) -> _Outcome:
        """`run` for a card reviewed before, given by its fields (`plan` calls this once per
        card due before the exam: no row attributes looked up twice)."""
        study_day = self._study_day
        # The scheduler counts 24-hour periods, the student's answers study days: the
        # first answer's gap as whole days of study (the rest are whole days apart).
        gap = study_day(start_ms) - study_day(last_review_ms)
        since = gap * DAY_MS if gap >= 1 else min(max(start_ms - last_review_ms, 0), DAY_MS - 1)
        # (A learning card stored without its step restarts its steps: `to_fsrs` says so.)
        key: _Key = (state, step, stability, difficulty, since, exam_ms - start_ms)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._simulate(key)
        return found

    def _simulate(self, key: _Key) -> _Outcome:
        state, step, stability, difficulty, since, remaining = key
        answers: list[int] = []
        if since is None:
            memory = Memory(NEW, None, None, None, None, None, 0, 0)
        else:
            assert stability is not None and difficulty is not None
            if self._fast and state == REVIEW and since >= DAY_MS:
                return self._reviews(stability, difficulty, -since, 0, remaining, answers)
            if self._fast and remaining > 0 and state in (LEARNING, RELEARNING):
                graduated = self._graduating(
                    state, 0 if step is None else step, stability, difficulty, since
                )
                if graduated is not None:
                    stability, difficulty, due = graduated
                    answers.append(0)
                    return self._reviews(stability, difficulty, 0, due, remaining, answers)
            last = _BASE - timedelta(milliseconds=since)
            memory = Memory(state, step, stability, difficulty, _BASE, last, 0, 0)
        card = to_fsrs(1, memory, _BASE)
        exam = _BASE + timedelta(milliseconds=remaining)
        moment = _BASE
        while moment < exam:
            card, _log = self._scheduler.review_card(card, self._good, moment)
            answers.append(_offset(moment))
            if card.due <= moment:  # never with real steps; a guard against a loop
                break
            moment = card.due
            if self._fast and card.state == self._review:
                # Just graduated (or answered in review): due at least a day after this answer.
                assert card.stability is not None and card.difficulty is not None
                due_ms = _offset(card.due)
                return self._reviews(
                    card.stability, card.difficulty, answers[-1], due_ms, remaining, answers
                )
        last_ms = None if card.last_review is None else _offset(card.last_review)
        recall = recall_at(self._curve, card.stability, last_ms, remaining)
        return recall, tuple(answers)

    def _graduating(
        self, state: int, step: int, stability: float, difficulty: float, since: int
    ) -> tuple[float, float, int] | None:
        """The stability, difficulty and due time (ms) after answering Good at the start a
        learning or relearning card last reviewed `since` ms before, when that answer takes
        it out of its steps; None when it goes on to its next step (`review_card` walks it).

        The steps `Scheduler.review_card` takes for such a card (most of the relearning cards
        of a real collection are waiting on their last step), through the scheduler's own
        formulas, without building a card, a copy and a log (a test checks they agree)."""
        scheduler, good = self._scheduler, self._good
        steps = scheduler.learning_steps if state == LEARNING else scheduler.relearning_steps
        if steps and step < len(steps) and step + 1 != len(steps):
            return None
        days = since // DAY_MS  # whole days, as `review_card` counts them
        if days < 1:
            stability = scheduler._short_term_stability(stability=stability, rating=good)
        else:
            retrievability = (1 + scheduler._FACTOR * days / stability) ** scheduler._DECAY
            stability = scheduler._next_stability(
                difficulty=difficulty,
                stability=stability,
                retrievability=retrievability,
                rating=good,
            )
        difficulty = scheduler._next_difficulty(difficulty=difficulty, rating=good)
        return stability, difficulty, scheduler._next_interval(stability=stability) * DAY_MS

    def _reviews(
        self,
        stability: float,
        difficulty: float,
        last: int,
        due: int,
        remaining: int,
        answers: list[int],
    ) -> _Outcome:
        """Good after Good for a review card last answered at `last` and due at `due` (ms
        after the start, at least a day apart), until the exam at `remaining`.

        The steps `Scheduler.review_card` takes for a review card answered a day or more after
        its last review, through the scheduler's own formulas, without copying the card and
        building a log at every answer (a test checks that both agree exactly)."""
        scheduler, good = self._scheduler, self._good
        factor, decay = scheduler._FACTOR, scheduler._DECAY
        while due < remaining:
            elapsed = (due - last) // DAY_MS
            retrievability = (1 + factor * elapsed / stability) ** decay
            stability = scheduler._next_stability(
                difficulty=difficulty,
                stability=stability,
                retrievability=retrievability,
                rating=good,
            )
            difficulty = scheduler._next_difficulty(difficulty=difficulty, rating=good)
            answers.append(due)
            last, due = due, due + scheduler._next_interval(stability=stability) * DAY_MS
        return recall_at(self._curve, stability, last, remaining), tuple(answers)


class _Tally:
    """Cards and the sums of recall under both plans, for one group of cards."""

    __slots__ = ("cards", "keep_up", "stop")

    def __init__(self) -> None:
        self.cards = 0
        self.stop = 0.0
        self.keep_up = 0.0

    def add(self, stop: float, keep_up: float) -> None:
        self.cards += 1
        self.stop += stop
        self.keep_up += keep_up

    def recall(self) -> tuple[Recall, Recall]:
        def mean(total: float) -> Recall:
            return Recall(None if not self.cards else total / self.cards, total)

        return mean(self.stop), mean(self.keep_up)


def _weakest_first(stop: Recall, keep_up: Recall) -> tuple[float, float]:
    """A sort key: lowest keep-up recall first (to the percent, as shown: it is close to the
    desired retention for every topic whose cards all get learnt), then lowest stop recall."""
    return (
        -1.0 if keep_up.recall is None else round(100 * keep_up.recall),
        -1.0 if stop.recall is None else stop.recall,
    )


def forecast(
    store: Store,
    exam: date,
    now: datetime,
    *,
    scope: Scope | None = None,
    new_per_day: int | None = None,
    curve: Curve | None = None,
    settings: SchedulerSettings | None = None,
    limits: Limits | None = None,
    tz: tzinfo | None = None,
) -> ExamForecast:
    """Recall on exam day if you stop now and if you keep up, per topic and per deck section,
    and the keep-up plan's workload, for the unsuspended cards in `scope`.

    Args:
        store: the open store.
        exam: the day of the exam (after today's study day).
        now: the moment the forecast is made (UTC-aware).
        scope: which decks and tags (default: every card).
        new_per_day: new cards a day in the keep-up plan (default: the daily limit, 20).
        curve: the forgetting curve (default: FSRS-6 default parameters); with custom
            parameters in `settings`, pass their curve too, so both plans use the same one.
        settings: the scheduler's settings (fuzz is always off here: plans are deterministic).
        limits: for the rollover hour and the default `new_per_day`.
        tz: the time zone of study days (None: the machine's).

    Raises:
        StalindeckError: the exam is not after today, or `new_per_day` is negative.
    """
    from stalindeck.stats.cards import check_scope
    from stalindeck.stats.figures import default_curve
    from stalindeck.store.exam_queries import exam_cards

    scope = scope or Scope()
    limits = limits or Limits()
    settings = replace(settings or SchedulerSettings(), enable_fuzzing=False)
    per_day = limits.new_per_day if new_per_day is None else new_per_day
    if per_day < 0:
        raise StalindeckError(f"new cards per day must be 0 or more, not {per_day}")
    today = study_date(now, limits.rollover_hour, tz)
    check_exam_date(exam, today)
    scope = check_scope(store, scope)
    rows = exam_cards(store, scope)
    return plan(
        rows,
        exam,
        now,
        scope=scope,
        new_per_day=per_day,
        curve=curve or default_curve(),
        settings=settings,
        rollover_hour=limits.rollover_hour,
        tz=tz,
    )


def plan(
    rows: Sequence[ExamCardRow],
    exam: date,
    now: datetime,
    *,
    scope: Scope,
    new_per_day: int,
    curve: Curve,
    settings: SchedulerSettings,
    rollover_hour: int,
    tz: tzinfo | None = None,
) -> ExamForecast:
    """The forecast for `rows` (in the order new cards are introduced); see `forecast`."""
    today = study_date(now, rollover_hour, tz)
    check_exam_date(exam, today)
    days_left = (exam - today).days
    starts = window(today, exam - timedelta(days=1), rollover_hour, tz).starts
    exam_ms = starts[days_left]
    now_ms = to_millis(now)
    simulator = _Simulator(
        make_scheduler(replace(settings, enable_fuzzing=False)),
        curve,
        rollover_hour=rollover_hour,
        tz=tz,
    )

    answers_per_day = [0] * days_left
    total, at_risk, seen, new_index = _Tally(), 0, 0, 0
    last_new_day: int | None = None
    topics: dict[str, _Tally] = {}
    sections: dict[tuple[str, str], _Tally] = {}
    # The loop runs once per card (100,000 in the benchmark): names bound once, the curve's
    # formula and the tallies' sums written out in it rather than called. The sums are made
    # card by card in the rows' order, as before, so every figure comes out to the same bit.
    run_new, run_seen = simulator.run_new, simulator.run_seen
    factor, decay = curve.factor, curve.decay
    desired = settings.desired_retention
    section_key: tuple[str, str] | None = None
    section_tally = total  # replaced at the first row
    for _card_id, deck, section, tags, state, step, stability, difficulty, due_ms, last_ms in rows:
        if (
            state == NEW
            or stability is None
            or stability <= 0
            or difficulty is None
            or last_ms is None
        ):  # never reviewed (see `_never_reviewed`)
            stop = 0.0
            day = new_index // new_per_day if new_per_day else days_left
            new_index += 1
            if day < days_left:
                last_new_day = day
                start_ms = now_ms if day == 0 else max(now_ms, starts[day])
                keep_up, offsets = run_new(exam_ms - start_ms)
            else:
                keep_up, offsets = 0.0, ()
        else:
            seen += 1
            # `recall_at`: the exact time in days on the curve.
            elapsed = exam_ms - last_ms
            stop = (1 + factor * ((elapsed if elapsed > 0 else 0) / DAY_MS) / stability) ** decay
            start_ms = now_ms if due_ms is None or due_ms < now_ms else due_ms
            if start_ms < exam_ms:
                keep_up, offsets = run_seen(
                    state, step, stability, difficulty, last_ms, start_ms, exam_ms
                )
            else:
                keep_up, offsets = stop, ()
        if offsets:
            # Most answers fall on the first day or later; find each day from its moment.
            for offset in offsets:
                index = bisect_right(starts, start_ms + offset) - 1
                if 0 <= index < days_left:
                    answers_per_day[index] += 1
        total.cards += 1
        total.stop += stop
        total.keep_up += keep_up
        if keep_up < desired:
            at_risk += 1
        for tag in tags:
            tally = topics.get(tag)
            if tally is None:
                tally = topics[tag] = _Tally()
            tally.cards += 1
            tally.stop += stop
            tally.keep_up += keep_up
        # Rows come deck by deck in file order: a section's cards mostly follow each other.
        if section_key is None or section_key[0] != deck or section_key[1] != section:
            section_key = (deck, section)
            found = sections.get(section_key)
            if found is None:
                found = sections[section_key] = _Tally()
            section_tally = found
        section_tally.cards += 1
        section_tally.stop += stop
        section_tally.keep_up += keep_up

    stop_all, keep_up_all = total.recall()
    return ExamForecast(
        now=now,
        today=today,
        exam_date=exam,
        exam_at=datetime.fromtimestamp(exam_ms / 1000, UTC),
        days_left=days_left,
        decks=scope.decks,
        tags=scope.tags,
        new_per_day=new_per_day,
        desired_retention=settings.desired_retention,
        cards=total.cards,
        seen=seen,
        stop=stop_all,
        keep_up=keep_up_all,
        at_risk=at_risk,
        topics=_topics(topics),
        sections=_sections(sections),
        workload=_workload(today, answers_per_day),
        new_cards=_new_cards(today, days_left, new_index, new_per_day, last_new_day),
    )


def _topics(tallies: dict[str, _Tally]) -> tuple[TopicForecast, ...]:
    found = [TopicForecast(tag, tally.cards, *tally.recall()) for tag, tally in tallies.items()]
    found.sort(key=lambda item: (*_weakest_first(item.stop, item.keep_up), item.tag))
    return tuple(found)


def _sections(tallies: dict[tuple[str, str], _Tally]) -> tuple[SectionForecast, ...]:
    found = [
        SectionForecast(deck, section, tally.cards, *tally.recall())
        for (deck, section), tally in tallies.items()
    ]
    found.sort(key=lambda item: (*_weakest_first(item.stop, item.keep_up), item.deck, item.section))
    return tuple(found)


def _workload(today: date, per_day: list[int]) -> Workload:
    days = tuple(DayAnswers(today + timedelta(days=i), n) for i, n in enumerate(per_day))
    total = sum(per_day)
    peak = max(days, key=lambda day: day.reviews) if total else None
    return Workload(days=days, total=total, mean=total / len(days) if days else 0.0, peak=peak)


def _new_cards(
    today: date, days_left: int, count: int, per_day: int, last_day: int | None
) -> NewCards:
    introduced = min(count, per_day * days_left)
    done = count > 0 and introduced == count and last_day is not None
    lead = min(LEAD_DAYS, days_left - 1)  # a closer exam leaves less of a margin
    return NewCards(
        count=count,
        introduced=introduced,
        all_introduced_on=today + timedelta(days=last_day)
        if done and last_day is not None
        else None,
        lead_days=lead,
        needed_per_day=math.ceil(count / (days_left - lead)) if count else None,
    )


def to_json(found: ExamForecast) -> dict[str, Any]:
    """The documented `exam --json` object (see docs/exam.md), schema version 1."""
    data: dict[str, Any] = {"schema": SCHEMA_VERSION}
    data.update(jsonable(found))
    return data
