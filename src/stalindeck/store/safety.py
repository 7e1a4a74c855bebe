"""SQLite's failures as one-line errors, and waiting out a store another process is writing.

A full disk, a read-only file or a damaged page reach us as `sqlite3` errors with terse
messages; `store_errors` turns the ones a user can act on into a `StoreError` that says what
happened, where, and what to do. Everything else is left alone: it is a bug, not a situation.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn, TypeVar

from stalindeck.errors import DamagedStoreError, StoreError

T = TypeVar("T")

# How long a writer keeps retrying BEGIN IMMEDIATE after SQLite's own busy timeout gave up,
# e.g. while another stalindeck imports a large deck.
RETRY_SECONDS = 30.0

_BUSY = ("database is locked", "database table is locked", "database is busy")


def _message(error: BaseException) -> str:
    original = getattr(error, "orig", None)
    return str(original if original is not None else error).lower()


def is_busy(error: BaseException) -> bool:
    """Whether `error` is SQLite saying another connection holds the lock."""
    message = _message(error)
    return any(busy in message for busy in _BUSY)


def is_sqlite_error(error: BaseException) -> bool:
    """Whether `error` is a `sqlite3` error, bare or wrapped by SQLAlchemy."""
    return isinstance(error, sqlite3.Error) or isinstance(
        getattr(error, "orig", None), sqlite3.Error
    )


def translate(error: BaseException, where: str) -> StoreError | None:
    """A one-line `StoreError` for a failure the user can act on; None for anything else.

    Args:
        error: a `sqlite3` error or SQLAlchemy's wrapper of one.
        where: the store file (or URL), named in the message.
    """
    if not is_sqlite_error(error):
        return None
    message = _message(error)
    # SQLite's words for a full disk or a read-only file vary with the step that failed
    # (opening the shared-memory file of a WAL store reports "disk I/O error"): look.
    situation = _situation(where)
    if "database or disk is full" in message or situation == "full":
        text = f"the disk holding {where} is full; nothing was written. Free some space, then retry"
    elif "readonly database" in message or "read-only" in message or situation == "read-only":
        text = (
            f"the store {where} is read-only; nothing was written. "
            "Check the permissions of the file and its folder"
        )
    elif is_busy(error):
        text = (
            f"the store {where} stayed busy: another stalindeck is writing to it "
            "(a large import?). Nothing was written; try again when it has finished"
        )
    elif any(sign in message for sign in _DAMAGE):
        # Python's own words for a garbled text cell quote the cell: not worth echoing.
        said = "a text field is not valid UTF-8" if "could not decode" in message else message
        return DamagedStoreError(f"the store {where} is damaged ({said[:200]})", _file(where))
    elif "disk i/o error" in message:
        return DamagedStoreError(
            f"a disk error stopped reading or writing {where} (a failing disk, or its -wal "
            "file removed while in use); nothing was written. Run `stalindeck check`",
            _file(where),
        )
    elif "unable to open database file" in message:
        text = f"cannot open the store file {where}: check that its folder exists and is writable"
    else:
        return None
    return StoreError(text)


_LOW_SPACE = 256 * 1024
# What SQLite (and Python reading a text cell) say of a damaged page.
_DAMAGE = ("malformed", "file is not a database", "could not decode to utf-8", "corrupt")


def _file(where: str) -> Path | None:
    """The store file `where` names, or None for a database URL."""
    return None if "://" in where else Path(where)


def _situation(where: str) -> str | None:
    """Whether the store's folder is "full" or "read-only"; None otherwise (or not a file)."""
    folder = Path(where).parent
    try:
        stats = os.statvfs(folder)
    except (OSError, ValueError):
        return None
    if stats.f_flag & os.ST_RDONLY or not os.access(folder, os.W_OK):
        return "read-only"
    if stats.f_bavail * stats.f_frsize < _LOW_SPACE:
        return "full"
    return None


def disk_full(path: Path) -> bool:
    """Whether the disk holding `path` has (next to) no space left: SQLite may report a write
    that ran out of space as a "disk I/O error"."""
    return _situation(str(path)) == "full"


@contextmanager
def store_errors(where: str) -> Iterator[None]:
    """Re-raise the SQLite failures `translate` knows as one-line `StoreError`s."""
    try:
        yield
    except Exception as error:
        reraise(error, where)


def reraise(error: Exception, where: str) -> NoReturn:
    """Raise `error` as the one-line `StoreError` `translate` makes of it, or as it is."""
    translated = translate(error, where)
    if translated is None:
        raise error
    raise translated from error


_HEADER = b"SQLite format 3\x00"


def header_ok(path: Path) -> bool:
    """Whether `path` is missing, empty, or starts as a SQLite file does.

    SQLite takes a file whose first bytes are zero (a crash can leave one) for a new,
    empty database, and would write a fresh store over what is left of the old one.

    Raises:
        StoreError: the file cannot be read.
    """
    try:
        with path.open("rb") as stream:
            header = stream.read(len(_HEADER))
    except FileNotFoundError:
        return True
    except OSError as error:
        raise StoreError(f"cannot read the store {path}: {error.strerror}") from error
    return not header or header == _HEADER


def in_immediate(connection: sqlite3.Connection, where: str, work: Callable[[], T]) -> T:
    """Run `work` in a write transaction on a DBAPI `sqlite3` connection in autocommit mode,
    for hot paths that skip SQLAlchemy: BEGIN IMMEDIATE (retried while another process holds
    the lock, like `engine.writing`), COMMIT, or ROLLBACK on any error; SQLite's failures as
    `StoreError`s. A plain function, not a context manager: it runs once per answer.

    SQLite rolls back by itself after some failures (a full disk), so the rollback here only
    runs while a transaction is still open, and never hides the first error.
    """
    try:
        _begin_raw(connection)
        try:
            result = work()
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
    except Exception as error:
        reraise(error, where)
    return result


def _begin_raw(connection: sqlite3.Connection) -> None:
    try:
        connection.execute("BEGIN IMMEDIATE")
        return
    except sqlite3.OperationalError as error:
        if not is_busy(error):
            raise
    deadline = time.monotonic() + RETRY_SECONDS
    delay = 0.02
    while True:
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
        try:
            connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if not is_busy(error) or time.monotonic() >= deadline:
                raise
