"""Where the store is, and the engine that talks to it.

Every SQLite connection gets the same pragmas (WAL, synchronous=FULL, a busy timeout, foreign
keys). pysqlite's own transaction handling is switched off so that SQLAlchemy's ``begin`` emits
the BEGIN itself: reads use a deferred BEGIN, writes ``BEGIN IMMEDIATE`` (SQLAlchemy's
documented recipe), so a writer takes the lock up front instead of failing half-way.

PostgreSQL has no single writer: under READ COMMITTED two write transactions run side by side
and neither sees the other's rows (a profile made during an import would miss its cards, two
imports of one deck would both insert it). A write transaction there takes an advisory lock
first, so writers queue as on SQLite and each starts from what the one before it committed.
That store-wide lock is needed only by writes that touch what every profile shares (decks,
cards, profiles). A write of one profile's own rows (an answer, an undo, a suspension, a
setting) takes it shared, with an exclusive lock of that profile: a class's students write side
by side, one student's two windows take turns, and an import still waits for them all (and
they for it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError

from stalindeck.errors import StoreError
from stalindeck.store import safety
from stalindeck.store.location import ENV_VAR, default_path, resolve_url, shown_url

__all__ = [
    "ENV_VAR",
    "PROFILE_LOCK_CLASS",
    "WRITE_LOCK_KEY",
    "default_path",
    "immediate",
    "make_engine",
    "placeholder",
    "reading",
    "resolve_url",
    "sqlite_path",
    "take_write_lock",
    "writing",
]

BUSY_TIMEOUT_MS = 10_000
_IMMEDIATE = "stalindeck_immediate"

# The PostgreSQL advisory lock every write transaction takes (per database; the key spells
# "sd-write"). A writer waits for it as long as one on SQLite waits for BEGIN IMMEDIATE.
WRITE_LOCK_KEY = 0x73642D7772697465
# With a profile's id, the two-key advisory lock a write of that profile's own rows takes.
PROFILE_LOCK_CLASS = 0x73647072  # "sdpr"
_WRITE_LOCK_WAIT_MS = BUSY_TIMEOUT_MS + int(safety.RETRY_SECONDS * 1000)
_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout runs out


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
def writing(engine: Engine, profile_id: int | None = None) -> Iterator[Connection]:
    """A short write transaction: BEGIN IMMEDIATE, commit on success, roll back on any error.

    The write lock is taken before the body runs, so when another process holds it past the
    busy timeout the whole unit of work is simply started again (see `safety.RETRY_SECONDS`).
    A full disk, a read-only store or a damaged file surface as a one-line `StoreError`.
    On PostgreSQL the body runs once the advisory lock `WRITE_LOCK_KEY` is held; with
    `profile_id` (a write of that profile's own rows only), held shared, with that profile's
    lock (see the module's docstring).
    """
    where = _where(engine)
    with safety.store_errors(where), ExitStack() as stack:
        yield _begin_immediate(engine, stack, where, profile_id)


def _begin_immediate(
    engine: Engine, stack: ExitStack, where: str, profile_id: int | None = None
) -> Connection:
    deadline = time.monotonic() + safety.RETRY_SECONDS
    delay = 0.02
    while True:
        connection = immediate(engine)
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
        if connection.dialect.name == "postgresql":
            take_write_lock(connection, where, profile_id)
        return connection


def immediate(engine: Engine) -> Connection:
    """A connection whose transaction takes SQLite's write lock as it begins (BEGIN IMMEDIATE,
    waiting out the busy timeout), without the retries and messages of `writing`."""
    return engine.connect().execution_options(**{_IMMEDIATE: True})


def take_write_lock(connection: Connection, where: str, profile_id: int | None = None) -> None:
    """Wait for the PostgreSQL writers this one must not overlap: all of them, or with
    `profile_id`, the store-wide ones and that profile's. The locks go with the transaction's
    end."""
    if profile_id is None:
        try_sql = f"SELECT pg_try_advisory_xact_lock({WRITE_LOCK_KEY})"
        wait_sql = f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"
    else:
        mine = f"{PROFILE_LOCK_CLASS}, {int(profile_id)}"
        try_sql = (
            f"SELECT pg_try_advisory_xact_lock_shared({WRITE_LOCK_KEY}) "
            f"AND pg_try_advisory_xact_lock({mine})"
        )
        wait_sql = (
            f"SELECT pg_advisory_xact_lock_shared({WRITE_LOCK_KEY}), pg_advisory_xact_lock({mine})"
        )
    # One statement when no one else is writing; a bounded wait otherwise.
    if connection.exec_driver_sql(try_sql).scalar():
        return
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {_WRITE_LOCK_WAIT_MS}")
    try:
        connection.exec_driver_sql(wait_sql)
    except DBAPIError as error:
        code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        if code != _LOCK_NOT_AVAILABLE:
            raise
        raise StoreError(
            f"the store {where} stayed busy: another stalindeck is writing to it "
            "(a large import?). Nothing was written; try again when it has finished"
        ) from error
    # The body's own waits (for rows, say) keep the server's setting.
    connection.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")


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
