"""New FSRS weights recompute every answered card's memory state from its reviews, as Anki
does: exactly what the answers left under the weights in force, what `fsrs` itself gives under
others, due dates kept."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs
import pytest
from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.decks.importing import import_paths
from stalindeck.review.session import ReviewSession
from stalindeck.scheduling.day import study_date
from stalindeck.scheduling.memory import recomputed
from stalindeck.store.engine import reading
from stalindeck.store.open import Store, open_store
from stalindeck.store.reviews import reset_cards
from stalindeck.store.settings_store import review_log, stored_memory
from stalindeck.store.values import NEW, from_millis

from .conftest import FakeClock
from .test_optimize import TRUE
from .test_session import NO_FUZZ, deck_text

runner = CliRunner()
NOON = datetime(2000, 1, 1, 12, tzinfo=UTC)
TRUE_TEXT = ", ".join(str(weight) for weight in TRUE)


def states(db: Path) -> dict[int, tuple[object, ...]]:
    """card id → (state, step, stability, difficulty, due, last review, reps, lapses)."""
    connection = sqlite3.connect(db)
    try:
        rows = connection.execute(
            "SELECT card_id, state, step, stability, difficulty, due, last_review, reps, lapses "
            "FROM card_states"
        ).fetchall()
    finally:
        connection.close()
    return {row[0]: row[1:] for row in rows}


def history(store: Store) -> tuple[list[tuple[int, int, int, int]], dict[int, tuple[float, float]]]:
    """The profile's review log, and each answered card's stored memory."""
    with reading(store.engine) as connection:
        return review_log(connection, store.profile_id), stored_memory(connection, store.profile_id)


@pytest.fixture
def studied(store: Store, write_deck: Callable[..., Path], clock: FakeClock) -> Store:
    """Twelve cards studied over two months as the review screen does: several sessions a
    day, learning steps, lapses, an undo, and one card reset to new and learnt again."""
    import_paths(store, [write_deck(deck_text(12))], clock())
    rng = random.Random(3)
    for day in range(60):
        clock.now = clock.now.replace(hour=9) + timedelta(days=1)
        for _sitting in range(3):
            session = ReviewSession(store, clock=clock, settings=NO_FUZZ)
            while session.next_card() is not None:
                session.answer(rng.choices((1, 2, 3, 4), (0.15, 0.1, 0.6, 0.15))[0], 8000)
                clock.advance(seconds=rng.randint(5, 40))
                if rng.random() < 0.05:
                    session.undo()
            clock.advance(minutes=rng.randint(10, 200))
        if day == 30:
            reset_cards(store, [1])
    return store


def test_under_the_weights_in_force_every_memory_comes_back_as_the_answers_left_it(
    studied: Store,
) -> None:
    rows, stored = history(studied)
    assert len(stored) == 12 and len(rows) > 60
    assert [row[3] for row in rows if row[0] == 1].count(NEW) == 2  # reset, then learnt again
    assert recomputed(rows, stored, None) == []  # exactly: the same arithmetic, in order


def test_under_other_weights_memory_is_what_fsrs_gives_for_the_same_answers(
    studied: Store,
) -> None:
    rows, stored = history(studied)
    changed = {card_id: (s, d) for s, d, card_id in recomputed(rows, stored, TRUE)}
    assert len(changed) == 12
    scheduler = fsrs.Scheduler(parameters=TRUE, enable_fuzzing=False)
    for card_id, (stability, difficulty) in changed.items():
        answers = [row for row in rows if row[0] == card_id]
        since_new = max(index for index, row in enumerate(answers) if row[3] == NEW)
        card = fsrs.Card(card_id=card_id)
        for index, (_card, at, grade, *_rest) in enumerate(answers[since_new:]):
            # py-fsrs counts 24-hour periods: each answer moved to noon of its study day (a
            # second apart within a day) so that its periods are the study days between.
            day = study_date(from_millis(at), 4).toordinal()
            when = datetime(2000, 1, 1, 12, tzinfo=UTC) + timedelta(
                days=day - 730000, seconds=index
            )
            card, _log = scheduler.review_card(card, fsrs.Rating(grade), when)
        assert stability == pytest.approx(card.stability, rel=1e-12)
        assert difficulty == pytest.approx(card.difficulty, rel=1e-12)


def test_only_cards_answered_since_they_were_new_are_worked_out() -> None:
    rows = [(5, 0, 3, 2), (5, 86_400_000 * 9, 3, 2)]
    assert recomputed(rows, {5: (10.0, 5.0)}, TRUE) == []
    # A card new again (reset after its answers) is not in the stored memories: left alone.
    assert recomputed([(6, 0, 3, NEW)], {}, None) == []
    assert recomputed([(6, 0, 3, NEW)], {6: (1.0, 1.0)}, None) == [
        (fsrs.scheduler.DEFAULT_PARAMETERS[2], pytest.approx(2.118, abs=1e-3), 6)
    ]


def test_changing_the_weights_recomputes_memory_and_keeps_due_dates(
    studied: Store, db_path: Path
) -> None:
    before = states(db_path)
    result = runner.invoke(app, ["--db", str(db_path), "settings", "fsrs_parameters", TRUE_TEXT])
    assert result.exit_code == 0, result.stderr
    assert "memory state (stability, difficulty) of 12 cards was worked out again" in (
        result.stdout
    )
    after = states(db_path)
    for card_id, old in before.items():
        new = after[card_id]
        if old[0] == NEW:
            assert new == old
            continue
        assert new[2:4] != old[2:4]  # stability, difficulty
        assert new[:2] == old[:2] and new[4:] == old[4:]  # state, step, due, reps...
    # Back to the defaults: every card's memory is what its answers made it.
    result = runner.invoke(app, ["--db", str(db_path), "settings", "fsrs_parameters", "--reset"])
    assert result.exit_code == 0, result.stderr
    assert "of 12 cards was worked out again" in result.stdout
    assert states(db_path) == before
    result = runner.invoke(app, ["--db", str(db_path), "settings", "fsrs_parameters", "--reset"])
    assert result.stdout == "fsrs_parameters was at its default already.\n"


def test_other_settings_leave_memory_alone(studied: Store, db_path: Path) -> None:
    before = states(db_path)
    result = runner.invoke(app, ["--db", str(db_path), "settings", "desired_retention", "0.8"])
    assert result.exit_code == 0 and "memory" not in result.stdout
    assert states(db_path) == before


def test_the_0007_upgrade_works_out_every_memory_again_after_a_backup(
    studied: Store, db_path: Path
) -> None:
    """A store from before study days: its memories (here made wrong on purpose) are worked
    out again from the log when it is opened, due dates kept, after a backup."""
    right = states(db_path)
    studied.close()
    # Back to revision 0006 as Alembic goes down (the later migrations' tables and indexes
    # gone), then the memories made wrong.
    from alembic import command
    from sqlalchemy import create_engine

    from stalindeck.store.revision import alembic_config

    engine = create_engine(f"sqlite:///{db_path}")
    with engine.begin() as live:
        config = alembic_config()
        config.attributes["connection"] = live
        command.downgrade(config, "0006")
    engine.dispose()
    with sqlite3.connect(db_path) as connection:
        connection.execute(
            "UPDATE card_states SET stability = stability * 0.4, difficulty = 9.5 WHERE state != 0"
        )
    connection.close()
    wrong = states(db_path)
    assert wrong != right
    open_store(str(db_path)).close()
    assert states(db_path) == right  # every card exactly as its answers left it
    (backup,) = (db_path.parent / "backups").glob("store-*-upgrade.db")
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0006",)
        kept = {row[0]: row[1:] for row in copy.execute(
            "SELECT card_id, state, step, stability, difficulty, due, last_review, reps, lapses "
            "FROM card_states"
        )}  # fmt: skip
    copy.close()
    assert kept == wrong
