"""Crash safety: a reviewer killed at random moments loses no acknowledged grade, and a full
disk or a read-only store gives a one-line error with nothing half-written."""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from stalindeck.decks.importing import import_paths
from stalindeck.errors import StoreError
from stalindeck.review.session import ReviewSession
from stalindeck.scheduling.fsrs_bridge import SchedulerSettings
from stalindeck.scheduling.limits import Limits
from stalindeck.store import safety
from stalindeck.store.models import from_millis, to_millis
from stalindeck.store.open import open_store

from .conftest import DURABILITY_SCALE, T0, FakeClock, record

pytestmark = pytest.mark.durability

KILLS = 60 * DURABILITY_SCALE
CLI_KILLS = 5 * DURABILITY_SCALE
NO_FUZZ = SchedulerSettings(enable_fuzzing=False)
PLENTY = Limits(new_per_day=100_000, reviews_per_day=100_000)


def deck_text(count: int) -> str:
    lines = ['id = "crash"', 'name = "Crash"', ""]
    for number in range(count):
        lines += ["[[cards]]", f'id = "c{number}"', f'front = "Q{number}"', f'back = "A{number}"']
    return "\n".join(lines) + "\n"


def _reviewer(db: Path, start: datetime, seed: int, out: int) -> None:
    """The child: review through the real session, report each grade once it is committed."""
    store = open_store(str(db))
    clock = FakeClock(start)
    rng = random.Random(seed)
    while True:
        session = ReviewSession(store, clock=clock, settings=NO_FUZZ, limits=PLENTY)
        while (shown := session.next_card()) is not None:
            clock.advance(seconds=rng.randint(1, 30))
            grade = rng.randint(1, 4)
            session.answer(grade)
            # answer() has returned: the grade is committed. Only now acknowledge it.
            os.write(out, f"{shown.card.card_id} {grade} {to_millis(clock())}\n".encode())
        session.close()
        clock.advance(days=1)


def _run_and_kill(
    db: Path, seed: int, delay: float, *, after_first: bool
) -> tuple[list[tuple[int, int, int]], int]:
    """Start a reviewer and SIGKILL it `delay` seconds after it started (or, with
    `after_first`, after its first acknowledged grade, whatever this machine's speed)."""
    with sqlite3.connect(db) as connection:
        newest = connection.execute("SELECT max(reviewed_at) FROM reviews").fetchone()[0]
    connection.close()
    # Each reviewer starts a day after the last review, as a student's next session would.
    start = T0 if newest is None else from_millis(newest) + timedelta(days=1)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns into pytest
        os.close(read_end)
        code = 0
        try:
            _reviewer(db, start, seed, write_end)
        except BaseException as error:
            os.write(write_end, f"ERROR {error!r}\n".encode())
            code = 3
        os._exit(code)
    os.close(write_end)
    if after_first:
        select.select([read_end], [], [], 30)
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    text = b"".join(chunks).decode()
    assert "ERROR" not in text, text
    assert os.WIFSIGNALED(status), f"the reviewer stopped by itself: {text[-300:]}"
    complete = text[: text.rfind("\n") + 1]  # a torn last line was never acknowledged
    acked = [tuple(int(part) for part in line.split()) for line in complete.splitlines()]
    return acked, os.WTERMSIG(status)  # type: ignore[return-value]


def _reviews(db: Path) -> tuple[str, set[tuple[int, int, int]], int, int]:
    """Integrity, every review row, and cards whose state misses their newest review."""
    with sqlite3.connect(db) as connection:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        rows = connection.execute("SELECT card_id, grade, reviewed_at FROM reviews").fetchall()
        stale = connection.execute(
            "SELECT count(*) FROM card_states s WHERE s.last_review IS NOT "
            "(SELECT max(reviewed_at) FROM reviews r WHERE r.card_id = s.card_id)"
            " AND EXISTS (SELECT 1 FROM reviews r WHERE r.card_id = s.card_id)"
        ).fetchone()[0]
        foreign = len(connection.execute("PRAGMA foreign_key_check").fetchall())
    connection.close()
    return str(integrity), {tuple(row) for row in rows}, int(stale), foreign  # type: ignore[misc]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_sigkill_never_loses_an_acknowledged_grade(
    db_path: Path, write_deck: Callable[..., Path]
) -> None:
    store = open_store(str(db_path))
    import_paths(store, [write_deck(deck_text(400))], T0)
    store.close()
    rng = random.Random(20261128)
    acked: set[tuple[int, int, int]] = set()
    killed_with_work = 0
    for kill in range(KILLS):
        # Most kills land mid-review; some while the reviewer is still starting up.
        got, signal_number = _run_and_kill(
            db_path, kill, rng.uniform(0.0, 0.2), after_first=kill % 5 != 0
        )
        assert signal_number == signal.SIGKILL
        killed_with_work += bool(got)
        acked.update(got)
        integrity, rows, stale, foreign = _reviews(db_path)
        assert integrity == "ok", f"kill {kill}: {integrity}"
        missing = acked - rows
        assert not missing, f"kill {kill}: acknowledged grades lost: {sorted(missing)[:5]}"
        # At most one grade per kill can be committed but not yet acknowledged.
        assert len(rows) - len(acked) <= kill + 1
        assert stale == 0, f"kill {kill}: a review without its card state (or the reverse)"
        assert foreign == 0
    assert killed_with_work >= KILLS // 2  # most kills landed while grades were being written
    assert len(acked) >= KILLS
    record("review sessions killed (SIGKILL)", KILLS)
    record("answers acknowledged before a kill", len(acked))
    record("answers stored after the kills", len(rows))
    print(f"{KILLS} kills, {killed_with_work} mid-review, {len(acked)} grades acknowledged, 0 lost")


def test_sigkill_of_the_review_command(tmp_path: Path, write_deck: Callable[..., Path]) -> None:
    """The same through the real command in line mode, whose "graded:" line follows the
    commit."""
    db = tmp_path / "cli.db"
    store = open_store(str(db))
    import_paths(store, [write_deck(deck_text(300))], T0)
    store.close()
    rng = random.Random(7)
    graded = 0
    for kill in range(CLI_KILLS):
        child = subprocess.Popen(
            [sys.executable, "-m", "stalindeck", "--db", str(db), "review", "--new", "300"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(b"".join(f"{rng.randint(1, 4)}\n".encode() for _ in range(2000)))
        child.stdin.flush()
        output = b""
        deadline = time.monotonic() + 20
        target = rng.randint(1, 40)  # kill after this many acknowledged grades
        while output.count(b"graded: ") < target and time.monotonic() < deadline:
            ready, _, _ = select.select([child.stdout], [], [], 0.5)
            if ready:
                chunk = os.read(child.stdout.fileno(), 65536)
                if not chunk:
                    break
                output += chunk
        child.send_signal(signal.SIGKILL)
        rest, errors = child.communicate()
        output += rest
        assert b"Traceback" not in errors, errors.decode()
        graded += output.count(b"graded: ")
        integrity, rows, stale, _ = _reviews(db)
        assert integrity == "ok"
        assert graded <= len(rows) <= graded + kill + 1
        assert stale == 0
    record("review sessions killed (SIGKILL)", CLI_KILLS)
    record("answers acknowledged before a kill", graded)
    record("answers stored after the kills", len(rows))


# -- a full disk and a read-only store -------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs mounted for the test (needs mount rights; skipped without them)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.decode()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> None:
    descriptor = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(descriptor, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _cli(db: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stalindeck", "--db", str(db), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _counts(db: Path) -> tuple[str, int, int]:
    with sqlite3.connect(db) as connection:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        cards = connection.execute("SELECT count(*) FROM cards").fetchone()[0]
        reviews = connection.execute("SELECT count(*) FROM reviews").fetchone()[0]
    connection.close()
    return str(integrity), int(cards), int(reviews)


def _one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr
    assert all(word in lines[0] for word in words), lines[0]


def test_full_disk_one_line_error_nothing_half_written(
    small_disk: Path, write_deck: Callable[..., Path]
) -> None:
    db = small_disk / "s.db"
    store = open_store(str(db))
    import_paths(store, [write_deck(deck_text(50))], T0)
    store.close()
    assert _cli(db, "review", "--new", "5", stdin="3\n3\n3\nq\n").returncode == 0
    before = _counts(db)
    big = write_deck(deck_text(3000), "big.toml")
    _fill(small_disk)
    result = _cli(db, "import", str(big))
    _one_line_error(result, "full", "nothing was")
    # A review: the answers cannot be written, and the command says so in one line.
    result = _cli(db, "review", "--new", "5", stdin="3\n" * 5 + "q\n")
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    (small_disk / "filler").unlink()
    after = _counts(db)
    assert after[0] == "ok" and after[1] == before[1]
    assert not list(small_disk.glob("backups/.*"))  # no half-written copy left behind
    # With space again, everything works.
    assert _cli(db, "import", str(big)).returncode == 0
    assert _counts(db)[1] == 3000


def test_backup_to_a_full_disk_says_the_disk_is_full(
    small_disk: Path, tmp_path: Path, write_deck: Callable[..., Path]
) -> None:
    db = tmp_path / "s.db"
    store = open_store(str(db))
    import_paths(store, [write_deck(deck_text(3000))], T0)
    store.close()
    size = db.stat().st_size
    # From no room at all to room for the copy but not its WAL index (SQLite then says "disk
    # I/O error"): each time the disk is said to be full, and nothing is left half-written.
    for free in (0, size // 2, size + 4096, size + 16_384):
        stats = os.statvfs(small_disk)
        room = stats.f_bavail * stats.f_frsize
        (small_disk / "filler").write_bytes(b"\0" * max(0, room - free))
        result = _cli(db, "backup", "-o", str(small_disk / "copy.db"))
        _one_line_error(result, "the disk is full")
        assert "I/O" not in result.stderr
        assert [path.name for path in small_disk.iterdir()] == ["filler"]
        (small_disk / "filler").unlink()


def test_raw_write_helper_on_a_full_disk(small_disk: Path) -> None:
    db = small_disk / "s.db"
    open_store(str(db)).close()
    raw = sqlite3.connect(db, isolation_level=None)
    try:
        _fill(small_disk)

        def fill_settings() -> None:
            for number in range(200):
                raw.execute("INSERT INTO settings VALUES (1, ?, ?)", (f"k{number}", "x" * 20_000))

        with pytest.raises(StoreError, match="is full; nothing was written"):
            safety.in_immediate(raw, str(db), fill_settings)
        assert not raw.in_transaction
        (small_disk / "filler").unlink()
        safety.in_immediate(
            raw, str(db), lambda: raw.execute("INSERT INTO settings VALUES (1, 'k', 'v')")
        )
    finally:
        raw.close()
    assert _counts(db)[0] == "ok"
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM settings").fetchone()[0] == 1
    connection.close()


def test_full_disk_during_review(small_disk: Path, write_deck: Callable[..., Path]) -> None:
    db = small_disk / "s.db"
    store = open_store(str(db))
    import_paths(store, [write_deck(deck_text(50))], T0)
    store.close()
    child = subprocess.Popen(
        [sys.executable, "-m", "stalindeck", "--db", str(db), "review"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    while not child.stdout.readline().startswith("question:"):
        pass
    _fill(small_disk)
    _, errors = child.communicate("3\n" * 30 + "q\n", timeout=60)
    (small_disk / "filler").unlink()
    assert child.returncode == 1 and "Traceback" not in errors, errors[-500:]
    assert "full" in errors.splitlines()[-1]
    assert _counts(db)[0] == "ok"


def test_read_only_store_one_line_error(small_disk: Path, write_deck: Callable[..., Path]) -> None:
    db = small_disk / "s.db"
    store = open_store(str(db))
    import_paths(store, [write_deck(deck_text(20))], T0)
    store.close()
    before = _counts(db)
    remount = subprocess.run(
        ["mount", "-o", "remount,ro", str(small_disk)], capture_output=True, check=False
    )
    if remount.returncode != 0:
        pytest.skip(f"cannot remount read-only: {remount.stderr.decode()}")
    try:
        for args in (["import", str(write_deck(deck_text(30), "more.toml"))], ["review"]):
            result = _cli(db, *args, stdin="3\nq\n")
            _one_line_error(result, "read-only")
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=False)
    assert _counts(db) == before


def test_store_in_a_missing_folder(tmp_path: Path) -> None:
    result = _cli(tmp_path / "no" / "such" / "s.db", "review")
    _one_line_error(result, "does not exist")
    assert not (tmp_path / "no").exists()


def test_raw_write_helper_waits_for_another_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    db = tmp_path / "s.db"
    open_store(str(db)).close()
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    ours = sqlite3.connect(db, isolation_level=None)
    ours.execute("PRAGMA busy_timeout = 0")  # busy at once: the helper's own retries run
    try:
        holder.execute("BEGIN IMMEDIATE")
        threading.Timer(0.15, lambda: holder.execute("COMMIT")).start()
        safety.in_immediate(
            ours, str(db), lambda: ours.execute("INSERT INTO settings VALUES (1, 'a', 'b')")
        )
        assert ours.execute("SELECT count(*) FROM settings").fetchone()[0] == 1
        # A writer that does not let go: a one-line error once the retries run out.
        monkeypatch.setattr(safety, "RETRY_SECONDS", 0.1)
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match="stayed busy"):
            safety.in_immediate(ours, str(db), lambda: ours.execute("DELETE FROM settings"))
        holder.execute("ROLLBACK")
        assert not ours.in_transaction
        assert ours.execute("SELECT count(*) FROM settings").fetchone()[0] == 1
    finally:
        holder.close()
        ours.close()
