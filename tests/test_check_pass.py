"""`check`'s pass over the review log: the one-profile pass (grouped by card, no sort of the
log) finds exactly what the general pass (grouped by profile and card) finds."""

from __future__ import annotations

import sqlite3
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from stalindeck.store import check
from stalindeck.store.engine import reading
from stalindeck.store.models import NEW, to_millis
from stalindeck.store.open import Store, open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from stats_bench import NOW, build

FUTURE = to_millis(NOW + timedelta(days=1))


def damaged_log(folder: Path) -> Path:
    """A benchmark store (learning, relearning and review cards) with every defect the pass
    looks for, each on cards of its own."""
    db = folder / "log.db"
    store = open_store(str(db))
    build(store, 400, 4000)
    store.close()
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute("UPDATE card_states SET last_review = last_review - 1 WHERE card_id = 3")
        raw.execute("UPDATE card_states SET last_review = NULL WHERE card_id = 4")
        raw.execute("UPDATE card_states SET reps = reps + 1 WHERE card_id = 5")
        # Card 6 started again as new after its first answers: counted from its last start.
        raw.execute(
            "UPDATE reviews SET state_before = 0 WHERE id = (SELECT max(id) FROM reviews"
            " WHERE card_id = 6)"
        )
        raw.execute("UPDATE card_states SET reps = 1 WHERE card_id = 6")
        # Card 7 too, and its state counts all its answers: stale.
        raw.execute(
            "UPDATE reviews SET state_before = 0 WHERE id = (SELECT max(id) FROM reviews"
            " WHERE card_id = 7)"
        )
        for column, value, card in (
            ("grade", 7, 8),
            ("grade", 2.5, 9),
            ("state_before", 9, 10),
            ("state_after", 0, 11),
            ("due_after", 0, 12),
            ("grade", "'3x'", 13),
        ):
            raw.execute(
                f"UPDATE reviews SET {column} = {value} WHERE id = (SELECT min(id) FROM reviews"
                f" WHERE card_id = {card})"
            )
        raw.execute(
            f"UPDATE reviews SET reviewed_at = {FUTURE + 5}, due_after = {FUTURE + 6}"
            " WHERE card_id = 14"
        )
        raw.execute("DELETE FROM cards WHERE id = 15")  # its reviews and state stay: orphans
        raw.execute("DELETE FROM card_states WHERE card_id = 16")  # reviewed, no state
        raw.execute(f"UPDATE card_states SET state = {NEW} WHERE card_id = 17")
    return db


def passes(store: Store, profile: int) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The rows of the general pass and of the one-profile pass, in the same order."""
    params = {"future": FUTURE, "new": NEW, "profile": profile}
    with reading(store.engine) as connection:
        general = connection.execute(text(check._LOG_PASS.format(bad=check._BAD)), params).all()
        one = connection.execute(text(check._ONE_PROFILE_PASS.format(bad=check._BAD)), params).all()
    return sorted(tuple(row) for row in general), sorted(tuple(row) for row in one)


def test_the_one_profile_pass_finds_what_the_general_pass_finds(tmp_path: Path) -> None:
    store = open_store(str(damaged_log(tmp_path)))
    try:
        general, one = passes(store, 1)
        found = {row[1] for row in general}
        assert {3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15} <= found, found
        assert one == general
        with reading(store.engine) as connection:
            log = check._read_log(connection, NOW)
        # (14's state is older than its answers dated in the future.)
        assert sorted(card for _, card in log.stale) == [3, 4, 5, 7, 14]
        assert sorted(card for _, card in log.bad) == [8, 9, 10, 11, 12, 13]
        assert [card for _, card in log.future] == [14]
        assert [card for _, card in log.orphans] == [15]
    finally:
        store.close()


def test_a_log_of_a_profile_that_is_gone_is_orphaned_by_both_passes(tmp_path: Path) -> None:
    db = damaged_log(tmp_path)
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute("UPDATE reviews SET profile_id = 9")
    store = open_store(str(db))
    try:
        general, one = passes(store, 9)
        assert one == general and len(general) == 400 * 3 // 4  # every reviewed card
    finally:
        store.close()


def test_a_log_of_two_profiles_takes_the_general_pass(tmp_path: Path) -> None:
    db = damaged_log(tmp_path)
    with sqlite3.connect(db) as raw:
        raw.execute("INSERT INTO profiles (id, name, created_at) VALUES (2, 'second', 0)")
        raw.execute(
            "INSERT INTO reviews (card_id, profile_id, grade, reviewed_at, duration_ms,"
            " state_before, state_after, due_after) VALUES (20, 2, 7, 1, 0, 0, 2, 2)"
        )
    store = open_store(str(db))
    try:
        with reading(store.engine) as connection:
            log = check._read_log(connection, NOW)
        # Grouped by card alone, profile 1's answers and profile 2's would be one group.
        assert (2, 20) in log.bad and (1, 20) not in log.bad
        assert sorted(card for _, card in log.stale) == [3, 4, 5, 7, 14]
    finally:
        store.close()
