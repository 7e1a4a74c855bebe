"""`stalindeck optimize`: FSRS items built as Anki builds them, parameters fitted to a simulated
learner's history, and stored only when they fit it better."""

from __future__ import annotations

import json
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
from stalindeck.scheduling.fsrs_bridge import make_scheduler
from stalindeck.scheduling.optimizer import MIN_ITEMS, OptimizeError, optimize, training_items
from stalindeck.scheduling.settings import load_settings
from stalindeck.store.open import Store
from stalindeck.store.values import NEW, REVIEW, to_millis

from .conftest import T0
from .test_session import deck_text

runner = CliRunner()
DEFAULTS = tuple(make_scheduler().parameters)
# The simulated learner's memory: FSRS-6 with weights well away from the defaults (first
# stabilities several times FSRS's), so that fitting them shows on reviews it has not seen.
TRUE = (
    2.0, 6.0, 15.0, 40.0, 6.0, 0.8, 2.5, 0.01, 2.2, 0.12, 1.0, 1.2, 0.06, 0.3,
    1.6, 0.5, 2.2, 0.5, 0.1, 0.06, 0.4,
)  # fmt: skip


def run(db: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", str(db), *args], env={"COLUMNS": "100"})
    return result.exit_code, result.stdout, result.stderr


def flat(text: str) -> str:
    """`text` with its lines joined: Rich wraps messages at the console's width."""
    return " ".join(text.split())


def stored(db: Path) -> dict[str, object]:
    connection = sqlite3.connect(db)
    try:
        rows = connection.execute("SELECT key, value FROM settings").fetchall()
    finally:
        connection.close()
    return {key: json.loads(value) for key, value in rows}


def ms(day: int, hour: int, minute: int = 0) -> int:
    return to_millis(datetime(2026, 3, day, hour, minute, tzinfo=UTC))


def test_items_are_built_as_anki_builds_them() -> None:
    rows = [
        # A card learnt on one evening, then reviewed on the next two study days.
        (1, ms(2, 3), 3, NEW),
        (1, ms(2, 3, 10), 3, 1),  # same study day: no item of its own
        (1, ms(3, 3, 30), 3, REVIEW),
        (1, ms(3, 5), 1, REVIEW),
        # Its history does not start from new (say, imported without its beginning): skipped.
        (2, ms(2, 12), 3, REVIEW),
        (2, ms(5, 12), 3, REVIEW),
        # Reset to new after two answers: only what came after the reset counts.
        (3, ms(2, 12), 1, NEW),
        (3, ms(4, 12), 3, REVIEW),
        (3, ms(10, 12), 4, NEW),
        (3, ms(12, 12), 3, REVIEW),
        # Items come in the order of their last answer (fsrs-rs weighs recent ones more).
        (4, ms(1, 12), 3, NEW),
        (4, ms(2, 12), 2, REVIEW),
    ]
    # The day starts at 4 am (UTC here): 03:00 and 03:10 on the 2nd belong to the 1st.
    items, cards = training_items(rows, 4, UTC)
    assert items == [
        ((3, 0), (2, 1)),
        ((3, 0), (3, 0), (3, 1)),
        ((3, 0), (3, 0), (3, 1), (1, 1)),
        ((4, 0), (3, 2)),
    ]
    assert cards == 3
    # With days starting at midnight, 03:30 and 05:00 on the 3rd are the same day.
    items, _ = training_items(rows, 0, UTC)
    assert items == [((3, 0), (2, 1)), ((3, 0), (3, 0), (3, 1)), ((4, 0), (3, 2))]
    assert training_items([], 4, UTC) == ([], 0)


def simulate(
    store: Store,
    cards: int,
    write_deck: Callable[..., Path],
    seed: int = 7,
    memory: tuple[float, ...] = TRUE,
) -> int:
    """A learner whose memory follows `memory` (FSRS-6 weights) studies `cards` new cards for a
    year; their answers go into the log. Returns the number of reviews."""
    import_paths(store, [write_deck(deck_text(cards))], T0)
    rng = random.Random(seed)
    learner = fsrs.Scheduler(parameters=memory, enable_fuzzing=False)
    assert store.path is not None
    connection = sqlite3.connect(store.path)
    ids = [row[0] for row in connection.execute("SELECT id FROM cards ORDER BY id")]
    rows, memories = [], []
    for index, card_id in enumerate(ids):
        card = fsrs.Card(card_id=card_id)
        when = T0 + timedelta(hours=index * 7)
        first = True
        while when < T0 + timedelta(days=365):
            if first:
                grade = rng.choices((1, 2, 3, 4), (0.2, 0.1, 0.55, 0.15))[0]
            elif rng.random() < learner.get_card_retrievability(card, when):
                grade = rng.choices((2, 3, 4), (0.1, 0.8, 0.1))[0]
            else:
                grade = 1
            before = NEW if first else int(card.state)
            card, _log = learner.review_card(card, fsrs.Rating(grade), when)
            rows.append(
                (card_id, 1, grade, to_millis(when), 5000, before, int(card.state),
                 to_millis(card.due))
            )  # fmt: skip
            first = False
            wait = card.due - when
            when = card.due + wait * rng.uniform(0, 0.3)
        memories.append(
            (int(card.state), card.stability, card.difficulty, to_millis(card.due), card_id)
        )
    with connection:
        connection.executemany(
            "INSERT INTO reviews (card_id, profile_id, grade, reviewed_at, duration_ms,"
            " state_before, state_after, due_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        connection.executemany(
            "UPDATE card_states SET state = ?, stability = ?, difficulty = ?, due = ? "
            "WHERE card_id = ?",
            memories,
        )
    connection.close()
    return len(rows)


@pytest.fixture
def learner(store: Store, write_deck: Callable[..., Path]) -> Store:
    simulate(store, 150, write_deck)
    return store


def test_optimize_fits_the_history_and_saves(learner: Store, db_path: Path) -> None:
    preview = optimize(learner, dry_run=True)
    assert not preview.saved and stored(db_path) == {}
    assert preview.items >= MIN_ITEMS and preview.cards == 150
    assert preview.current == DEFAULTS and preview.current_is_default
    assert preview.new_fit.log_loss < preview.current_fit.log_loss
    assert preview.new_fit.rmse_bins < preview.current_fit.rmse_bins
    # Judged out of sample: the last five sixths of the items, in time order.
    assert preview.held_out == preview.items - preview.items // 6
    assert preview.judged and preview.new_held_out < preview.current_held_out

    code, out, err = run(db_path, "optimize")
    assert code == 0, err
    out = flat(out)
    assert "Saved the new parameters" in out and "log loss on unseen reviews" in out
    assert f"the last {preview.held_out:,} of the {preview.items:,}" in out
    assert "memory state (stability, difficulty) of 150 cards was worked out again" in out
    saved = stored(db_path)["fsrs_parameters"]
    assert isinstance(saved, list) and len(saved) == 21
    assert saved == pytest.approx(list(preview.new))  # the fit is seeded: the same again
    assert saved != pytest.approx(list(DEFAULTS), abs=1e-3)
    # w2 is the stability after a first Good: the learner's is much longer than FSRS's default.
    assert saved[2] > DEFAULTS[2]
    # Reviews from now on use them.
    settings = load_settings(learner)
    assert settings.fsrs_parameters == tuple(saved)
    assert make_scheduler(settings.scheduler()).parameters == tuple(saved)

    # Fitting again predicts unseen reviews no better than the fitted parameters do: kept.
    again = optimize(learner)
    assert not again.current_is_default and again.current == tuple(saved)
    assert not again.improved and not again.saved
    code, out, _ = run(db_path, "optimize")
    assert code == 0 and "Kept the current parameters: they predict unseen reviews no" in flat(out)
    assert stored(db_path)["fsrs_parameters"] == saved
    # Unless forced.
    assert optimize(learner, force=True).saved


def test_weights_that_only_fit_what_they_were_fitted_to_are_refused(
    store: Store, db_path: Path, write_deck: Callable[..., Path]
) -> None:
    # A learner whose memory *is* FSRS's defaults: fitting can only chase noise. On the reviews
    # it was fitted to it looks better (the rule before: saved); on later reviews, worse.
    simulate(store, 150, write_deck, seed=7, memory=DEFAULTS)
    outcome = optimize(store, dry_run=True)
    assert outcome.new_fit.log_loss < outcome.current_fit.log_loss  # in sample: flattering
    assert outcome.judged and outcome.new_held_out > outcome.current_held_out
    assert not outcome.improved
    code, out, err = run(db_path, "optimize")
    assert code == 0, err
    out = flat(out)
    assert "Kept the current parameters: they predict unseen reviews no better" in out
    assert f"log loss on unseen reviews {outcome.current_held_out:.4f} → " in out
    assert stored(db_path) == {}
    code, out, _ = run(db_path, "optimize", "--force")
    assert code == 0 and "Saved the new parameters (--force" in out
    assert "fsrs_parameters" in stored(db_path)


def test_held_out_figures_are_fsrs_rs_own(learner: Store) -> None:
    import fsrs_rs_python

    from stalindeck.scheduling.optimizer import fixed_log_loss, held_out_segments

    settings = load_settings(learner)
    from stalindeck.store.settings_store import review_history

    items, _ = training_items(review_history(learner), settings.rollover_hour)
    fsrs_items = [
        fsrs_rs_python.FSRSItem([fsrs_rs_python.FSRSReview(r, t) for r, t in item])
        for item in items
    ]
    outcome = optimize(learner, dry_run=True)
    assert outcome.new_held_out == pytest.approx(
        fsrs_rs_python.evaluate_with_time_series_splits(fsrs_items).log_loss
    )
    # The current parameters' figure: each item's loss as fsrs-rs's own evaluation gives it.
    start, _ = held_out_segments(len(items))
    model = fsrs_rs_python.FSRS(list(DEFAULTS))
    each = [model.evaluate([item]).log_loss for item in fsrs_items[start:]]
    assert outcome.current_held_out == pytest.approx(sum(each) / len(each), rel=1e-5)
    assert fixed_log_loss(DEFAULTS, items[start:]) == outcome.current_held_out


def test_dry_run_writes_nothing(learner: Store, db_path: Path) -> None:
    code, out, err = run(db_path, "optimize", "--dry-run")
    assert code == 0, err
    assert "Dry run, nothing stored" in out and "would be saved" in out
    assert stored(db_path) == {}


def test_reset_goes_back_to_the_defaults(learner: Store, db_path: Path) -> None:
    assert run(db_path, "optimize")[0] == 0
    assert "fsrs_parameters" in stored(db_path)
    code, out, _ = run(db_path, "optimize", "--reset")
    assert code == 0 and "back to the defaults" in out and "of 150 cards" in out
    assert stored(db_path) == {}
    assert load_settings(learner).fsrs_parameters is None
    code, out, _ = run(db_path, "optimize", "--reset")
    assert code == 0 and "nothing changed" in out
    assert run(db_path, "optimize", "--reset", "--dry-run")[0] == 1


def test_too_little_history_changes_nothing(
    store: Store, db_path: Path, write_deck: Callable[..., Path]
) -> None:
    reviews = simulate(store, 12, write_deck)
    run(db_path, "settings", "new_per_day", "9")
    before = stored(db_path)
    code, out, err = run(db_path, "optimize")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"of {reviews} in all" in err and f"at least {MIN_ITEMS}" in err
    assert "nothing was changed" in err
    assert stored(db_path) == before
    with pytest.raises(OptimizeError, match="usable reviews"):
        optimize(store, force=True)


def test_a_garbled_stored_value_counts_as_the_defaults(learner: Store, db_path: Path) -> None:
    connection = sqlite3.connect(db_path)
    with connection:
        connection.execute(
            "INSERT INTO settings (profile_id, key, value) VALUES (1, 'fsrs_parameters', '[1,')"
        )
    connection.close()
    outcome = optimize(learner, dry_run=True)
    assert outcome.current_is_default and outcome.current == DEFAULTS


def test_a_fit_that_cannot_be_judged_out_of_sample_is_not_taken(
    learner: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fsrs_rs_python

    def cannot(*_args: object, **_kwargs: object) -> object:
        raise ValueError("NotEnoughData")  # what fsrs-rs says when a split cannot be fitted

    monkeypatch.setattr(fsrs_rs_python, "evaluate_with_time_series_splits", cannot)
    outcome = optimize(learner, dry_run=True)
    assert not outcome.judged and not outcome.improved
    code, out, err = run(db_path, "optimize")
    assert code == 0, err
    out = flat(out)
    assert "fitting could not be judged on unseen reviews" in out and "n/a" in out
    assert stored(db_path) == {}
