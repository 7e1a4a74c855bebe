"""Backing up and restoring a PostgreSQL store with PostgreSQL's own tools.

A SQLite store is copied with SQLite's backup API (see `backup`); a PostgreSQL store is dumped
with ``pg_dump`` in its custom format and put back with ``pg_restore``, when they are on PATH.
The password of the URL goes to them through ``PGPASSWORD``, never on a command line others
can read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from stalindeck.errors import StoreError

HOW = (
    "install PostgreSQL's client tools (Debian/Ubuntu: apt install postgresql-client) or run "
    "it yourself: pg_dump -Fc -f FILE DATABASE"
)


@dataclass(frozen=True, slots=True)
class Target:
    """The libpq arguments and environment for a store URL."""

    args: tuple[str, ...]
    env: dict[str, str]
    database: str


def target(url: str) -> Target:
    """`pg_dump`'s connection arguments for the SQLAlchemy URL `url`."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    args: list[str] = []
    if parsed.host:
        args += ["-h", parsed.host]
    if parsed.port:
        args += ["-p", str(parsed.port)]
    if parsed.username:
        args += ["-U", parsed.username]
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    database = parsed.database or parsed.username or "postgres"
    return Target(tuple(args), env, database)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        how = HOW if name == "pg_dump" else HOW.replace("pg_dump -Fc -f FILE", "pg_restore -d")
        raise StoreError(f"{name} is not on PATH: it backs up a PostgreSQL store; {how}")
    return found


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as error:
        raise StoreError(f"could not run {command[0]}: {error.strerror or error}") from error
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[-1].strip() if lines else f"exit status {done.returncode}"
        raise StoreError(f"{what} failed: {reason}")


def default_dump_path(url: str, reason: str, now: datetime, folder: Path) -> Path:
    """``DATABASE-YYYYMMDD-HHMMSS-REASON.dump`` in `folder`."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    return folder / f"{target(url).database}-{stamp}-{reason}.dump"


def dump(url: str, destination: Path) -> Path:
    """Dump the PostgreSQL store at `url` to `destination` (custom format); the file appears
    only once complete."""
    tool = _tool("pg_dump")
    where = target(url)
    partial = destination.with_name(f".{destination.name}.partial")
    try:
        _run(
            [tool, *where.args, "-Fc", "--no-owner", "-f", str(partial), where.database],
            where.env,
            f"pg_dump of {where.database}",
        )
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination


def restore_dump(url: str, dump_file: Path) -> None:
    """Replace the store's tables at `url` by those of `dump_file`, in one transaction: a
    failure changes nothing."""
    tool = _tool("pg_restore")
    if not dump_file.is_file():
        raise StoreError(f"{dump_file} is not a file; give a pg_dump file (`stalindeck backup`)")
    with dump_file.open("rb") as stream:
        if stream.read(5) != b"PGDMP":
            raise StoreError(f"{dump_file} is not a pg_dump custom-format file")
    where = target(url)
    _run(
        [
            tool,
            *where.args,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "-d",
            where.database,
            str(dump_file),
        ],
        where.env,
        f"pg_restore of {dump_file} into {where.database}",
    )
