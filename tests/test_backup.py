"""Backups: taking, rotating, listing and restoring copies; `check`; the commands."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.decks.importing import import_paths
from stalindeck.errors import NotFoundError, StoreError
from stalindeck.review.session import ReviewSession
from stalindeck.scheduling.fsrs_bridge import SchedulerSettings
from stalindeck.store import backup, engine, safety
from stalindeck.store.backup import BackupInfo, obsolete
from stalindeck.store.check import check_store
from stalindeck.store.migrate import HEAD_REVISION
from stalindeck.store.open import Store, open_store

from .conftest import FakeClock

NO_FUZZ = SchedulerSettings(enable_fuzzing=False)


def deck_text(count: int) -> str:
    lines = ['id = "demo"', 'name = "Demo"', ""]
    for number in range(count):
        lines += ["[[cards]]", f'id = "c{number}"', f'front = "Q{number}"', f'back = "A{number}"']
    return "\n".join(lines) + "\n"


@pytest.fixture(autouse=True)
def _fresh_backup_cache() -> Iterator[None]:
    backup._last_auto.clear()
    yield
    backup._last_auto.clear()


@pytest.fixture
def demo(store: Store, write_deck: Callable[..., Path], clock: FakeClock) -> Store:
    import_paths(store, [write_deck(deck_text(12))], clock())
    return store


def review(store: Store, clock: FakeClock, answers: int, grade: int = 3) -> None:
    session = ReviewSession(store, clock=clock, settings=NO_FUZZ)
    try:
        for _ in range(answers):
            if session.next_card() is None:
                break
            session.idle()  # as the screens do while the card is read
            clock.advance(seconds=5)
            session.answer(grade)
    finally:
        session.close()


def count(path: Path, table: str = "reviews") -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


# -- taking copies ---------------------------------------------------------------------------


def test_copy_is_whole_self_contained_and_consistent(demo: Store, clock: FakeClock) -> None:
    assert demo.path is not None
    review(demo, clock, 5)
    # An uncommitted write in another connection is not in the copy, and does not block it.
    writer = sqlite3.connect(demo.path)
    writer.isolation_level = None
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM reviews")
    try:
        copy = backup.take_backup(demo.path, "manual")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert copy.parent == demo.backup_dir
    assert not copy.with_name(copy.name + "-wal").exists()
    assert integrity(copy) == "ok"
    assert count(copy) == 5 and count(copy, "cards") == 12
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert copy in [info.path for info in backup.list_backups(copy.parent)]
    assert not list(copy.parent.glob(".*"))  # no temporary file left


def test_copy_names_never_collide(demo: Store) -> None:
    assert demo.path is not None
    when = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    first = backup.take_backup(demo.path, "manual", when)
    second = backup.take_backup(demo.path, "manual", when)
    assert first != second and first.exists() and second.exists()
    assert {info.reason for info in backup.list_backups(first.parent)} == {"manual"}


def test_missing_store_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        backup.backup_file(tmp_path / "none.db", tmp_path / "copy.db")
    assert not (tmp_path / "none.db").exists()


# -- rotation --------------------------------------------------------------------------------


def infos(moments: list[datetime]) -> list[BackupInfo]:
    return [
        BackupInfo(Path(f"b{index}.db"), moment, "review", 1, rotated=True)
        for index, moment in enumerate(moments)
    ]


def local_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12).astimezone(UTC)


def test_rotation_keeps_anki_numbers() -> None:
    today = date(2026, 3, 2)
    # Two copies a day for two years.
    moments = [
        local_noon(today - timedelta(days=days)) + timedelta(hours=hours)
        for days in range(730)
        for hours in (0, 1)
    ]
    backups = infos(moments)
    doomed = {info.path for info in obsolete(backups, today)}
    kept = sorted(
        (info for info in backups if info.path not in doomed),
        key=lambda info: info.taken_at,
        reverse=True,
    )
    days = [info.taken_at.astimezone().date() for info in kept]
    assert days[:4] == [today, today, today - timedelta(1), today - timedelta(1)]
    older = days[4:]
    assert len(older) == 12 + 10 + 9 and len(set(older)) == len(older)
    assert older[:12] == [today - timedelta(days=2 + n) for n in range(12)]  # daily
    assert len({day.isocalendar()[:2] for day in older[12:]}) >= 10 - 1  # then weekly
    assert (today - older[-1]).days > 8 * 30  # and monthly, reaching back 9 months
    # Each kept older copy is the newest of its day.
    for info in kept[4:]:
        same_day = [
            other
            for other in backups
            if other.taken_at.astimezone().date() == info.taken_at.astimezone().date()
        ]
        assert info.taken_at == max(other.taken_at for other in same_day)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=400 * 24), max_size=60, unique=True))
def test_rotation_properties(hours_ago: list[int]) -> None:
    now = datetime(2026, 3, 2, 23, 0).astimezone(UTC)
    today = now.astimezone().date()
    backups = infos([now - timedelta(hours=hours) for hours in hours_ago])
    doomed = obsolete(backups, today)
    kept = [info for info in backups if info not in doomed]
    recent = [info for info in backups if info.taken_at.astimezone().date() >= today - timedelta(1)]
    assert all(info in kept for info in recent)
    assert len(kept) <= len(recent) + 12 + 10 + 9
    if backups:
        assert max(backups, key=lambda info: info.taken_at) in kept
    assert obsolete(kept, today) == []  # rotating again deletes nothing more


def test_rotate_on_disk_spares_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    names = []
    for days in range(40):
        stamp = (now - timedelta(days=days)).strftime("%Y%m%dT%H%M%S")
        names.append(f"stalindeck-{stamp}Z-review.db")
        names.append(f"stalindeck-{stamp}Z-import-2.db")
    for name in names:
        (folder / name).write_bytes(b"x")
    (folder / "before-upgrade-0001-20250101-120000.db").write_bytes(b"x")
    (folder / "my-own-copy.db").write_bytes(b"x")
    stale = folder / ".stalindeck-20250101T000000Z-review.db.tmp"
    stale.write_bytes(b"x")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    fresh = folder / ".stalindeck-20260302T115959Z-review.db.tmp"
    fresh.write_bytes(b"x")
    deleted = backup.rotate(folder, now)
    assert stale in deleted and fresh.exists()
    assert (folder / "before-upgrade-0001-20250101-120000.db").exists()
    assert (folder / "my-own-copy.db").exists()
    remaining = backup.list_backups(folder)
    assert len([info for info in remaining if info.rotated]) < len(names)
    assert any(info.reason == "upgrade-0001" and not info.rotated for info in remaining)
    assert backup.rotate(folder, now) == []


def test_stores_sharing_a_folder_keep_their_copies_apart(
    tmp_path: Path, template_store: Path
) -> None:
    first, second = tmp_path / "first.db", tmp_path / "second-store.db"
    for path in (first, second):
        shutil.copyfile(template_store, path)
    old = datetime(2025, 1, 1, 12, tzinfo=UTC)
    for days in range(30):
        backup.take_backup(first, "review", old + timedelta(days=days))
    mine = backup.take_backup(second, "manual")
    folder = backup.backup_dir_for(second)
    assert [info.path for info in backup.list_backups(folder, "second-store")] == [mine]
    assert len(backup.list_backups(folder, "first")) < 30  # rotated among its own
    assert f"stalindeck restore {mine}" in backup.restore_hint(second)
    assert "second-store" not in backup.restore_hint(first)


# -- automatic copies ------------------------------------------------------------------------


def test_review_backs_up_at_most_every_30_minutes(
    demo: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert demo.path is not None and demo.backup_dir is not None
    wall = [1_000_000_000.0]
    monkeypatch.setattr(backup.time, "time", lambda: wall[0])
    scans = []
    real_list = backup.list_backups
    monkeypatch.setattr(
        backup, "list_backups", lambda *args: scans.append(args) or real_list(*args)
    )
    review(demo, clock, 3)
    taken = list(demo.backup_dir.glob("*-review.db"))
    assert len(taken) == 1 and count(taken[0]) == 0  # taken while the first card was read
    scans_after_first = len(scans)
    wall[0] += 29 * 60
    review(demo, clock, 3)
    assert len(list(demo.backup_dir.glob("*-review.db"))) == 1
    assert len(scans) == scans_after_first  # no folder scan per answer
    wall[0] += 2 * 60
    review(demo, clock, 1)
    assert len(list(demo.backup_dir.glob("*-review*.db"))) == 2


def test_failed_automatic_copy_does_not_stop_reviewing(
    demo: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_: object) -> Path:
        raise StoreError("disk full")

    monkeypatch.setattr(backup, "take_backup", fail)
    review(demo, clock, 2)
    assert demo.path is not None and count(demo.path) == 2


def test_import_backs_up_first_but_not_dry_runs_or_empty_stores(
    store: Store, write_deck: Callable[..., Path], clock: FakeClock
) -> None:
    assert store.backup_dir is not None
    deck = write_deck(deck_text(3))
    import_paths(store, [deck], clock())
    assert not store.backup_dir.exists()  # nothing to lose yet
    deck.write_text(deck_text(4), encoding="utf-8")
    import_paths(store, [deck], clock(), dry_run=True)
    assert not store.backup_dir.exists()
    import_paths(store, [deck], clock())
    (copy,) = store.backup_dir.glob("*-import.db")
    assert count(copy, "cards") == 3  # the store as it was before the import


# -- restoring -------------------------------------------------------------------------------


def test_restore_brings_back_a_copy_and_keeps_the_replaced_store(
    demo: Store, clock: FakeClock
) -> None:
    assert demo.path is not None
    review(demo, clock, 2)
    copy = backup.take_backup(demo.path, "manual")
    review(demo, clock, 3)
    assert count(demo.path) == 5
    restored = backup.restore(copy, demo.path)
    assert restored.summary.reviews == 2 and restored.summary.revision == HEAD_REVISION
    assert count(demo.path) == 2 and integrity(demo.path) == "ok"
    assert restored.previous is not None and count(restored.previous) == 5
    # The open store sees the restored data and keeps working.
    review(demo, clock, 1)
    assert count(demo.path) == 3


def corrupt_page(path: Path, index: str = "ix_reviews_card") -> None:
    with sqlite3.connect(path) as connection:
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        root = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (index,)
        ).fetchone()[0]
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with path.open("r+b") as stream:
        stream.seek((root - 1) * page_size)
        stream.write(b"\x0d" + os.urandom(page_size - 1))


@pytest.mark.parametrize("damage", ["page", "not-ours", "newer", "text"])
def test_restore_refuses_a_bad_copy(
    demo: Store, clock: FakeClock, tmp_path: Path, damage: str
) -> None:
    assert demo.path is not None
    review(demo, clock, 2)
    bad = tmp_path / "bad.db"
    backup.backup_file(demo.path, bad)
    if damage == "page":
        corrupt_page(bad)
        message = "damaged"
    elif damage == "not-ours":
        with sqlite3.connect(bad) as connection:
            connection.execute("DROP TABLE alembic_version")
        message = "not a stalindeck store"
    elif damage == "newer":
        with sqlite3.connect(bad) as connection:
            connection.execute("UPDATE alembic_version SET version_num = '9999'")
        message = "newer than this stalindeck"
    else:
        bad.write_text("hello", encoding="utf-8")
        message = "not a stalindeck backup"
    before = demo.path.read_bytes()
    with pytest.raises(StoreError, match=message):
        backup.restore(bad, demo.path)
    assert demo.path.read_bytes() == before
    assert count(demo.path) == 2
    assert not demo.backup_dir or not list(demo.backup_dir.glob(".*"))


def test_damaged_store_points_at_restore_then_restores(
    db_path: Path, write_deck: Callable[..., Path], clock: FakeClock
) -> None:
    opened = open_store(str(db_path))
    import_paths(opened, [write_deck(deck_text(5))], clock())
    review(opened, clock, 2)
    copy = backup.take_backup(db_path, "manual")
    opened.close()
    with db_path.open("r+b") as stream:
        stream.write(b"garbage, not a header" * 5)
    with pytest.raises(StoreError) as caught:
        open_store(str(db_path))
    message = str(caught.value)
    newest = backup.newest_backup(copy.parent)
    assert newest is not None
    assert "damaged" in message and f"stalindeck restore {newest.path}" in message
    assert "\n" not in message
    restored = backup.restore(copy, db_path)
    assert restored.previous is not None and restored.previous.name.endswith("-damaged.db")
    assert restored.previous.read_bytes().startswith(b"garbage")
    reopened = open_store(str(db_path))
    reopened.close()
    assert count(db_path) == 2


def test_restore_by_name_and_unknown_name(demo: Store) -> None:
    assert demo.path is not None
    copy = backup.take_backup(demo.path, "manual")
    assert backup.resolve_backup(copy.name, demo.path) == copy
    with pytest.raises(NotFoundError, match="stalindeck backups"):
        backup.resolve_backup("nope.db", demo.path)


# -- check -----------------------------------------------------------------------------------


def test_check_sound_store(demo: Store, clock: FakeClock) -> None:
    review(demo, clock, 3)
    report = check_store(demo, clock())
    assert report.ok and not report.repaired and report.backup is None


def test_check_repairs_what_is_safe_and_reports_the_rest(demo: Store, clock: FakeClock) -> None:
    assert demo.path is not None
    review(demo, clock, 4)
    raw = sqlite3.connect(demo.path)
    raw.execute("PRAGMA foreign_keys = OFF")
    reviewed = raw.execute("SELECT card_id, state_after FROM reviews ORDER BY id").fetchone()
    raw.execute("DELETE FROM card_states WHERE card_id = ?", (reviewed[0],))  # reviewed card
    raw.execute("DELETE FROM card_states WHERE card_id = (SELECT max(id) FROM cards)")  # new one
    raw.execute("INSERT INTO card_tags VALUES (99999, 'ghost')")
    raw.execute(
        "INSERT INTO reviews (card_id, profile_id, grade, reviewed_at, duration_ms, "
        "state_before, state_after, due_after) VALUES (88888, 1, 3, 1, 0, 0, 2, 2)"
    )
    raw.commit()
    raw.close()
    report = check_store(demo, clock())
    assert not report.ok
    assert any("2 missing card states (1 from the review log" in line for line in report.repaired)
    assert any("1 topic tag " in line for line in report.repaired)
    assert any("1 review of a card or profile" in line for line in report.problems)
    assert report.backup is not None and count(report.backup, "card_states") == 10
    with sqlite3.connect(demo.path) as connection:
        state = connection.execute(
            "SELECT state, reps FROM card_states WHERE card_id = ?", (reviewed[0],)
        ).fetchone()
        assert connection.execute("SELECT count(*) FROM card_tags WHERE tag = 'ghost'").fetchone()
        assert count(demo.path) == 5  # the orphan review is history: kept
    assert state[0] == reviewed[1] and state[1] >= 1
    again = check_store(demo, clock())
    assert not again.repaired and len(again.problems) == 1


def test_check_no_repair_changes_nothing(demo: Store, clock: FakeClock) -> None:
    assert demo.path is not None
    with sqlite3.connect(demo.path) as connection:
        connection.execute("DELETE FROM card_states WHERE card_id = (SELECT min(id) FROM cards)")
    report = check_store(demo, clock(), repair=False)
    assert not report.ok and any("1 card without" in line for line in report.problems)
    assert count(demo.path, "card_states") == 11


def test_check_finds_a_damaged_page(demo: Store, clock: FakeClock) -> None:
    assert demo.path is not None
    review(demo, clock, 4)
    demo.close()
    corrupt_page(demo.path)
    reopened = open_store(str(demo.path))
    try:
        report = check_store(reopened, clock())
    finally:
        reopened.close()
    assert report.integrity != ["ok"] and not report.repaired
    assert "stalindeck restore" in report.problems[0]


def test_check_reports_inconsistent_review_log(demo: Store, clock: FakeClock) -> None:
    assert demo.path is not None
    review(demo, clock, 2)
    with sqlite3.connect(demo.path) as connection:
        connection.execute("UPDATE card_states SET last_review = 0 WHERE state != 0")
        connection.execute("UPDATE reviews SET grade = 7 WHERE id = (SELECT min(id) FROM reviews)")
    report = check_store(demo, clock(), repair=False)
    assert any("does not follow from its review log" in line for line in report.problems)
    assert any("impossible grade" in line for line in report.problems)


# -- busy stores -----------------------------------------------------------------------------


def test_writer_waits_out_a_long_lock(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    assert store.path is not None
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 50)
    store.engine.dispose()  # new connections pick up the short busy timeout
    holder = sqlite3.connect(store.path, check_same_thread=False)
    holder.isolation_level = None
    holder.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(0.4, lambda: holder.execute("COMMIT"))
    timer.start()
    try:
        with engine.writing(store.engine) as connection:
            connection.exec_driver_sql("INSERT INTO settings VALUES (1, 'k', '1')")
    finally:
        timer.join()
        holder.close()
    assert count(store.path, "settings") == 1


def test_writer_gives_a_one_line_error_when_the_lock_never_comes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert store.path is not None
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 20)
    monkeypatch.setattr(safety, "RETRY_SECONDS", 0.2)
    store.engine.dispose()
    holder = sqlite3.connect(store.path)
    holder.isolation_level = None
    holder.execute("BEGIN IMMEDIATE")
    try:
        with (
            pytest.raises(StoreError, match="stayed busy") as caught,
            engine.writing(store.engine) as connection,
        ):
            connection.exec_driver_sql("INSERT INTO settings VALUES (1, 'k', '1')")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "\n" not in str(caught.value)
    assert count(store.path, "settings") == 0


# -- the commands ----------------------------------------------------------------------------

runner = CliRunner()


def run(db: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", str(db), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_commands_end_to_end(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    code, out, _ = run(db, "backups")
    assert code == 1 or "No backups yet" in out  # no store yet: nothing to list
    assert run(db, "status")[0] == 0  # first run loads the bundled decks
    code, _, err = run(db, "backup")
    assert code == 0 and re.search(r"Backed up [\d,]+ cards, 0 reviews", err)
    target = tmp_path / "copy.db"
    assert run(db, "backup", "-o", str(target))[0] == 0 and integrity(target) == "ok"
    code, _, err = run(db, "backup", "-o", str(target))
    assert code == 1 and "--force" in err
    assert run(db, "backup", "-o", str(target), "--force")[0] == 0
    code, _, err = run(db, "backup", "-o", str(tmp_path))
    assert code == 1 and "is a folder" in err
    code, _, err = run(db, "backup", "-o", str(tmp_path / "no" / "copy.db"))
    assert code == 1 and "does not exist" in err and not (tmp_path / "no").exists()
    code, out, _ = run(db, "backups")
    assert code == 0 and "by hand" in out and "stalindeck restore FILE" in out
    code, out, _ = run(db, "check")
    assert code == 0 and "The store is sound." in out
    code, _, err = run(db, "restore", str(target))
    assert code == 0 and "Restored" in err and "kept as" in err
    code, _, err = run(db, "restore", str(tmp_path / "missing.db"))
    assert code == 1 and "no such file" in err
    code, _, err = run(db, "restore", str(db))
    assert code == 1 and "the store itself" in err
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM card_states WHERE card_id = 1")
    code, out, _ = run(db, "check", "--no-repair")
    assert code == 1 and "problem: 1 card without" in out
    code, out, err = run(db, "check")
    assert code == 0 and "repaired: recreated 1 missing card state" in out
    assert "Backed up the store first" in err


def test_the_backups_folder_is_for_sqlite_stores() -> None:
    result = runner.invoke(app, ["--db", "postgresql://u@localhost/stalindeck", "backups"])
    assert result.exit_code == 1
    assert "the backups folder is for SQLite stores" in result.stderr
    assert "stalindeck backup -o FILE` (pg_dump)" in result.stderr


def test_restore_hint_uses_the_cli(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    run(db, "status")
    run(db, "backup")
    db.write_bytes(b"\0" * 8192)  # zeroed by a crash: SQLite alone would take it for empty
    code, _, err = run(db, "decks")
    assert code == 1 and "stalindeck restore" in err and "backups" in err
    (newest,) = (tmp_path / "backups").glob("*-manual.db")
    code, _, err = run(db, "restore", newest.name)
    assert code == 0
    code, out, _ = run(db, "decks")
    assert code == 0 and "Khrushchev" in out


def test_processes_backing_up_in_the_same_second_each_get_a_copy(tmp_path: Path) -> None:
    import subprocess
    import sys

    store = tmp_path / "s.db"
    with sqlite3.connect(store) as connection:  # big enough for the copies to overlap
        connection.execute("CREATE TABLE t (x)")
        connection.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 60_000)
    script = (
        "import sys; from datetime import datetime, UTC; from pathlib import Path; "
        "from stalindeck.store.backup import take_backup; "
        "take_backup(Path(sys.argv[1]), 'import', datetime(2026, 3, 2, 12, tzinfo=UTC))"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", script, str(store)], stderr=subprocess.PIPE)
        for _ in range(6)
    ]
    errors = [run.communicate()[1].decode() for run in runs]
    assert [run.returncode for run in runs] == [0] * 6, errors
    copies = list((tmp_path / "backups").glob("s-*-import*.db"))
    assert copies and all(sqlite3.connect(copy).execute("SELECT count(*) FROM t").fetchone()
                          == (60_000,) for copy in copies)  # fmt: skip
    assert not list((tmp_path / "backups").glob(".*.tmp"))


def test_postgresql_backup_without_pg_dump_is_one_line_saying_how(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from stalindeck.cli import app

    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump, no pg_restore
    url = "postgresql+psycopg://someone:secret@127.0.0.1:1/school"
    for args in (["backup"], ["restore", str(tmp_path)]):
        result = CliRunner().invoke(app, ["--db", url, *args])
        assert result.exit_code == 1
        assert result.stderr.count("\n") == 1
        assert "apt install postgresql-client" in result.stderr or "not a file" in result.stderr
        assert "secret" not in result.stderr


def test_students_starting_together_take_one_automatic_copy(demo: Store) -> None:
    """A class on one SQLite store: the first reviewer to claim the copy takes it; one who
    finds it claimed by another process counts it as taken instead of copying the store too."""
    assert demo.path is not None and demo.backup_dir is not None
    demo.backup_dir.mkdir(parents=True, exist_ok=True)
    claim = demo.backup_dir / f".{demo.path.stem}-auto.claim"
    claim.touch()  # another student's process is copying the store
    assert backup.backup_if_due(demo.path) is None
    assert not list(demo.backup_dir.glob("*.db"))
    assert backup.backup_if_due(demo.path) is None  # and it does not look again at once
    backup._last_auto.clear()  # the next process
    old = time.time() - 2 * 3600
    os.utime(claim, (old, old))  # a claim left by a process that died while copying
    copy = backup.backup_if_due(demo.path)
    assert copy is not None and copy.exists() and not claim.exists()
