"""The same store on PostgreSQL, for the teacher's shared database.

Runs only when $STALINDECK_TEST_PG names a throwaway PostgreSQL database (its tables are
dropped first), e.g. ``postgresql+psycopg://user:pass@localhost/stalindeck_test``, with the
`postgres` extra installed. CI has no PostgreSQL server: these tests are skipped there.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stalindeck.cli import app

from .conftest import T0

URL = os.environ.get("STALINDECK_TEST_PG", "")


def _bundled_cards() -> int:
    """How many cards the bundled decks make (the first run loads them into every store)."""
    from stalindeck.decks.toml_deck import deck_files, load_decks
    from stalindeck.resources import bundled_decks_dir

    return sum(len(deck.cards) for deck in load_decks(deck_files([bundled_decks_dir()])))


BUNDLED = _bundled_cards()
pytestmark = pytest.mark.skipif(not URL, reason="set STALINDECK_TEST_PG to a throwaway database")
runner = CliRunner()


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", URL, *args], input=input, env={"COLUMNS": "100"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def empty_database() -> None:
    pytest.importorskip("psycopg")
    from sqlalchemy import create_engine, text

    engine = create_engine(URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def test_a_day_of_study_on_postgresql(tmp_path: Path) -> None:
    code, out, err = run("status", "--json")
    assert code == 0, err
    assert json.loads(out)["total"]["new"] == 20  # migrated, bundled deck loaded
    # Reveal and Good; the typed cloze; undo it and answer again; then quit.
    code, out, err = run("review", input="\n3\n20th\n\nu\n20th\n\nq\n")
    assert code == 0, err
    assert "undone: " in out and out.count("graded: ") == 3
    code, out, _ = run("export", "reviews", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["grade"] for row in rows] == ["3", "3"]
    code, out, err = run("stats", "--json")
    assert code == 0, err
    assert json.loads(out)["today"]["answers"] == 2
    run("settings", "exam_date", (date.today() + timedelta(days=365)).isoformat())
    code, out, err = run("exam", "--json")
    assert code == 0, err
    assert json.loads(out)["days_left"] > 0
    code, out, err = run("review", "--ahead", input="3\nq\n")
    assert code == 0 and "graded: 3 Good" in out, err
    code, out, err = run("check")
    assert code == 0 and "sound" in out, err
    # New weights recompute the answered cards' memory (two cards: the Good, the cloze).
    weights = ", ".join(
        [
            "0.5",
            "1.5",
            "4",
            "12",
            "6.5",
            "0.6",
            "2",
            "0.01",
            "1.5",
            "0.15",
            "0.9",
            "1.9",
            "0.1",
            "0.3",
            "2.3",
            "0.2",
            "2.9",
            "0.5",
            "0.1",
            "0.06",
            "0.15",
        ]
    )
    code, out, err = run("settings", "fsrs_parameters", weights)
    assert code == 0 and "of 2 cards was worked out again" in out, err
    code, out, err = run("settings", "fsrs_parameters", "--reset")
    assert code == 0 and "of 2 cards was worked out again" in out, err


def test_csv_import_and_re_import_on_postgresql(tmp_path: Path) -> None:
    deck = tmp_path / "class.csv"
    deck.write_text("front,back,tags\nQ1,A1,t\nQ2,A2,t\n", encoding="utf-8")
    code, out, err = run("import", str(deck))
    assert code == 0, err
    deck.write_text("front,back,tags\nQ1,A1 edited,t\nQ3,A3,t\n", encoding="utf-8")
    code, out, err = run("import", str(deck))
    assert code == 0, err
    assert " 1 " in out  # one added, one updated, one retired
    code, out, _ = run("export", "cards", "-f", "json")
    backs = sorted(card["back"] for card in json.loads(out) if card["deck"] == "class")
    assert backs == ["A1 edited", "A3"]


def test_a_class_of_profiles_on_postgresql() -> None:
    # The default profile is made with id 1 by the first migration; students added after it
    # must get their own ids (PostgreSQL's sequence had been left at 1).
    assert run("status")[0] == 0
    for student in ("amira", "ben", "chloe"):
        code, out, err = run("--profile", student, "review", "--limit", "1", input="\n3\n")
        assert code == 0, err
        assert "Reviewed 1 card" in out
    code, out, err = run("--profile", "ben", "stats", "--json")
    assert code == 0, err
    assert json.loads(out)["today"]["answers"] == 1
    code, _out, err = run("--profile", "x" * 65, "status")
    assert code == 1 and "cannot name a profile" in err and err.count("\n") == 1
    code, _out, err = run("--profile", "Ben", "status")  # not a second, empty Ben
    assert code == 1 and "there is a profile 'ben'" in err
    code, out, err = run("profiles", "--json")
    assert code == 0, err
    listed = {row["name"]: row["reviews"] for row in json.loads(out)}
    assert listed == {"amira": 1, "ben": 1, "chloe": 1, "default": 0}


def test_an_accepted_answer_on_postgresql(tmp_path: Path) -> None:
    deck = tmp_path / "soviet.toml"
    deck.write_text(
        'id = "soviet"\nname = "Soviet"\n\n[[cards]]\nid = "bloc"\n'
        'front = "Which state led the Warsaw Pact?"\nback = "The Soviet Union"\n'
        'answer = "Soviet Union"\n',
        encoding="utf-8",
    )
    assert run("import", str(deck))[0] == 0
    code, out, err = run("review", "soviet", input="USSR\na\n:q\n")
    assert code == 0 and "accepted: USSR" in out, err
    code, out, err = run("review", "soviet", input="USSR\n\n:q\n")
    assert code == 0 and "result: correct" in out, err
    code, out, err = run("card", "soviet/bloc", "--unaccept", "USSR")
    assert code == 0 and "no longer counts as right" in out, err


# Races between processes. Each test holds one writer inside its transaction (a pause in a
# callback or a patched step), starts the other, waits until that one is blocked on a lock or
# done, then lets the first go on: the interleaving that lost data or failed is forced.


class Background(threading.Thread):
    """Work on another thread (with its own engine); its result or its exception."""

    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.work = work
        self.result: Any = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.result = self.work()
        except BaseException as error:  # handed to the test, which re-raises it
            self.error = error

    def outcome(self) -> Any:
        self.join(60)
        assert not self.is_alive()
        if self.error is not None:
            raise self.error
        return self.result


def settle(expected: int, done: Callable[[], int], timeout: float = 30.0) -> None:
    """Wait until `expected` others are each waiting for a lock on the server or `done`."""
    from sqlalchemy import create_engine

    engine = create_engine(URL, isolation_level="AUTOCOMMIT")  # a fresh activity snapshot
    deadline = time.monotonic() + timeout
    try:
        with engine.connect() as connection:
            while time.monotonic() < deadline:
                waiting = connection.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                ).scalar_one()
                if waiting + done() >= expected:
                    return
                time.sleep(0.02)
    finally:
        engine.dispose()
    raise AssertionError(f"{expected} others never got to wait for a lock")


def states_by_profile() -> dict[str, int]:
    """Each profile's card states, and (under "cards") the cards they should cover."""
    from sqlalchemy import create_engine, text

    engine = create_engine(URL)
    with engine.connect() as connection:
        found = dict(
            connection.execute(
                text(
                    "SELECT p.name, count(s.card_id) FROM profiles p "
                    "LEFT JOIN card_states s ON s.profile_id = p.id GROUP BY p.name"
                )
            ).all()
        )
        found["cards"] = connection.execute(text("SELECT count(*) FROM cards")).scalar_one()
    engine.dispose()
    return found


def class_deck(tmp_path: Path, rows: int = 2_000) -> Path:
    deck = tmp_path / "class.csv"
    deck.write_text(
        "front,back\n" + "".join(f"Q{number},A{number}\n" for number in range(rows)),
        encoding="utf-8",
    )
    return deck


def import_pausing(path: Path, then: Callable[[], None]) -> Any:
    """Import `path` as `stalindeck import` does, running `then` at the end of the import's
    transaction: every card and card state is written, nothing committed yet."""
    from stalindeck.decks.formats import load_files
    from stalindeck.store.deck_sync import sync_decks
    from stalindeck.store.open import open_store

    decks, _history = load_files([path])
    store = open_store(URL)
    try:
        return sync_decks(store, decks, T0, after=lambda _connection: then())
    finally:
        store.close()


def test_a_profile_made_during_an_import_gets_the_imported_cards(tmp_path: Path) -> None:
    from stalindeck.store.open import open_store

    assert run("status")[0] == 0
    late: list[Background] = []

    def a_student_arrives() -> None:
        late.append(Background(lambda: open_store(URL, "late").close()))
        settle(1, lambda: int(not late[0].is_alive()))

    import_pausing(class_deck(tmp_path), a_student_arrives)
    late[0].outcome()
    states = states_by_profile()
    assert states["cards"] == BUNDLED + 2_000
    assert states["late"] == states["default"] == states["cards"]


def test_the_same_file_imported_twice_at_once(tmp_path: Path) -> None:
    from stalindeck.decks.importing import import_paths
    from stalindeck.store.open import open_store

    assert run("status")[0] == 0
    deck = class_deck(tmp_path)
    second: list[Background] = []

    def import_again() -> Any:
        store = open_store(URL)
        try:
            return import_paths(store, [deck], T0)
        finally:
            store.close()

    def another_import_starts() -> None:
        second.append(Background(import_again))
        settle(1, lambda: int(not second[0].is_alive()))

    [first] = import_pausing(deck, another_import_starts)
    [changes] = second[0].outcome()  # not IntegrityError: uq_decks_slug
    assert first.added == 2_000
    assert (changes.added, changes.unchanged) == (0, 2_000)
    assert states_by_profile()["cards"] == BUNDLED + 2_000


def test_two_processes_make_the_same_new_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    from stalindeck.clock import utc_now
    from stalindeck.store import open as opening

    assert run("status")[0] == 0
    inside, go_on = threading.Event(), threading.Event()

    def slow_now() -> Any:  # the first caller stops in its write, before inserting the profile
        if not inside.is_set():
            inside.set()
            go_on.wait(30)
        return utc_now()

    monkeypatch.setattr(opening, "utc_now", slow_now)

    def make_twin() -> int:
        store = opening.open_store(URL, "twin")
        store.close()
        return store.profile_id

    first = Background(make_twin)
    assert inside.wait(30)
    second = Background(make_twin)
    settle(1, lambda: int(not second.is_alive()))
    go_on.set()
    assert first.outcome() == second.outcome()
    states = states_by_profile()
    assert states["twin"] == states["cards"] == BUNDLED


def test_a_writer_waits_a_bounded_time_and_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy import create_engine

    from stalindeck.store import engine as store_engine

    assert run("status")[0] == 0
    monkeypatch.setattr(store_engine, "_WRITE_LOCK_WAIT_MS", 200)
    holder = create_engine(URL)
    with holder.begin() as connection:  # another writer that does not finish in time
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({store_engine.WRITE_LOCK_KEY})")
        code, _out, err = run("--profile", "newcomer", "status")
    holder.dispose()
    assert code == 1 and "stayed busy" in err and err.count("\n") == 1, err
    code, _out, err = run("--profile", "newcomer", "status")  # once it has finished
    assert code == 0, err


def test_students_opening_a_new_class_database_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from alembic import command

    from stalindeck.store.open import open_store
    from stalindeck.store.revision import HEAD_REVISION

    migrated, go_on = threading.Event(), threading.Event()
    upgrade = command.upgrade

    def paused(*args: Any, **kwargs: Any) -> None:  # the first one migrates, not yet committed
        upgrade(*args, **kwargs)
        migrated.set()
        go_on.wait(30)

    monkeypatch.setattr(command, "upgrade", paused)
    teacher = Background(lambda: open_store(URL, "teacher").close())
    assert migrated.wait(30)
    # Two of them ask for the same new profile.
    names = ["amira", "ben", "ben", "chloe"]
    students = [
        subprocess.Popen(
            [sys.executable, "-m", "stalindeck", "--db", URL, "--profile", name, "status"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    settle(len(students), lambda: sum(student.poll() is not None for student in students))
    go_on.set()
    teacher.outcome()
    for student in students:
        _out, err = student.communicate(timeout=60)
        assert student.returncode == 0, err
        assert "error" not in err and "Traceback" not in err, err
    from sqlalchemy import create_engine, text

    engine = create_engine(URL)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).all() == [
            (HEAD_REVISION,)
        ]
    engine.dispose()
    states = states_by_profile()
    assert states.pop("cards") == BUNDLED
    assert states == dict.fromkeys(["default", "teacher", "amira", "ben", "chloe"], BUNDLED)


def test_two_windows_answering_one_card_lose_nothing_on_postgresql(
    clock: Any, write_deck: Callable[..., Path]
) -> None:
    from .test_never_lose import two_windows_answer

    two_windows_answer(URL, clock, write_deck)


def test_status_and_the_closing_lines_agree_on_postgresql(
    tmp_path: Path, write_deck: Callable[..., Path]
) -> None:
    # The queue's one rule (siblings held back, buried and suspended cards left out) in
    # PostgreSQL's SQL: reversed cards, a session that answers, suspends and buries.
    from .test_counts_agree import left_for_today

    lines = ['id = "pairs"', 'name = "Pairs"', ""]
    for number in range(6):
        lines += ["[[cards]]", f'id = "c{number}"', f'front = "Q{number}"', f'back = "A{number}"']
        lines += ["reverse = true", ""]
    code, _out, err = run("import", str(write_deck("\n".join(lines), "pairs.toml")))
    assert code == 0, err
    run("settings", "new_per_day", "4")
    code, out, err = run("review", "pairs", input="\n4\ns\nb\n\n4\nq\n")
    assert code == 0 and "suspended: " in out and "buried: " in out, err
    code, status, err = run("status", "--json")
    assert code == 0, err
    pairs = next(deck for deck in json.loads(status)["decks"] if deck["deck"] == "pairs")
    assert {key: pairs[key] for key in ("new", "learning", "due")} == left_for_today(out)
    assert pairs["new"] == 2  # four a day: two answered, and the two put aside gave way
    code, table, err = run("decks")
    assert code == 0 and "Pairs" in table, err


def test_class_on_postgresql_agrees_with_each_students_stats(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`class --json` on PostgreSQL: each row, topics included, is the student's own `stats`
    to the last digit (the same check as tests/test_class.py on SQLite)."""
    from stalindeck.decks.importing import bring_in_bundled
    from stalindeck.store.open import open_store

    from .test_class import NOW, study

    store = open_store(URL, "teacher")
    bring_in_bundled(store, T0 - timedelta(days=30))
    store.close()
    monkeypatch.setattr("stalindeck.clock.utc_now", lambda: NOW)
    assert run("--profile", "s2", "settings", "exam_date", "2026-05-01")[0] == 0
    for name, days, per_day, seed in (("s1", 6, 20, 1), ("s2", 4, 10, 2)):
        study(URL, name, days, per_day, seed)
    code, out, err = run("--profile", "teacher", "class", "--json")
    assert code == 0, err
    rows = json.loads(out)["profiles"]
    assert [row["profile"] for row in rows] == ["s2", "s1"]
    for row in rows:
        code, out, err = run("stats", "--profile", row["profile"], "--json")
        assert code == 0, err
        mine = json.loads(out)
        assert row["topics"] == mine["topics"]
        assert row["mastery"] == mine["memory"]["knowledge"] / mine["cards"]["total"]
        assert row["due_now"] == mine["today"]["due_now"]
        assert row["current_streak"] == mine["calendar"]["current_streak"]
        exam = mine["exam"]
        assert row["exam_recall"] == (None if exam is None else exam["recall_if_stopped"])
    code, out, err = run("--profile", "teacher", "export", "class", "--format", "csv")
    assert code == 0, err
    assert [r["profile"] for r in csv.DictReader(io.StringIO(out))] == ["s2", "s1"]


def test_backup_and_restore_on_postgresql_use_pg_dump(tmp_path: Path) -> None:
    import shutil

    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not on PATH")
    assert run("status")[0] == 0
    dump = tmp_path / "class.dump"
    code, _out, err = run("backup", "-o", str(dump))
    assert code == 0, err
    assert dump.read_bytes()[:5] == b"PGDMP"
    assert "stalindeck restore" in err
    assert run("--profile", "latecomer", "status")[0] == 0  # a change after the backup
    code, _out, err = run("restore", str(dump))
    assert code == 0, err
    code, out, _err = run("profiles", "--json")
    assert "latecomer" not in {row["name"] for row in json.loads(out)}
    kept = [path for path in tmp_path.iterdir() if path.name.endswith("-before-restore.dump")]
    assert len(kept) == 1  # the store as it was, latecomer and all
    code, _out, err = run("restore", str(tmp_path / "nothing.dump"))
    assert code == 1 and err.count("\n") == 1 and "nothing.dump" in err


def test_profiles_write_side_by_side_and_imports_wait_for_them() -> None:
    """A write of one profile's rows holds the store-wide lock shared and its profile's lock:
    another profile may write at once, the same profile may not, a store-wide writer may not."""
    from sqlalchemy import create_engine, text

    from stalindeck.store.engine import PROFILE_LOCK_CLASS, WRITE_LOCK_KEY, writing
    from stalindeck.store.open import open_store

    store = open_store(URL, "s1")
    other = create_engine(URL)
    try:

        def free(sql: str) -> bool:
            with other.begin() as connection:
                return bool(connection.execute(text(sql)).scalar())

        with writing(store.engine, store.profile_id):
            assert free(f"SELECT pg_try_advisory_xact_lock({PROFILE_LOCK_CLASS}, 999)")
            assert free(f"SELECT pg_try_advisory_xact_lock_shared({WRITE_LOCK_KEY})")
            assert not free(
                f"SELECT pg_try_advisory_xact_lock({PROFILE_LOCK_CLASS}, {store.profile_id})"
            )
            assert not free(f"SELECT pg_try_advisory_xact_lock({WRITE_LOCK_KEY})")
        with writing(store.engine):  # store-wide: nobody else writes
            assert not free(f"SELECT pg_try_advisory_xact_lock_shared({WRITE_LOCK_KEY})")
        assert free(f"SELECT pg_try_advisory_xact_lock({WRITE_LOCK_KEY})")
    finally:
        other.dispose()
        store.close()
