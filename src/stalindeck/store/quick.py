"""`status` without SQLAlchemy: a bare sqlite3 connection to a store that needs nothing done.

`stalindeck status` is meant for a shell prompt. Importing SQLAlchemy alone takes longer than
the whole query, so when the store is a plain SQLite file already at the current schema, with
decks and the profile in place, the counts are read with the standard library. Anything else
(a new store, one to upgrade, another database) returns None and takes the ordinary path.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from stalindeck.store.counts import DoneToday, TodayCounts, run_done_today, run_today_counts
from stalindeck.store.location import plain_sqlite_file, resolve_url
from stalindeck.store.revision import HEAD_REVISION
from stalindeck.store.settings_store import run_read_settings


def quick_counts(
    db: str | None,
    profile: str,
    now: datetime,
    day_start: datetime,
    day_end: datetime,
    new_per_day: int,
) -> tuple[list[TodayCounts], DoneToday] | None:
    """Today's counts per deck (new cards within what is left of `new_per_day`) and the day's
    work so far, or None when the store needs the full machinery."""
    path = plain_sqlite_file(resolve_url(db))
    if path is None or not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        return None
    try:

        def run(sql: str, params: dict[str, Any]) -> Sequence[Sequence[Any]]:
            return connection.execute(sql, params).fetchall()

        version = run("SELECT version_num FROM alembic_version", {})
        if [tuple(row) for row in version] != [(HEAD_REVISION,)]:
            return None
        found = run("SELECT id FROM profiles WHERE name = :name", {"name": profile})
        if not found or not run("SELECT 1 FROM decks LIMIT 1", {}):
            return None
        profile_id = int(found[0][0])
        done = run_done_today(run, profile_id, day_start)
        new_cap = max(0, new_per_day - done.new)
        return run_today_counts(run, profile_id, now, day_end, new_cap), done
    except sqlite3.Error:
        return None  # damaged, locked past the timeout, not ours: the full path explains
    finally:
        connection.close()


def quick_settings(db: str | None, profile: str) -> dict[str, str] | None:
    """The profile's stored settings (key → JSON text), or None when the store needs the full
    machinery (as for `quick_counts`)."""
    path = plain_sqlite_file(resolve_url(db))
    if path is None or not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        return None
    try:

        def run(sql: str, params: dict[str, Any]) -> Sequence[Sequence[Any]]:
            return connection.execute(sql, params).fetchall()

        version = run("SELECT version_num FROM alembic_version", {})
        found = run("SELECT id FROM profiles WHERE name = :name", {"name": profile})
        if [tuple(row) for row in version] != [(HEAD_REVISION,)] or not found:
            return None
        return run_read_settings(run, int(found[0][0]))
    except sqlite3.Error:
        return None
    finally:
        connection.close()
