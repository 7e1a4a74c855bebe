"""`Outcomes` gives what four calls to `fsrs.Scheduler.review_card` give once the card's
elapsed time is counted in study days (the card's last review moved so that py-fsrs's whole
24-hour periods equal the study-day gap): the same state, step, stability and difficulty. The
intervals in review are Anki's (buttons in order, fuzz uniform over its window), checked
against `anki_days` below, a transcription of Anki's rslib `states/review.rs`, `learning.rs`
and `fuzz.rs` kept apart from the code under test."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import fsrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stalindeck.scheduling.day import study_days_between
from stalindeck.scheduling.fsrs_bridge import Memory, after_review, to_fsrs
from stalindeck.scheduling.outcomes import Outcomes
from stalindeck.store.models import LEARNING, NEW, RELEARNING, REVIEW

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
HOUR = 4


def by_the_package(scheduler: fsrs.Scheduler, memory: Memory, now: datetime) -> dict[int, Memory]:
    """py-fsrs's outcomes with the last review moved to the study-day gap before `now`."""
    moved = memory
    if memory.last_review is not None:
        gap = study_days_between(memory.last_review, now, HOUR, UTC)
        moved = memory._replace(last_review=now - timedelta(days=gap))
    card = to_fsrs(7, moved, now)
    result = {}
    for grade in (1, 2, 3, 4):
        reviewed, _log = scheduler.review_card(card, fsrs.Rating(grade), now)
        result[grade] = after_review(memory, reviewed, grade)
    return result


def _round(value: float) -> int:
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def anki_fuzz(interval: float, minimum: int, maximum: int, fuzz: float | None) -> int:
    """rslib `with_review_fuzz` after `min_and_max_review_intervals`."""
    maximum = max(maximum, 1)
    minimum = max(1, min(minimum, maximum))
    if fuzz is None:
        return max(minimum, min(_round(interval), maximum))
    ivl = max(float(minimum), min(interval, float(maximum)))
    delta = 0.0
    if ivl >= 2.5:
        delta = 1 + 0.15 * (min(ivl, 7) - 2.5) + 0.1 * max(min(ivl, 20) - 7, 0)
        delta += 0.05 * max(ivl - 20, 0)
    lower = max(minimum, min(_round(ivl - delta), maximum))
    upper = max(minimum, min(_round(ivl + delta), maximum))
    if upper == lower and 2 < upper < maximum:
        upper += 1
    return int(lower + fuzz * (upper - lower + 1))


def anki_least(interval: float, last: int, maximum: int) -> int:
    """rslib `minimum_review_fuzz_interval`."""
    ivl = max(1.0, min(interval, float(max(maximum, 1))))
    delta = 0.0
    if ivl >= 2.5:
        delta = 1 + 0.15 * (min(ivl, 7) - 2.5) + 0.1 * max(min(ivl, 20) - 7, 0)
        delta += 0.05 * max(ivl - 20, 0)
    upper = max(1, min(_round(ivl + delta), maximum))
    lower = max(1, min(_round(ivl - delta), maximum))
    if upper == lower and 2 < upper < maximum:
        upper += 1
    if _round(interval) > last:
        return last + 1
    return last if last <= upper else 0


def anki_days(
    scheduler: fsrs.Scheduler, memory: Memory, got: dict[int, Memory], fuzz: float | None
) -> dict[int, int]:
    """The days each grade leading to review gives, by Anki's rule, from the outcomes'
    stabilities."""
    w = scheduler.parameters
    factor = 0.9 ** (-1 / w[20]) - 1
    scale = scheduler.desired_retention ** (-1 / w[20]) - 1
    raw = {g: got[g].stability / factor * scale for g in got}  # type: ignore[operator]
    top = scheduler.maximum_interval
    review = {g for g in got if got[g].state == REVIEW}
    days: dict[int, int] = {}
    if memory.state == REVIEW:
        assert memory.due is not None and memory.last_review is not None
        last = _round((memory.due - memory.last_review).total_seconds() / 86400)
        floor = 1
        if 1 in review:
            days[1] = max(1, min(_round(raw[1]), max(top, 1)))
            floor = days[1]
        for g in (2, 3, 4):
            days[g] = anki_fuzz(raw[g], max(anki_least(raw[g], last, top), floor), top, fuzz)
            floor = days[g] + 1
        return days
    for g in review - {4}:
        days[g] = anki_fuzz(max(_round(raw[g]), 1), 1, top, fuzz)
    if 4 in review:
        least = anki_fuzz(raw[3], 1, top, fuzz) + 1
        days[4] = anki_fuzz(max(_round(raw[4]), 1), least, top, fuzz)
    return days


def check(scheduler: fsrs.Scheduler, memory: Memory, seed: int) -> dict[int, Memory]:
    """`Outcomes` against both references; returns its outcomes."""
    random.seed(seed)
    got = Outcomes(scheduler, HOUR, UTC)(memory, NOW)
    random.seed(seed)
    fuzz = random.random() if scheduler.enable_fuzzing else None
    expected = by_the_package(scheduler, memory, NOW)
    days = anki_days(scheduler, memory, got, fuzz)
    for grade in (1, 2, 3, 4):
        if grade in days:
            expected[grade] = expected[grade]._replace(due=NOW + timedelta(days=days[grade]))
    assert got == expected
    return got


def steps(draw: st.DrawFn) -> tuple[timedelta, ...]:
    minutes = draw(st.lists(st.integers(1, 60 * 24 * 3), max_size=3))
    return tuple(timedelta(minutes=m) for m in minutes)


@st.composite
def schedulers(draw: st.DrawFn) -> fsrs.Scheduler:
    parameters = list(fsrs.scheduler.DEFAULT_PARAMETERS)
    if draw(st.booleans()):  # a fitted set: every weight moved within its bounds
        low, high = fsrs.scheduler.LOWER_BOUNDS_PARAMETERS, fsrs.scheduler.UPPER_BOUNDS_PARAMETERS
        parameters = [draw(st.floats(lo, hi)) for lo, hi in zip(low, high, strict=True)]
    return fsrs.Scheduler(
        parameters=parameters,
        desired_retention=draw(st.floats(0.7, 0.99)),
        learning_steps=steps(draw),
        relearning_steps=steps(draw),
        maximum_interval=draw(st.integers(1, 36500)),
        enable_fuzzing=draw(st.booleans()),
    )


@st.composite
def memories(draw: st.DrawFn) -> Memory:
    state = draw(st.sampled_from((NEW, LEARNING, REVIEW, RELEARNING)))
    if state == NEW:
        return Memory(NEW, None, None, None, None, None, 0, 0)
    last = NOW - timedelta(minutes=draw(st.integers(-60, 60 * 24 * 3000)))
    learnt = state != LEARNING or draw(st.integers(0, 9)) > 0  # the package needs S and D then
    return Memory(
        state=state,
        step=None if state == REVIEW else draw(st.none() | st.integers(0, 4)),
        stability=draw(st.floats(0.001, 40000)) if learnt else None,
        difficulty=draw(st.floats(1, 10)) if learnt else None,
        due=last + timedelta(days=draw(st.integers(0, 400))),
        last_review=last if learnt or draw(st.booleans()) else None,
        reps=draw(st.integers(0, 50)),
        lapses=draw(st.integers(0, 10)),
    )


@settings(max_examples=600, deadline=None)
@given(schedulers(), memories(), st.integers(0, 2**32))
def test_outcomes_equal_the_references(
    scheduler: fsrs.Scheduler, memory: Memory, seed: int
) -> None:
    check(scheduler, memory, seed)


@pytest.mark.parametrize("state", [NEW, LEARNING, REVIEW, RELEARNING])
def test_default_settings_each_state(state: int) -> None:
    scheduler = fsrs.Scheduler()
    memory = Memory(state, None if state == REVIEW else 1, 3.2, 6.1, NOW, NOW - timedelta(days=9),
                    4, 1)  # fmt: skip
    if state == NEW:
        memory = Memory(NEW, None, None, None, None, None, 0, 0)
    got = check(scheduler, memory, 5)
    assert [got[grade].due for grade in (1, 2, 3, 4)] == sorted(got[g].due for g in got)  # type: ignore[type-var]
