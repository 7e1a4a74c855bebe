"""What each of the four grades would do to a card, worked out in one pass.

The review screen shows, before the student grades, the interval every grade gives, so each card
shown needs `fsrs.Scheduler.review_card` four times. Each call copies the card, builds a review
log, re-checks its arguments and recomputes the card's recall; on the answer path those four
calls cost more than the database's own work. `Outcomes` takes its numbers from the same
`fsrs.Scheduler` and follows `review_card` step by step, in the same floating-point order, so
the results are identical (fuzz included: one `random.random()` per fuzzed grade, in grade
order, as four calls would draw). `tests/test_outcomes.py` holds the two equal across states,
steps, elapsed times and settings; `fsrs.Scheduler` stays the scheduler everywhere else.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

import fsrs
from fsrs.scheduler import FUZZ_RANGES, MAX_DIFFICULTY, MIN_DIFFICULTY, STABILITY_MIN

from stalindeck.scheduling.fsrs_bridge import Memory
from stalindeck.store.models import LEARNING, NEW, RELEARNING, REVIEW

_E = math.e
_FUZZ = tuple((float(r["start"]), float(r["end"]), float(r["factor"])) for r in FUZZ_RANGES)


class Outcomes:
    """The four outcomes of a card under one scheduler's settings.

    Args:
        scheduler: the FSRS scheduler whose parameters, retention, steps, maximum interval and
            fuzzing apply.
    """

    def __init__(self, scheduler: fsrs.Scheduler) -> None:
        w = tuple(scheduler.parameters)
        self._w = w
        self._learning = tuple(scheduler.learning_steps)
        self._relearning = tuple(scheduler.relearning_steps)
        self._maximum = scheduler.maximum_interval
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
        # So is everything about a new card's first answer but the fuzz: worked out once.
        self._new = tuple(
            (grade, *self._move(LEARNING, 0, grade, first[0]), *first)
            for grade, first in self._first.items()
        )

    def __call__(self, card: Memory, now: datetime) -> dict[int, Memory]:
        """For grades 1-4, the state `card` would be left in if answered with it at `now`."""
        if card.state == NEW:
            reps, fuzz = card.reps + 1, self._fuzz
            return {
                grade: Memory(
                    state,
                    step,
                    new_s,
                    new_d,
                    now + (self._fuzzed(interval) if fuzz and state == REVIEW else interval),
                    now,
                    reps,
                    card.lapses,
                )
                for grade, state, step, interval, new_s, new_d in self._new
            }
        state, step, stability, difficulty = card.state, card.step, card.stability, card.difficulty
        last = card.last_review
        if step is None and state != REVIEW:
            step = 0  # as `to_fsrs`: a learning card stored without its step
        days = (now - last).days if last is not None else None
        short = days is not None and days < 1
        recall = 0.0
        if not short and last is not None and stability is not None:
            recall = (1 + self._factor * max(0, days or 0) / stability) ** self._decay
        reps, lapses = card.reps + 1, card.lapses
        result = {}
        for grade in (1, 2, 3, 4):
            if stability is None or difficulty is None:
                new_s, new_d = self._first[grade]
            else:
                if short:
                    new_s = self._short_term(stability, grade)
                else:
                    new_s = self._next_stability(difficulty, stability, recall, grade)
                new_d = self._next_difficulty(difficulty, grade)
            new_state, new_step, interval = self._move(state, step, grade, new_s)
            if self._fuzz and new_state == REVIEW:
                interval = self._fuzzed(interval)
            result[grade] = Memory(
                new_state, new_step, new_s, new_d, now + interval, now, reps,
                lapses + (1 if state == REVIEW and grade == 1 else 0),
            )  # fmt: skip
        return result

    def next_memory(
        self, memory: tuple[float, float] | None, days: int, grade: int
    ) -> tuple[float, float]:
        """Stability and difficulty after an answer `grade` given `days` whole days after the
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

    # -- the steps of `Scheduler.review_card`, in its order of operations ---------------------

    def _move(
        self, state: int, step: int | None, grade: int, stability: float
    ) -> tuple[int, int | None, timedelta]:
        if state == REVIEW:
            if grade == 1 and self._relearning:
                return RELEARNING, 0, self._relearning[0]
            return REVIEW, step, timedelta(days=self._interval(stability))
        steps = self._learning if state == LEARNING else self._relearning
        assert step is not None
        if not steps or (step >= len(steps) and grade > 1):
            return REVIEW, None, timedelta(days=self._interval(stability))
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
        return REVIEW, None, timedelta(days=self._interval(stability))

    def _interval(self, stability: float) -> int:
        days: int = round((stability / self._factor) * self._interval_scale)
        return min(max(days, 1), self._maximum)

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

    def _fuzzed(self, interval: timedelta) -> timedelta:
        days = interval.days
        if days < 2.5:
            return interval
        delta = 1.0
        for start, end, factor in _FUZZ:
            delta += factor * max(min(float(days), end) - start, 0.0)
        low, high = round(days - delta), round(days + delta)
        low = max(2, low)
        high = min(high, self._maximum)
        low = min(low, high)
        drawn = (random.random() * (high - low + 1)) + low
        return timedelta(days=min(round(drawn), self._maximum))


def _clamp_d(difficulty: float) -> float:
    return min(max(difficulty, MIN_DIFFICULTY), MAX_DIFFICULTY)
