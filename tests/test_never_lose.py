"""Issue 16: never lose, never lie — answers raced from two windows, damaged stores and
backups, absurd input. The crash, kill and race tests are marked `durability`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.decks.importing import import_paths
from stalindeck.review.session import ReviewSession
from stalindeck.scheduling.fsrs_bridge import SchedulerSettings
from stalindeck.store.models import REVIEW
from stalindeck.store.open import Store, open_store

from .conftest import FakeClock

runner = CliRunner()


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "100", **(env or {})})
    return result.exit_code, result.stderr


NO_FUZZ = SchedulerSettings(enable_fuzzing=False)
ONE_CARD = 'id = "d"\nname = "D"\n\n[[cards]]\nid = "c0"\nfront = "Q"\nback = "A"\n'


def _reviews(store: Store) -> list[tuple[int, int, int]]:
    with store.engine.connect() as connection:
        return [
            tuple(row)  # type: ignore[misc]
            for row in connection.execute(
                text("SELECT grade, state_before, state_after FROM reviews ORDER BY id")
            )
        ]


def _state(store: Store) -> tuple[int, int, int]:
    with store.engine.connect() as connection:
        row = connection.execute(text("SELECT state, reps, lapses FROM card_states")).one()
    return int(row[0]), int(row[1]), int(row[2])


def two_windows_answer(db: str, clock: FakeClock, write_deck: Callable[..., Path]) -> None:
    """A shows the card and grades Easy; B, showing the same card, then grades Again."""
    first = open_store(db)
    import_paths(first, [write_deck(ONE_CARD)], clock())
    second = open_store(db)
    try:
        a = ReviewSession(first, clock=clock, settings=NO_FUZZ)
        b = ReviewSession(second, clock=clock, settings=NO_FUZZ)
        assert a.next_card() is not None and b.next_card() is not None
        clock.advance(seconds=5)
        a.answer(4)
        b.answer(1)
        a.close()
        b.close()
        # Both answers count: B's Again applies to the card A made a review card.
        assert _reviews(first) == [(4, 0, REVIEW), (1, REVIEW, 3)]
        assert _state(first) == (3, 2, 1)  # relearning, two reps, one lapse
    finally:
        first.close()
        second.close()


def test_two_windows_answering_one_card_lose_nothing(
    tmp_path: Path, clock: FakeClock, write_deck: Callable[..., Path]
) -> None:
    two_windows_answer(str(tmp_path / "s.db"), clock, write_deck)


def test_check_replays_a_card_an_old_version_answered_from_a_stale_state(
    tmp_path: Path,
    clock: FakeClock,
    write_deck: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from stalindeck.store import answer_path
    from stalindeck.store.check import check_store

    db = str(tmp_path / "s.db")
    store = open_store(db)
    import_paths(store, [write_deck(ONE_CARD)], clock())
    first = ReviewSession(store, clock=clock, settings=NO_FUZZ)
    first.next_card()
    first.answer(4)
    first.close()
    clock.advance(days=10)
    # As before answers were computed under the lock: the state is not read again.
    monkeypatch.setattr(answer_path, "_CURRENT_STATE", "SELECT 1 WHERE :profile = 0 AND :card = 0")
    a = ReviewSession(store, clock=clock, settings=NO_FUZZ)
    b = ReviewSession(store, clock=clock, settings=NO_FUZZ)
    a.next_card(), b.next_card()
    a.answer(3)
    clock.advance(minutes=1)
    b.answer(1)
    a.close(), b.close()
    monkeypatch.undo()
    assert _state(store) == (3, 2, 1)  # Good lost: two reps where three answers were given
    report = check_store(store, clock(), repair=False)
    assert any("does not follow from its review log" in line for line in report.problems)
    report = check_store(store, clock())
    assert report.ok and any("again from the review log" in line for line in report.repaired)
    assert _state(store) == (3, 3, 1)
    assert check_store(store, clock(), repair=False).ok
    store.close()


# -- absurd input ---------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user data folder of the test's own, so the real store is never near."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.delenv("STALINDECK_DB", raising=False)
    return tmp_path / "home"


@pytest.mark.parametrize("command", [["status"], ["cards"], ["review"], ["backup"]])
def test_an_empty_store_name_is_refused(home: Path, command: list[str]) -> None:
    code, errors = cli("--db", "", *command)
    assert code == 1 and "--db '' names no store" in errors
    code, errors = cli(*command, env={"STALINDECK_DB": ""})
    assert code == 1 and "$STALINDECK_DB is set but empty" in errors
    assert not home.exists()  # the default store was not touched, not even its folder


def test_a_sqlite_uri_for_a_path_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, errors = cli("--db", "file:x.db?mode=ro", "status")
    assert code == 1 and "looks like a SQLite URI" in errors and errors.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["review", "--minutes", "inf"],
        ["review", "--minutes", "nan"],
        ["review", "--minutes", "1e308"],
        ["review", "--new", "99999999999999999999"],
        ["review", "--limit", "99999999999999999999"],
        ["cards", "--limit", "99999999999999999999"],
        ["exam", "--new-per-day", "99999999999999999999"],
    ],
)
def test_numbers_out_of_range_are_one_line_and_exit_2(db_path: Path, args: list[str]) -> None:
    result = runner.invoke(app, ["--db", str(db_path), *args], env={"COLUMNS": "100"})
    assert result.exit_code == 2, result.output
    assert "in the range" in result.output or "not a number" in result.output


# -- check in one pass ----------------------------------------------------------------------


def _check_steps(tmp_path: Path, cards: int, write_deck: Callable[..., Path]) -> int:
    """SQLite virtual-machine steps (in thousands) `check --no-repair` takes on a store of
    `cards` cards with three reviews each: a measure of work that no machine load changes."""
    from sqlalchemy import event

    from stalindeck.store.check import check_store

    from .conftest import T0

    lines = ['id = "big"', 'name = "Big"', ""]
    for number in range(cards):
        lines += ["[[cards]]", f'id = "c{number}"', f'front = "Q{number}"', 'back = "A"', ""]
    store = open_store(str(tmp_path / f"{cards}.db"))
    import_paths(store, [write_deck("\n".join(lines), f"big{cards}.toml")], T0)
    start = int(T0.timestamp() * 1000)
    with store.engine.begin() as connection:
        for index in range(3):
            connection.execute(
                text(
                    "INSERT INTO reviews (card_id, profile_id, grade, reviewed_at, duration_ms, "
                    "state_before, state_after, due_after) SELECT id, 1, 3, :at, 1000, :before, "
                    "2, :at + 86400000 FROM cards"
                ),
                {"at": start + index * 86_400_000, "before": 0 if index == 0 else 2},
            )
        connection.execute(
            text("UPDATE card_states SET state = 2, reps = 3, last_review = :at"),
            {"at": start + 2 * 86_400_000},
        )
    store.engine.dispose()
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    event.listen(
        store.engine, "connect", lambda dbapi, _record: dbapi.set_progress_handler(count, 1000)
    )
    report = check_store(store, T0 + timedelta(days=3), repair=False)
    store.close()
    assert report.ok, report.problems
    return steps[0]


def test_check_reads_the_log_in_one_pass(tmp_path: Path, write_deck: Callable[..., Path]) -> None:
    small, large = _check_steps(tmp_path, 300, write_deck), _check_steps(tmp_path, 1200, write_deck)
    # Four times the cards: about four times the work (sorting adds a little), not sixteen.
    assert large < 6 * small, (small, large)
