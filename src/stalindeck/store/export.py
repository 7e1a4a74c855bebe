"""Rows for the `export cards` and `export reviews` commands, streamed from the store."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import suppress
from typing import Any

from sqlalchemy import text

from stalindeck.store.open import Store
from stalindeck.store.values import STATE_NAMES

CARD_COLUMNS = (
    "card_id",
    "deck",
    "tags",
    "front",
    "back",
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "suspended",
)
REVIEW_COLUMNS = (
    "card_id",
    "deck",
    "grade",
    "reviewed_at",
    "duration_ms",
    "state_before",
    "state_after",
    "stability",
    "difficulty",
    "elapsed_days",
)


_CARDS = """
SELECT d.slug, c.key, c.tags, c.front, c.back, s.state, s.step, s.stability, s.difficulty,
       s.due, s.last_review, s.reps, s.lapses, s.suspended
FROM cards c JOIN decks d ON d.id = c.deck_id
JOIN card_states s ON s.card_id = c.id AND s.profile_id = :profile
WHERE NOT c.retired
ORDER BY d.slug, c.position, c.id
"""
_REVIEWS = """
SELECT d.slug, c.key, r.grade, r.reviewed_at, r.duration_ms, r.state_before, r.state_after,
       r.stability_after, r.difficulty_after, r.elapsed_days
FROM reviews r JOIN cards c ON c.id = r.card_id JOIN decks d ON d.id = c.deck_id
WHERE r.profile_id = :profile
ORDER BY r.reviewed_at, r.id
"""


def _safe_sql(expression: str) -> str:
    """`expression` neutralised in SQL as `stalindeck.exporting.safe_cell` does a text cell:
    an apostrophe before a first character a spreadsheet would run (= + - @ tab CR NUL)."""
    return (
        f"CASE WHEN unicode({expression}) IN (61, 43, 45, 64, 9, 13, 0) "
        f"THEN '''' || {expression} ELSE {expression} END"
    )


def _state_sql(column: str) -> str:
    cases = " ".join(f"WHEN {number} THEN '{name}'" for number, name in STATE_NAMES.items())
    return f"CASE {column} {cases} END"


# `export reviews --format csv` on SQLite: each row ready for the CSV writer, made by SQLite
# (the label, the state names, the ISO time, the neutralised cells), so that a million rows
# pass from the driver to the writer without a Python call per row. A test holds it to the
# cells `review_rows` and `safe_cell` give.
_REVIEW_CELLS = f"""
SELECT {_safe_sql("d.slug || '/' || c.key")}, {_safe_sql("d.slug")}, r.grade,
       strftime('%Y-%m-%dT%H:%M:%fZ', r.reviewed_at / 1000.0, 'unixepoch'), r.duration_ms,
       {_state_sql("r.state_before")}, {_state_sql("r.state_after")},
       r.stability_after, r.difficulty_after, r.elapsed_days
FROM reviews r JOIN cards c ON c.id = r.card_id JOIN decks d ON d.id = c.deck_id
WHERE r.profile_id = :profile
ORDER BY r.reviewed_at, r.id
"""


def _iso(millis: int | None) -> str | None:
    """ISO 8601 UTC with milliseconds, straight from stored epoch milliseconds."""
    if millis is None:
        return None
    seconds, rest = divmod(int(millis), 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{rest:03d}Z"


def _stream(store: Store, sql: str) -> Iterator[Sequence[Any]]:
    """Rows of `sql`, streamed: a million reviews never sit in memory at once, and rows skip
    SQLAlchemy's per-row processing (the export spends its time writing, not converting)."""
    params = {"profile": store.profile_id}
    if store.engine.dialect.name == "sqlite":
        raw = store.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("BEGIN")  # one snapshot, even while a review session writes
            try:
                yield from cursor.execute(sql, params)
            finally:
                # After a Ctrl-C the store may be closed before this generator is: the read
                # has nothing left to undo then.
                with suppress(sqlite3.Error):
                    cursor.execute("ROLLBACK")
                    cursor.close()
        finally:
            raw.close()
        return
    with store.engine.connect() as connection:
        yield from connection.execution_options(yield_per=2000).execute(text(sql), params)


def review_csv_batches(store: Store) -> Iterator[Sequence[Sequence[Any]]] | None:
    """Batches of review rows as CSV cells (`review_rows` through `safe_cell`), made by SQLite
    for speed; None when the store is another database (`review_rows` serves then)."""
    if store.engine.dialect.name != "sqlite":
        return None
    return _batches(store, _REVIEW_CELLS)


def _batches(store: Store, sql: str) -> Iterator[Sequence[Sequence[Any]]]:
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN")  # one snapshot, even while a review session writes
        try:
            cursor.execute(sql, {"profile": store.profile_id})
            while batch := cursor.fetchmany(5_000):
                yield batch
        finally:
            with suppress(sqlite3.Error):  # the store may be closed first after a Ctrl-C
                cursor.execute("ROLLBACK")
                cursor.close()
    finally:
        raw.close()


def card_rows(store: Store) -> Iterator[dict[str, Any]]:
    """One row per active card, with its scheduling state for the current profile."""
    for (
        slug,
        key,
        tags,
        front,
        back,
        state,
        step,
        stability,
        difficulty,
        due,
        last_review,
        reps,
        lapses,
        suspended,
    ) in _stream(store, _CARDS):
        yield {
            "card_id": f"{slug}/{key}", "deck": slug, "tags": tags.split(), "front": front,
            "back": back, "state": STATE_NAMES[state], "step": step, "stability": stability,
            "difficulty": difficulty, "due": _iso(due), "last_review": _iso(last_review),
            "reps": reps, "lapses": lapses, "suspended": bool(suspended),
        }  # fmt: skip


def review_rows(store: Store) -> Iterator[dict[str, Any]]:
    """One row per review of the current profile, oldest first."""
    for (
        slug,
        key,
        grade,
        reviewed_at,
        duration_ms,
        before,
        after,
        stability,
        difficulty,
        elapsed,
    ) in _stream(store, _REVIEWS):
        yield {
            "card_id": f"{slug}/{key}", "deck": slug, "grade": grade,
            "reviewed_at": _iso(reviewed_at), "duration_ms": duration_ms,
            "state_before": STATE_NAMES[before], "state_after": STATE_NAMES[after],
            "stability": stability, "difficulty": difficulty, "elapsed_days": elapsed,
        }  # fmt: skip
