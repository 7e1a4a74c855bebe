"""Copies of a SQLite store, taken with SQLite's online backup API (never a file copy)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine

from stalindeck.errors import StoreError
from stalindeck.store.engine import sqlite_path


def backup_sqlite(engine: Engine, destination: Path) -> Path | None:
    """Write a consistent copy of the store to `destination`; None when not a SQLite file."""
    source_path = sqlite_path(str(engine.url))
    if source_path is None:
        return None
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(source_path)
        try:
            target = sqlite3.connect(destination)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    except (OSError, sqlite3.Error) as error:
        raise StoreError(f"could not back up the store to {destination}: {error}") from error
    return destination
