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
