"""Where the store is, and the engine that talks to it.

Every SQLite connection gets the same pragmas (WAL, synchronous=FULL, a busy timeout, foreign
keys). pysqlite's own transaction handling is switched off so that SQLAlchemy's ``begin`` emits
the BEGIN itself: reads use a deferred BEGIN, writes ``BEGIN IMMEDIATE`` (SQLAlchemy's
documented recipe), so a writer takes the lock up front instead of failing half-way.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError

from stalindeck.errors import StoreError
from stalindeck.store import safety
from stalindeck.store.location import ENV_VAR, default_path, resolve_url, shown_url

__all__ = [
    "ENV_VAR",
    "default_path",
    "make_engine",
    "placeholder",
    "reading",
    "resolve_url",
    "sqlite_path",
    "writing",
]

BUSY_TIMEOUT_MS = 10_000
_IMMEDIATE = "stalindeck_immediate"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for PostgreSQL and in-memory stores.

    Raises:
        StoreError: `url` cannot be read, or names another kind of database.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    shown = shown_url(url)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as error:  # ValueError: a port that is not a number
        raise StoreError(
            f"--db {shown!r} is not a store URL stalindeck can open: {shown_url(str(error))}"
        ) from error
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(
            f"--db {shown!r}: a store is a SQLite file or a PostgreSQL database "
            "(postgresql+psycopg://user:password@host/name), not "
            f"{backend if backend.isidentifier() else 'this'}"
        )
    if backend != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    # A URL may name a relative file (sqlite:///store.db): held absolute, as backups need.
    return Path(parsed.database).expanduser().resolve()


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
    """A short write transaction: BEGIN IMMEDIATE, commit on success, roll back on any error.

    The write lock is taken before the body runs, so when another process holds it past the
    busy timeout the whole unit of work is simply started again (see `safety.RETRY_SECONDS`).
    A full disk, a read-only store or a damaged file surface as a one-line `StoreError`.
    """
    with safety.store_errors(_where(engine)), ExitStack() as stack:
        yield _begin_immediate(engine, stack)


def _begin_immediate(engine: Engine, stack: ExitStack) -> Connection:
    deadline = time.monotonic() + safety.RETRY_SECONDS
    delay = 0.02
    while True:
        connection = engine.connect().execution_options(**{_IMMEDIATE: True})
        try:
            transaction = connection.begin()
        except OperationalError as error:
            connection.close()
            if not safety.is_busy(error) or time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
            continue
        stack.enter_context(connection)
        stack.enter_context(transaction)
        return connection


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read transaction: one consistent snapshot of the store."""
    with safety.store_errors(_where(engine)), engine.connect() as connection, connection.begin():
        yield connection


def placeholder(connection: Connection) -> str:
    """The driver's mark for a bound value in SQL sent to it as is: ``?`` for sqlite3,
    ``%s`` for psycopg."""
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def _where(engine: Engine) -> str:
    path = sqlite_path(str(engine.url))
    return str(path) if path is not None else engine.url.render_as_string(hide_password=True)
