"""`Outcomes` gives exactly what four calls to `fsrs.Scheduler.review_card` give."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import fsrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stalindeck.scheduling.fsrs_bridge import Memory, after_review, to_fsrs
from stalindeck.scheduling.outcomes import Outcomes
from stalindeck.store.models import LEARNING, NEW, RELEARNING, REVIEW

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def by_the_package(scheduler: fsrs.Scheduler, memory: Memory, now: datetime) -> dict[int, Memory]:
    card = to_fsrs(7, memory, now)
    result = {}
    for grade in (1, 2, 3, 4):
        reviewed, _log = scheduler.review_card(card, fsrs.Rating(grade), now)
        result[grade] = after_review(memory, reviewed, grade)
    return result


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
def test_outcomes_equal_the_package(scheduler: fsrs.Scheduler, memory: Memory, seed: int) -> None:
    random.seed(seed)
    expected = by_the_package(scheduler, memory, NOW)
    random.seed(seed)
    assert Outcomes(scheduler)(memory, NOW) == expected


@pytest.mark.parametrize("state", [NEW, LEARNING, REVIEW, RELEARNING])
def test_default_settings_each_state(state: int) -> None:
    scheduler = fsrs.Scheduler()
    memory = Memory(state, None if state == REVIEW else 1, 3.2, 6.1, NOW, NOW - timedelta(days=9),
                    4, 1)  # fmt: skip
    if state == NEW:
        memory = Memory(NEW, None, None, None, None, None, 0, 0)
    random.seed(5)
    expected = by_the_package(scheduler, memory, NOW)
    random.seed(5)
    got = Outcomes(scheduler)(memory, NOW)
    assert got == expected
    assert [got[grade].due for grade in (1, 2, 3, 4)] == sorted(got[g].due for g in got)  # type: ignore[type-var]
