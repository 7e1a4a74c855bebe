"""`status` without SQLAlchemy: a bare sqlite3 connection to a store that needs nothing done.

`stalindeck status` is meant for a shell prompt. Importing SQLAlchemy alone takes longer than
the whole query, so when the store is a plain SQLite file already at the current schema, with
decks and the profile in place, the counts are read with the standard library. Anything else
(a new store, one to upgrade, another database) returns None and takes the ordinary path.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from stalindeck.scheduling.settings import limits_from_rows
from stalindeck.store.counts import Today, run_today
from stalindeck.store.gather import Run
from stalindeck.store.location import plain_sqlite_file, resolve_url
from stalindeck.store.revision import HEAD_REVISION
from stalindeck.store.settings_store import run_read_settings


@contextmanager
def _ready_store(db: str | None, profile: str) -> Iterator[tuple[Run, int] | None]:
    """A read-only query runner on the store and the profile's id; None when the store needs
    the full machinery: not a plain SQLite file, missing, behind or ahead of this schema, the
    profile not made yet, or no deck imported yet (the first run)."""
    path = plain_sqlite_file(resolve_url(db))
    if path is None or not path.is_file():
        yield None
        return
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        yield None
        return
    try:

        def run(sql: str, params: dict[str, Any]) -> Sequence[Sequence[Any]]:
            return connection.execute(sql, params).fetchall()

        version = run("SELECT version_num FROM alembic_version", {})
        found = run("SELECT id FROM profiles WHERE name = :name", {"name": profile})
        ready = [tuple(row) for row in version] == [(HEAD_REVISION,)] and bool(found)
        ready = ready and bool(run("SELECT 1 FROM decks LIMIT 1", {}))
        yield (run, int(found[0][0])) if ready else None
    finally:
        connection.close()


def quick_status(db: str | None, profile: str, now: datetime) -> Today | None:
    """Today's counts per deck and in all, read on one connection by the review queue's rule;
    None when the store needs the full machinery."""
    try:
        with _ready_store(db, profile) as ready:
            if ready is None:
                return None
            run, profile_id = ready
            limits = limits_from_rows(run_read_settings(run, profile_id))
            return run_today(run, profile_id, now, limits)
    except sqlite3.Error:
        return None  # damaged, locked past the timeout, not ours: the full path explains
