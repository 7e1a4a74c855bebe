"""Anki's FSRS arithmetic: elapsed time in study days, the buttons in order, fuzz uniform within
its window. fsrs-rs-python (Anki's own engine) is the oracle for stability and difficulty."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS, FSRSItem, FSRSReview

from stalindeck.scheduling.day import StudyDays, study_days_between
from stalindeck.scheduling.fsrs_bridge import Memory, SchedulerSettings, make_scheduler
from stalindeck.scheduling.memory import recomputed
from stalindeck.scheduling.outcomes import Outcomes, scheduled_days
from stalindeck.store.models import NEW, REVIEW

ZONE = timezone(timedelta(hours=-5))  # a study day in a zone other than UTC
FRESH = Memory(NEW, None, None, None, None, None, 0, 0)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 1, day, hour, minute, tzinfo=ZONE)


def outcomes(**settings: object) -> Outcomes:
    made = make_scheduler(SchedulerSettings(**settings))  # type: ignore[arg-type]
    return Outcomes(made, 4, ZONE)


def test_study_days_count_rollovers_not_24_hour_periods() -> None:
    assert study_days_between(local(5, 20), local(6, 8), 4, ZONE) == 1  # 12 hours apart
    assert study_days_between(local(5, 5), local(5, 23), 4, ZONE) == 0
    assert study_days_between(local(5, 23), local(6, 3, 59), 4, ZONE) == 0  # before 4 am
    assert study_days_between(local(5, 3), local(5, 4), 4, ZONE) == 1  # one hour, a rollover
    days = StudyDays(4, ZONE)
    moments = [local(5, 3, 59), local(5, 4), local(6, 3, 45), local(6, 4, 15), local(9, 12)]
    ordinals = [days(int(moment.timestamp() * 1000)) for moment in moments]
    assert [b - a for a, b in pairwise(ordinals)] == [1, 0, 1, 3]


def test_the_evening_hard_then_morning_good_of_the_issue() -> None:
    """A new card answered Hard at 20:00 and Good at 08:00 the next morning (no learning
    steps): the second answer is a day later, so FSRS's long-term formula applies."""
    scheduler = outcomes(learning_steps=(), enable_fuzzing=False)
    first = scheduler(FRESH, local(5, 20))[2]
    second = scheduler(first, local(6, 8))[3]
    oracle = FSRS(DEFAULT_PARAMETERS).memory_state(
        FSRSItem([FSRSReview(2, 0), FSRSReview(3, 1)]), None
    )
    assert second.stability == pytest.approx(oracle.stability, rel=1e-5)
    assert second.difficulty == pytest.approx(oracle.difficulty, rel=1e-5)
    assert second.stability == pytest.approx(4.55, abs=0.01)  # was 1.34 with 24-hour periods
    assert second.due is not None and (second.due - local(6, 8)).days == 5


def review_card(rng: random.Random) -> tuple[Memory, datetime]:
    """A review card with a random memory, last interval and delay (early, on time, late)."""
    stability = rng.choice((rng.uniform(0.1, 5), rng.uniform(5, 60), rng.uniform(60, 3000)))
    interval = max(1, round(stability * rng.uniform(0.3, 2.5)))
    last = local(1, rng.randint(5, 23)) - timedelta(days=interval)
    now = last + timedelta(days=interval * rng.uniform(0.1, 3), hours=rng.uniform(0, 12))
    memory = Memory(
        REVIEW, None, stability, rng.uniform(1, 10), last + timedelta(days=interval), last,
        rng.randint(2, 30), rng.randint(0, 5),
    )  # fmt: skip
    return memory, now


@pytest.mark.parametrize("relearning", [(timedelta(minutes=10),), ()])
def test_review_buttons_in_order_over_many_cards(relearning: tuple[timedelta, ...]) -> None:
    rng = random.Random(15)
    random.seed(15)
    for fuzzing in (True, False):
        scheduler = outcomes(relearning_steps=relearning, enable_fuzzing=fuzzing)
        for _ in range(3000):
            memory, now = review_card(rng)
            got = scheduler(memory, now)
            days = {g: (got[g].due - now).days for g in got}  # type: ignore[operator]
            hard, good, easy = days[2], days[3], days[4]
            assert 1 <= hard < good < easy, (memory, now, days)
            if not relearning:
                assert got[1].state == REVIEW and days[1] <= hard
            last = scheduled_days(memory)
            assert last is not None
            raw = {
                g: scheduler._raw_interval(got[g].stability)  # type: ignore[arg-type]
                for g in (2, 3, 4)
            }
            for grade in (2, 3, 4):
                if round(raw[grade] + 1e-9) > last:  # grew past the last interval
                    assert days[grade] >= last + 1, (memory, now, days, raw)


def test_review_buttons_capped_at_the_maximum_interval() -> None:
    rng = random.Random(2)
    scheduler = outcomes(maximum_interval=30)
    for _ in range(500):
        memory, now = review_card(rng)
        got = scheduler(memory, now)
        assert all((got[g].due - now).days <= 30 for g in got)  # type: ignore[operator]


@pytest.mark.parametrize("interval", [3.0, 8.4, 25.5, 100.0, 400.0])
def test_fuzz_is_uniform_over_its_window_and_stays_inside(interval: float) -> None:
    scheduler = outcomes()
    low, high = scheduler.fuzz_bounds(interval, 1)
    rng = random.Random(int(interval * 10))
    draws = 20_000
    seen = Counter(scheduler.fuzzed(interval, 1, rng.random()) for _ in range(draws))
    assert set(seen) == set(range(low, high + 1))  # every day, none past either bound
    width = high - low + 1
    expected = draws / width
    chi_square = sum((count - expected) ** 2 / expected for count in seen.values())
    # 99.9% quantile of chi-square with up to 45 degrees of freedom is under 81
    assert chi_square < 81, (seen, chi_square)


def test_fuzz_window_as_anki_draws_it() -> None:
    scheduler = outcomes()
    assert scheduler.fuzz_bounds(2.4, 1) == (2, 2)  # no fuzz under 2.5 days
    assert scheduler.fuzz_bounds(3.0, 1) == (2, 4)
    assert scheduler.fuzz_bounds(10.0, 1) == (8, 12)  # 1 + 0.675 + 0.3 = 1.975 days
    assert scheduler.fuzz_bounds(100.0, 1) == (93, 107)  # 1 + 0.675 + 1.3 + 4 days
    # Under a minimum, the window is the minimum's own, cut at the minimum (Anki's
    # `constrained_fuzz_bounds`).
    assert scheduler.fuzz_bounds(10.0, 11) == (11, 13)
    assert scheduler.fuzz_bounds(2.0, 5) == (5, 6)  # a window of one day widened to two
    assert outcomes(maximum_interval=12).fuzz_bounds(10.0, 12) == (12, 12)


def test_the_replay_counts_study_days() -> None:
    """`recomputed` (new weights, the 0007 migration) from a log: an answer the next
    morning is a day later."""
    hard = int(local(5, 20).timestamp() * 1000)
    good = int(local(6, 8).timestamp() * 1000)
    rows = [(1, hard, 2, NEW), (1, good, 3, 1)]
    ((stability, difficulty, card),) = recomputed(rows, {1: (1.0, 1.0)}, None, 4, ZONE)
    assert card == 1 and stability == pytest.approx(4.546, abs=1e-3)
    assert difficulty == pytest.approx(5.1023, abs=1e-3)
    # Days starting at midnight UTC put the two (01:00, 13:00) on one day: the same-day formula.
    ((same_day, _d, _card),) = recomputed(rows, {1: (1.0, 1.0)}, None, 0, UTC)
    assert same_day == pytest.approx(1.34, abs=0.01)


def test_the_exam_keep_up_plan_counts_the_first_gap_in_study_days() -> None:
    """A review card last answered at 20:00 and due the next morning: the plan's first Good
    is a day after it, as the answer path would count it, not the same day."""
    from stalindeck.stats.exam import _Simulator
    from stalindeck.stats.figures import default_curve
    from stalindeck.store.exam_queries import ExamCardRow

    evening, morning = local(5, 20), local(6, 8)
    row = ExamCardRow(
        card_id=1, deck="d", section="", tags=(), state=REVIEW, step=None, stability=1.3,
        difficulty=6.0, due_ms=int(morning.timestamp() * 1000),
        last_review_ms=int(evening.timestamp() * 1000),
    )  # fmt: skip
    simulator = _Simulator(
        make_scheduler(SchedulerSettings(enable_fuzzing=False)),
        default_curve(),
        rollover_hour=4,
        tz=ZONE,
    )
    start = int(morning.timestamp() * 1000)
    _recall, answers = simulator.run(row, start, start + 60 * 86_400_000)
    scheduler = outcomes(enable_fuzzing=False)
    memory = Memory(REVIEW, None, 1.3, 6.0, morning, evening, 3, 0)
    good = scheduler(memory, morning)[3]  # long-term: a study day later
    assert good.due is not None
    assert answers[1] == int((good.due - morning).total_seconds() * 1000)
