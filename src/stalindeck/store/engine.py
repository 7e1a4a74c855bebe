"""Where the store is, and the engine that talks to it.

Every SQLite connection gets the same pragmas (WAL, synchronous=FULL, a busy timeout, foreign
keys). pysqlite's own transaction handling is switched off so that SQLAlchemy's ``begin`` emits
the BEGIN itself: reads use a deferred BEGIN, writes ``BEGIN IMMEDIATE`` (SQLAlchemy's
documented recipe), so a writer takes the lock up front instead of failing half-way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event

from stalindeck.errors import StoreError

ENV_VAR = "STALINDECK_DB"
BUSY_TIMEOUT_MS = 10_000
_IMMEDIATE = "stalindeck_immediate"


def default_path() -> Path:
    """The store file in the platform's user data folder."""
    from platformdirs import user_data_path

    return user_data_path("stalindeck", appauthor=False) / "stalindeck.db"


def resolve_url(db: str | None) -> str:
    """The SQLAlchemy URL for `--db`, else ``$STALINDECK_DB``, else the default file.

    A value containing ``://`` is taken as a URL; anything else as a file path.
    """
    value = db or os.environ.get(ENV_VAR) or ""
    if "://" in value:
        return value
    if not value:
        path = default_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(
                f"cannot create the data folder {path.parent}: {error.strerror}"
            ) from error
    else:
        path = Path(value).expanduser()
        if not path.parent.is_dir():
            raise StoreError(
                f"the folder {path.parent} does not exist; create it or choose another --db path"
            )
    return f"sqlite:///{path.resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory stores."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def make_engine(url: str) -> Engine:
    """An engine for `url`, with the pragmas and transaction handling described above."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A short write transaction: BEGIN IMMEDIATE, commit on success, roll back on any error."""
    with engine.connect() as connection:
        connection = connection.execution_options(**{_IMMEDIATE: True})
        with connection.begin():
            yield connection


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read transaction: one consistent snapshot of the store."""
    with engine.connect() as connection, connection.begin():
        yield connection
