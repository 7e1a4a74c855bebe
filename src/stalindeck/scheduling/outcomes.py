"""What each of the four grades would do to a card, worked out in one pass, as Anki's FSRS
would.

The review screen shows, before the student grades, the interval every grade gives, so each card
shown needs four outcomes. `Outcomes` takes its numbers from `fsrs.Scheduler` (weights,
retention, steps, maximum interval) and follows `review_card`'s formulas, in its floating-point
order, with two differences that make it Anki's scheduler rather than py-fsrs's:

- Elapsed time is counted in study days (`scheduling.day.study_days_between`), as Anki counts
  it and as FSRS's weights were fitted: an answer on the card's last study day takes the
  short-term (same-day) formula, one on a later study day the long-term formula with the gap
  in study days. py-fsrs counts whole 24-hour periods, which sends a morning review after an
  evening one through the same-day formula.
- The intervals a review card's buttons give are Anki's (``rslib`` ``states/review.rs`` and
  ``fuzz.rs``): Hard at least 1 day, Good at least Hard + 1, Easy at least Good + 1; an
  interval that grows past the card's last one never lands below it + 1; Again without
  relearning steps keeps its unfuzzed interval, and Hard is at least that. Fuzz draws every
  whole day of its window with equal chance (py-fsrs's rounding can land one day past the
  window), one draw per card shown, for all its buttons, as Anki's per-card fuzz factor.

`tests/test_outcomes.py` holds the memory (state, step, stability, difficulty) equal to
py-fsrs's `review_card` given the study-day gap, and the intervals equal to a separate
transcription of Anki's rule; `tests/test_study_days.py` checks stability and difficulty
against fsrs-rs-python, Anki's own engine.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, tzinfo

import fsrs
from fsrs.scheduler import FUZZ_RANGES, MAX_DIFFICULTY, MIN_DIFFICULTY, STABILITY_MIN

from stalindeck.scheduling.day import DEFAULT_ROLLOVER_HOUR, StudyDays, study_days_between
from stalindeck.scheduling.fsrs_bridge import Memory
from stalindeck.store.models import LEARNING, NEW, RELEARNING, REVIEW

_E = math.e
_FUZZ = tuple((float(r["start"]), float(r["end"]), float(r["factor"])) for r in FUZZ_RANGES)
_GRADUATE = None  # `_move`'s delay for an outcome in review: its interval is in days


class Outcomes:
    """The four outcomes of a card under one scheduler's settings.

    Args:
        scheduler: the FSRS scheduler whose parameters, retention, steps, maximum interval and
            fuzzing apply.
        rollover_hour: the local hour at which study days start.
        tz: the zone of study days (None: the machine's).
    """

    def __init__(
        self,
        scheduler: fsrs.Scheduler,
        rollover_hour: int = DEFAULT_ROLLOVER_HOUR,
        tz: tzinfo | None = None,
    ) -> None:
        w = tuple(scheduler.parameters)
        self._w = w
        self.rollover_hour = rollover_hour
        self.tz = tz
        self._study_day = StudyDays(rollover_hour, tz)
        self._learning = tuple(scheduler.learning_steps)
        self._relearning = tuple(scheduler.relearning_steps)
        self._maximum = max(scheduler.maximum_interval, 1)
        self._fuzz = scheduler.enable_fuzzing
        decay = -w[20]
        self._factor = 0.9 ** (1 / decay) - 1
        self._decay = decay
        self._interval_scale = (scheduler.desired_retention ** (1 / decay)) - 1
        # A first answer's stability and difficulty depend only on the grade.
        self._first = {
            grade: (
                max(w[grade - 1], STABILITY_MIN),
                _clamp_d(w[4] - (_E ** (w[5] * (grade - 1))) + 1),
            )
            for grade in (1, 2, 3, 4)
        }
        self._easy_difficulty = w[4] - (_E ** (w[5] * (4 - 1))) + 1  # unclamped, for reversion
        self._forget_short = _E ** (w[17] * w[18])
        self._recall_scale = _E ** w[8]

    def study_days(self, earlier: datetime, later: datetime) -> int:
        """Study days from `earlier` to `later` under these outcomes' rollover hour and zone."""
        return study_days_between(earlier, later, self.rollover_hour, self.tz)

    def __call__(self, card: Memory, now: datetime) -> dict[int, Memory]:
        """For grades 1-4, the state `card` would be left in if answered with it at `now`."""
        state, step, stability, difficulty = card.state, card.step, card.stability, card.difficulty
        last = card.last_review
        if state == NEW:
            state, step, stability, difficulty, last = LEARNING, 0, None, None, None
        elif step is None and state != REVIEW:
            step = 0  # as `to_fsrs`: a learning card stored without its step
        days = None
        if last is not None:
            day = self._study_day
            days = day(int(now.timestamp() * 1000)) - day(int(last.timestamp() * 1000))
        short = days is not None and days < 1
        recall = 0.0
        if not short and last is not None and stability is not None:
            recall = (1 + self._factor * max(0, days or 0) / stability) ** self._decay
        memories: dict[int, tuple[float, float]] = {}
        moves: dict[int, tuple[int, int | None, timedelta | None]] = {}
        for grade in (1, 2, 3, 4):
            if stability is None or difficulty is None:
                new_s, new_d = self._first[grade]
            else:
                if short:
                    new_s = self._short_term(stability, grade)
                else:
                    new_s = self._next_stability(difficulty, stability, recall, grade)
                new_d = self._next_difficulty(difficulty, grade)
            memories[grade] = (new_s, new_d)
            moves[grade] = self._move(state, step, grade)
        # One fuzz draw for the card, as Anki's per-card fuzz factor: each button's day is
        # uniform over its own window, and the order of the buttons holds whatever the draw.
        fuzz = random.random() if self._fuzz else None
        raw = {grade: self._raw_interval(memories[grade][0]) for grade in (1, 2, 3, 4)}
        if state == REVIEW:
            days_for = self._review_days(card, moves, raw, fuzz)
        else:
            days_for = self._graduation_days(moves, raw, fuzz)
        reps, lapses = card.reps + 1, card.lapses
        result = {}
        for grade in (1, 2, 3, 4):
            new_state, new_step, delay = moves[grade]
            interval = timedelta(days=days_for[grade]) if delay is None else delay
            result[grade] = Memory(
                new_state, new_step, *memories[grade], now + interval, now, reps,
                lapses + (1 if state == REVIEW and grade == 1 else 0),
            )  # fmt: skip
        return result

    def next_memory(
        self, memory: tuple[float, float] | None, days: int, grade: int
    ) -> tuple[float, float]:
        """Stability and difficulty after an answer `grade` given `days` study days after the
        last one, from `memory` (None: a new card's first answer), as `__call__` works them
        out."""
        if memory is None:
            return self._first[grade]
        stability, difficulty = memory
        if days < 1:
            new_s = self._short_term(stability, grade)
        else:
            recall = (1 + self._factor * days / stability) ** self._decay
            new_s = self._next_stability(difficulty, stability, recall, grade)
        return new_s, self._next_difficulty(difficulty, grade)

    # -- intervals in days, as Anki's states/review.rs, learning.rs and fuzz.rs give them ------

    def _raw_interval(self, stability: float) -> float:
        """FSRS's interval for `stability` at the desired retention, in (fractional) days."""
        return float((stability / self._factor) * self._interval_scale)

    def _review_days(
        self,
        card: Memory,
        moves: dict[int, tuple[int, int | None, timedelta | None]],
        raw: dict[int, float],
        fuzz: float | None,
    ) -> dict[int, int]:
        last = scheduled_days(card)
        days = {1: 0}
        if moves[1][2] is _GRADUATE:  # Again with no relearning steps: Anki does not fuzz it
            days[1] = min(max(_round(raw[1]), 1), self._maximum)
        floor = max(1, days[1])
        for grade in (2, 3, 4):
            least = max(self._least_for(raw[grade], last), floor)
            days[grade] = self.fuzzed(raw[grade], least, fuzz)
            floor = days[grade] + 1
        return days

    def _graduation_days(
        self,
        moves: dict[int, tuple[int, int | None, timedelta | None]],
        raw: dict[int, float],
        fuzz: float | None,
    ) -> dict[int, int]:
        days = {
            grade: self.fuzzed(float(max(_round(raw[grade]), 1)), 1, fuzz)
            for grade in (1, 2, 3)
            if moves[grade][2] is _GRADUATE
        }
        # Easy leaving (re)learning: past what Good would give on graduating (Anki's
        # learning.rs and relearning.rs), whether Good graduates or not.
        least = self.fuzzed(raw[3], 1, fuzz) + 1
        days[4] = self.fuzzed(float(max(_round(raw[4]), 1)), least, fuzz)
        return days

    def _least_for(self, interval: float, last: int | None) -> int:
        """Anki's `minimum_review_fuzz_interval`: a grown interval lands past the last one,
        one about the same never below it; a shrunk one (new weights) has no minimum."""
        if last is None:
            return 0
        _low, high = self.fuzz_bounds(interval, 1)
        if _round(interval) > last:
            return last + 1
        if last <= high:
            return last
        return 0

    def fuzz_bounds(self, interval: float, minimum: int) -> tuple[int, int]:
        """The fuzz window of `interval` days, kept within `minimum` and the maximum interval;
        at least two days wide when above 2 days and below the maximum."""
        # Worked out up to six times per card shown: plain comparisons, no min()/max() calls.
        maximum = self._maximum
        if minimum > maximum:
            minimum = maximum
        if minimum < 1:
            minimum = 1
        if interval < minimum:
            interval = float(minimum)
        elif interval > maximum:
            interval = float(maximum)
        delta = 0.0
        if interval >= 2.5:
            delta = 1.0
            for start, end, factor in _FUZZ:
                if interval > start:
                    delta += factor * ((interval if interval < end else end) - start)
        # Halves up, as Rust's round (both values are positive here).
        low, high = int(interval - delta + 0.5), int(interval + delta + 0.5)
        if low < minimum:
            low = minimum
        elif low > maximum:
            low = maximum
        if high < minimum:
            high = minimum
        elif high > maximum:
            high = maximum
        if high == low and 2 < high < maximum:
            high = low + 1
        return low, high

    def fuzzed(self, interval: float, minimum: int, fuzz: float | None) -> int:
        """The days an interval of `interval` days gives: with `fuzz` (uniform in [0, 1)), a
        day of its window, each equally likely; without, the interval rounded; never under
        `minimum` (nor under 1) nor past the maximum interval."""
        if fuzz is None:
            least = min(max(minimum, 1), self._maximum)
            return min(max(_round(interval), least), self._maximum)
        low, high = self.fuzz_bounds(interval, minimum)
        return math.floor(low + fuzz * (high - low + 1))

    # -- the steps of `Scheduler.review_card`, in its order of operations ---------------------

    def _move(
        self, state: int, step: int | None, grade: int
    ) -> tuple[int, int | None, timedelta | None]:
        """The state and step a grade leads to, and its delay if a step (else `_GRADUATE`)."""
        if state == REVIEW:
            if grade == 1 and self._relearning:
                return RELEARNING, 0, self._relearning[0]
            return REVIEW, step, _GRADUATE
        steps = self._learning if state == LEARNING else self._relearning
        assert step is not None
        if not steps or (step >= len(steps) and grade > 1):
            return REVIEW, None, _GRADUATE
        if grade == 1:
            return state, 0, steps[0]
        if grade == 2:
            if step == 0 and len(steps) == 1:
                return state, step, steps[0] * 1.5
            if step == 0:
                return state, step, (steps[0] + steps[1]) / 2.0
            return state, step, steps[step]
        if grade == 3 and step + 1 != len(steps):
            return state, step + 1, steps[step + 1]
        return REVIEW, None, _GRADUATE

    def _short_term(self, stability: float, grade: int) -> float:
        w = self._w
        increase: float = (_E ** (w[17] * (grade - 3 + w[18]))) * (stability ** -w[19])
        if grade > 1:
            increase = max(increase, 1.0)
        return max(stability * increase, STABILITY_MIN)

    def _next_difficulty(self, difficulty: float, grade: int) -> float:
        w = self._w
        delta = -(w[6] * (grade - 3))
        damped = difficulty + (10.0 - difficulty) * delta / 9.0
        return _clamp_d(w[7] * self._easy_difficulty + (1 - w[7]) * damped)

    def _next_stability(
        self, difficulty: float, stability: float, recall: float, grade: int
    ) -> float:
        w = self._w
        value: float
        if grade == 1:
            long_term = (
                w[11]
                * (difficulty ** -w[12])
                * (((stability + 1) ** (w[13])) - 1)
                * (_E ** ((1 - recall) * w[14]))
            )
            value = min(long_term, stability / self._forget_short)
        else:
            hard = w[15] if grade == 2 else 1
            easy = w[16] if grade == 4 else 1
            value = stability * (
                1
                + self._recall_scale
                * (11 - difficulty)
                * (stability ** -w[9])
                * ((_E ** ((1 - recall) * w[10])) - 1)
                * hard
                * easy
            )
        return max(value, STABILITY_MIN)


def scheduled_days(card: Memory) -> int | None:
    """The interval the card's last answer gave, in whole days (None if not known)."""
    if card.due is None or card.last_review is None:
        return None
    return max(0, _round((card.due - card.last_review).total_seconds() / 86400))


def _round(value: float) -> int:
    """Halves away from zero, as Rust's `f32::round` in Anki (Python's `round` goes to even)."""
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


def _clamp_d(difficulty: float) -> float:
    return min(max(difficulty, MIN_DIFFICULTY), MAX_DIFFICULTY)
