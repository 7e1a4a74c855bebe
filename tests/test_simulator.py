"""The workload simulator: the student's habits drawn from the log as fsrs-rs draws them, the
figures checked against direct calls of fsrs-rs-python with the same inputs, and agreement
with `exam`'s keep-reviewing plan where both answer the same question."""

from __future__ import annotations

import json
import math
import os
import random
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import fsrs_rs_python
import pytest
from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.decks.importing import import_paths
from stalindeck.review.session import ReviewSession
from stalindeck.scheduling.fsrs_bridge import SchedulerSettings
from stalindeck.scheduling.settings import load_settings
from stalindeck.scheduling.simulator import (
    DEFAULT_RETENTIONS,
    MAX_SIMULATED,
    SimCard,
    default_habits,
    habits_from_log,
    library_inputs,
    library_runs,
    sim_cards,
    simulate,
    simulate_store,
)
from stalindeck.stats.exam import forecast
from stalindeck.stats.figures import default_curve
from stalindeck.store.exam_queries import exam_cards
from stalindeck.store.open import Store
from stalindeck.store.simulator_queries import answer_log
from stalindeck.store.stats_queries import Scope
from stalindeck.store.values import LEARNING, NEW, RELEARNING, REVIEW, to_millis

from .conftest import T0, FakeClock
from .test_session import deck_text

runner = CliRunner()
W = tuple(fsrs_rs_python.DEFAULT_PARAMETERS)
DAY_MS = 86_400_000


def ms(day: int, hour: int = 12, minute: int = 0) -> int:
    return to_millis(datetime(2026, 3, day, hour, minute, tzinfo=UTC))


def test_habits_are_drawn_from_the_log_as_fsrs_rs_draws_them() -> None:
    defaults = default_habits()
    assert habits_from_log([], 4, UTC) == defaults and not defaults.own
    rows = [
        # card 1: learnt on the 2nd (Again, Good, Good), reviewed on the 5th (Good).
        (1, ms(2), 1, NEW, 8000),
        (1, ms(2, 12, 1), 3, LEARNING, 4000),
        (1, ms(2, 12, 11), 3, LEARNING, 3000),
        (1, ms(5), 3, REVIEW, 6000),
        # card 2: learnt Easy; forgotten on the 6th (Again), relearnt Good the same day.
        (2, ms(2), 4, NEW, 2000),
        (2, ms(6), 1, REVIEW, 10000),
        (2, ms(6, 12, 10), 3, RELEARNING, 5000),
        # An answer of no time, and one over 20 minutes, count for nothing (as in fsrs-rs).
        (3, ms(2), 2, NEW, 0),
        (3, ms(3), 2, REVIEW, 1_300_000),
    ]
    habits = habits_from_log(rows, 4, UTC)
    assert habits.answers == 7 and habits.own

    def towards(own: float, default: float, n: int) -> float:
        weight = n / (50 + n)
        return weight * own + (1 - weight) * default

    # First grades: one Again, one Easy (of 2 new cards' first days).
    expected_first = [
        towards(own, d, 2) for own, d in zip((0.5, 0, 0, 0.5), defaults.first_grade, strict=True)
    ]
    assert habits.first_grade == pytest.approx(expected_first)
    # Recalled grades: one Good (the Again is a lapse, not a recalled grade).
    expected_recalled = [
        towards(own, d, 1) for own, d in zip((0, 1, 0), defaults.recalled_grade, strict=True)
    ]
    assert habits.recalled_grade == pytest.approx(expected_recalled)
    # Seconds: learning Again 8 s (1 answer), learning Good (4+3)/2 = 3.5 s (2 answers).
    assert habits.seconds[0][0] == round(towards(8.0, defaults.seconds[0][0], 1) * 100) / 100
    assert habits.seconds[0][2] == round(towards(3.5, defaults.seconds[0][2], 2) * 100) / 100
    assert habits.seconds[1][0] == round(towards(10.0, defaults.seconds[1][0], 1) * 100) / 100
    assert habits.seconds[0][1] == pytest.approx(defaults.seconds[0][1])  # no answer: default
    # Learning steps: the sequences 1,3,3 and 4: Again→Good once, Good→Good once (Laplace 1).
    row = [1.0, 1.0, 2.0, 1.0]
    weight = sum(row) / (50 + sum(row))
    expected_again = [
        weight * n / sum(row) + (1 - weight) * d
        for n, d in zip(row, defaults.learning_steps[0], strict=True)
    ]
    assert habits.learning_steps[0] == pytest.approx(expected_again)
    # Relearning: the day that started with a lapse: 1,3, drawn towards relearning's defaults.
    expected_relearning = [
        weight * n / sum(row) + (1 - weight) * d
        for n, d in zip(row, defaults.relearning_steps[0], strict=True)
    ]
    assert habits.relearning_steps[0] == pytest.approx(expected_relearning)


def test_an_all_new_deck_averages_fsrs_rs_own_simulate_over_its_seeds() -> None:
    """With no existing cards, the library's public `simulate(w, r, config, seed)` answers the
    same question: the simulator's figures are its mean over fsrs-rs's batch of seeds."""
    cards = [SimCard(None, None, None, None)] * 60
    days, new_per_day, retention = 20, 10, 0.85
    habits = default_habits()
    found = simulate(
        cards,
        retentions=(retention,),
        days=days,
        parameters=W,
        habits=habits,
        new_per_day=new_per_day,
        learning_steps=2,
        relearning_steps=1,
        maximum_interval=36500,
    )
    config, _made, _scale = library_inputs(
        cards,
        retention=retention,
        days=days,
        parameters=W,
        habits=habits,
        new_per_day=new_per_day,
        learning_steps=2,
        relearning_steps=1,
        maximum_interval=36500,
    )
    assert found.runs == 180  # fsrs-rs's batch for a span of 30 days or less
    per_day = [0.0] * days
    seconds = [0.0] * days
    remembered = 0.0
    for seed in range(42, 42 + found.runs):
        run = fsrs_rs_python.simulate(list(W), retention, config, seed)
        for day in range(days):
            per_day[day] += run.review_cnt_per_day[day] + run.learn_cnt_per_day[day]
            seconds[day] += run.cost_per_day[day]
        remembered += sum(
            card.retention_on(float(days)) for card in run.cards if card.last_date != -math.inf
        )
    outcome = found.outcomes[0]
    assert outcome.cards_mean == pytest.approx(sum(per_day) / found.runs / days, rel=1e-9)
    assert outcome.cards_peak == pytest.approx(max(per_day) / found.runs, rel=1e-9)
    assert outcome.minutes_mean == pytest.approx(sum(seconds) / found.runs / days / 60, rel=1e-6)
    assert outcome.remembered == pytest.approx(remembered / found.runs, rel=1e-6)
    assert outcome.recall == pytest.approx(remembered / found.runs / 60, rel=1e-6)
    # New cards come in 10 a day: nothing after day 6, so the first days are the busiest.
    assert outcome.cards_peak >= new_per_day


def study(store: Store, write_deck: Callable[..., Path], days: int, seed: int = 5) -> FakeClock:
    """A student studies a 120-card deck for `days` days through the review session, grading
    at random (mostly Good) and taking a few seconds an answer."""
    clock = FakeClock(T0)
    import_paths(store, [write_deck(deck_text(120))], clock())
    rng = random.Random(seed)
    for _ in range(days):
        session = ReviewSession(
            store, clock=clock, settings=SchedulerSettings(enable_fuzzing=False)
        )
        while (shown := session.next_card()) is not None:
            grade = rng.choices((1, 2, 3, 4), (0.15, 0.1, 0.65, 0.1))[0]
            clock.advance(seconds=rng.uniform(2, 15))
            session.answer(grade, duration_ms=rng.randint(2000, 15000))
            assert shown is not None
        clock.advance(days=1)
    return clock


def test_figures_on_a_studied_deck_are_the_library_own(
    store: Store, write_deck: Callable[..., Path]
) -> None:
    """Existing cards go to fsrs-rs as Anki's simulator passes them; the figures are the mean
    of what the library hands back for those inputs."""
    clock = study(store, write_deck, 12)
    now = clock()
    settings = load_settings(store)
    found = simulate_store(store, Scope(), now=now, days=15, retentions=(0.8, 0.95), tz=UTC)
    assert found.cards == 120 and found.simulated == 120 and found.habits.own
    # The same inputs, built and run by hand.
    today = (now - timedelta(hours=4)).date()
    cards = sim_cards(exam_cards(store, Scope()), today, settings.rollover_hour, UTC)
    assert sum(not card.new for card in cards) > 100  # most of the deck has been learnt
    habits = habits_from_log(answer_log(store), settings.rollover_hour, UTC)
    assert found.habits == habits
    for outcome in found.outcomes:
        config, made, _scale = library_inputs(
            cards,
            retention=outcome.retention,
            days=15,
            parameters=W,
            habits=habits,
            new_per_day=settings.new_per_day,
            learning_steps=2,
            relearning_steps=1,
            maximum_interval=36500,
        )
        seen: dict[tuple[float, ...], tuple[float, float]] = {}

        def keep(
            result: object, _w: object, seen: dict[tuple[float, ...], tuple[float, float]] = seen
        ) -> float:
            run: object = result
            cost = tuple(run.cost_per_day)  # type: ignore[attr-defined]
            recall = math.fsum(
                card.retention_on(15.0)
                for card in run.cards  # type: ignore[attr-defined]
                if card.last_date != -math.inf
            )
            seen[cost] = (sum(cost), recall)
            return 0.0

        fsrs_rs_python.optimal_retention(config, list(W), made, keep)
        assert len(seen) == found.runs
        minutes = sum(total for total, _ in seen.values()) / len(seen) / 60
        assert outcome.minutes_total == pytest.approx(minutes, rel=1e-9)
        remembered = sum(recall for _, recall in seen.values()) / len(seen)
        assert outcome.remembered == pytest.approx(remembered, rel=1e-9)
    # Higher retention: more work, more remembered.
    by = {o.retention: o for o in found.outcomes}
    assert by[0.80].minutes_total < by[0.95].minutes_total
    assert by[0.80].remembered < by[0.95].remembered
    assert found.best in (0.8, 0.95)


def test_recall_agrees_with_exam_keep_up_plan(
    store: Store, write_deck: Callable[..., Path]
) -> None:
    """Where `exam`'s keep-reviewing plan and the simulator answer the same question (recall on
    exam day at your desired retention, reviewing everything due), they agree within
    docs/simulate.md's tolerance: 0.03."""
    clock = study(store, write_deck, 10)
    now = clock()
    settings = load_settings(store)
    for exam in (date(2026, 3, 20), date(2026, 4, 25)):
        plan = forecast(
            store,
            exam,
            now,
            scope=Scope(),
            new_per_day=None,
            curve=default_curve(None),
            settings=settings.scheduler(enable_fuzzing=False),
            limits=settings.limits(),
            tz=UTC,
        )
        found = simulate_store(
            store,
            Scope(),
            now=now,
            days=plan.days_left,
            retentions=(settings.desired_retention,),
            tz=UTC,
        )
        assert plan.keep_up.recall is not None and found.outcomes[0].recall is not None
        gap = abs(plan.keep_up.recall - found.outcomes[0].recall)
        assert gap <= 0.03


def test_a_large_deck_is_simulated_through_an_even_sample() -> None:
    cards = [SimCard(None, None, None, None)] * (MAX_SIMULATED * 3)
    found = simulate(
        cards,
        retentions=(0.9,),
        days=5,
        parameters=W,
        habits=default_habits(),
        new_per_day=300,
        learning_steps=2,
        relearning_steps=1,
        maximum_interval=36500,
    )
    assert found.cards == 3 * MAX_SIMULATED and found.simulated == MAX_SIMULATED
    # 300 new cards a day for 5 days: 1,500 of the 1,500 sampled-and-scaled introductions.
    outcome = found.outcomes[0]
    assert outcome.cards_peak >= 300 * 0.8
    assert 0 < outcome.recall < 1  # type: ignore[operator]


def test_the_same_inputs_give_the_same_figures() -> None:
    cards = [SimCard(None, None, None, None)] * 30 + [
        SimCard(4.0 + i, 5.0, -i, 3 - i) for i in range(10)
    ]
    args = {
        "retentions": (0.85, 0.9),
        "days": 40,
        "parameters": W,
        "habits": default_habits(),
        "new_per_day": 10,
        "learning_steps": 2,
        "relearning_steps": 1,
        "maximum_interval": 36500,
    }
    assert simulate(cards, **args) == simulate(cards, **args)  # type: ignore[arg-type]


def run(db: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", str(db), *args], env={"COLUMNS": "100"})
    return result.exit_code, result.stdout, result.stderr


def test_simulate_command(store: Store, db_path: Path, write_deck: Callable[..., Path]) -> None:
    code, out, err = run(db_path, "simulate", "--days", "3", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["schema"] == 1 and data["days"] == 3 and data["exam_date"] is None
    assert [r["retention"] for r in data["retentions"]] == list(DEFAULT_RETENTIONS)
    assert data["habits"]["source"] == "defaults" and data["current_retention"] == 0.9
    assert data["best"] in DEFAULT_RETENTIONS
    code, out, err = run(db_path, "simulate", "--days", "3", "-r", "0.9", "-r", "0.8")
    assert code == 0, err
    assert "0.80" in out and "0.90" in out and "yours" in out and "0.95" not in out
    assert "Minutes a day" in out
    for bad in (("-r", "1.5"), ("-r", "nan"), ("--days", "0"), ("--days", "99999")):
        code, out, err = run(db_path, "simulate", *bad)
        # (Through `stalindeck`'s own entry point click's refusals are one line too.)
        assert code in (1, 2) and out == "" and "Traceback" not in err, (bad, err)
    # The exam date sets the span.
    exam = (date.today() + timedelta(days=20)).isoformat()
    assert run(db_path, "settings", "exam_date", exam)[0] == 0
    code, out, err = run(db_path, "simulate", "--json", "-r", "0.9")
    assert code == 0, err
    assert json.loads(out)["exam_date"] == exam
    code, out, err = run(db_path, "exam", "--simulate", "-r", "0.85", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [r["retention"] for r in data["simulator"]["retentions"]] == [0.85]
    assert data["simulator"]["days"] == data["days_left"]
    assert run(db_path, "exam", "-r", "0.85")[0] == 1


def test_svg_picture(db_path: Path, tmp_path: Path) -> None:
    picture = tmp_path / "sim.svg"
    code, _out, err = run(db_path, "simulate", "--days", "5", "--svg", str(picture))
    assert code == 0, err
    text = picture.read_text(encoding="utf-8")
    assert text.startswith("<svg") and "Minutes" in text and "retention" in text
    assert run(db_path, "simulate", "--days", "5", "--svg", str(picture))[0] == 1  # no clobber


@pytest.mark.skipif(sys.platform != "linux", reason="faketime is a Linux tool")
def test_under_faketime_on_a_history_the_figures_match_the_library(tmp_path: Path) -> None:
    """The whole command on a real clock shifted by faketime: a week of study through the line
    mode, then `simulate --json` gives the library's own mean for the same inputs."""
    import shutil

    if shutil.which("faketime") is None:
        pytest.skip("faketime is not installed")
    db = tmp_path / "store.db"
    env = {**os.environ, "STALINDECK_DB": str(db), "TZ": "UTC", "COLUMNS": "100"}
    exe = Path(sys.executable).with_name("stalindeck")
    rng = random.Random(11)
    # Reveal cards only, so that the scripted lines below are always "reveal, grade".
    deck = tmp_path / "plain.toml"
    deck.write_text(
        'id = "plain"\nname = "Plain"\n\n'
        + "".join(f'[[cards]]\nid = "c{n}"\nfront = "Q{n}"\nback = "A{n}"\n\n' for n in range(60)),
        encoding="utf-8",
    )
    subprocess.run(
        ["faketime", "2027-01-05 18:00:00", str(exe), "import", str(deck)],
        env=env,
        capture_output=True,
        timeout=120,
        check=True,
    )
    for day in range(7):
        when = f"2027-01-{5 + day:02d} 19:00:00"
        answers = "".join(
            f"\n{rng.choices('1234', (1, 1, 6, 1))[0]}\n" for _ in range(60)
        )  # reveal, grade; extra lines end the session
        subprocess.run(
            ["faketime", when, str(exe), "review", "plain"],
            input=answers,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    # Scripted answers take no time: give them a student's seconds (3 to 16), as the log would.
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE reviews SET duration_ms = 3000 + (id * 7919) % 13000")
    connection.close()
    done = subprocess.run(
        [
            *("faketime", "2027-01-12 19:00:00", str(exe), "simulate", "--days", "12"),
            *("-r", "0.85", "-r", "0.9", "--json"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    data = json.loads(done.stdout)
    assert data["habits"]["source"] == "log" and data["habits"]["answers"] > 50
    from stalindeck.store.open import open_store

    store = open_store(str(db))
    try:
        settings = load_settings(store)
        today = date(2027, 1, 12)
        cards = sim_cards(exam_cards(store, Scope()), today, settings.rollover_hour, UTC)
        habits = habits_from_log(answer_log(store), settings.rollover_hour, UTC)
    finally:
        store.close()
    for row in data["retentions"]:
        config, made, _ = library_inputs(
            cards,
            retention=row["retention"],
            days=12,
            parameters=W,
            habits=habits,
            new_per_day=settings.new_per_day,
            learning_steps=2,
            relearning_steps=1,
            maximum_interval=36500,
        )
        runs = library_runs(config, made, W, 12)
        mean = sum(sum(run[0]) for run in runs) / len(runs) / 12
        assert row["cards_per_day"] == pytest.approx(mean, rel=1e-9)
        assert row["remembered"] == pytest.approx(sum(run[2] for run in runs) / len(runs), rel=1e-9)
