"""Bring a store to the current schema.

A store already at head is checked with one query and never imports Alembic (it is slow to
import and `stalindeck status` must start fast). A store behind head is backed up first.

Several processes may open a new (or older) store at once: the one that takes the lock first
(SQLite's write lock; on PostgreSQL an advisory lock) migrates, and the others wait for it and
then find the store at head.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, text

from stalindeck.errors import StoreError
from stalindeck.store.engine import immediate, sqlite_path
from stalindeck.store.revision import HEAD_REVISION, alembic_config, known_revisions

__all__ = [
    "HEAD_REVISION",
    "SCHEMA_LOCK_KEY",
    "alembic_config",
    "current_revision",
    "ensure_schema",
    "upgrade",
]

# The PostgreSQL advisory lock held while a process migrates (the key spells "sd-schem"); not
# the write lock, which a transaction gives up at its end.
SCHEMA_LOCK_KEY = 0x73642D736368656D


def current_revision(engine: Engine) -> str | None:
    """The store's Alembic revision, or None for a store with no schema yet."""
    with engine.connect() as connection:
        return _revision(connection)


def _revision(connection: Connection) -> str | None:
    dialect = connection.dialect
    if not dialect.has_table(connection, "alembic_version"):
        if not dialect.has_table(connection, "cards"):
            return None
        # On PostgreSQL each look sees the latest commit: another process's first migration
        # may have made both tables in between. Looked at in this order, they cannot race.
        if not dialect.has_table(connection, "alembic_version"):
            raise StoreError("the store has tables but no schema version; it is not ours")
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations up to `revision` on `engine`."""
    with engine.begin() as connection:
        _upgrade(connection, revision)


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def ensure_schema(engine: Engine, backup_dir: Path | None) -> None:
    """Create a new store at head, or back up and upgrade one that is behind.

    Args:
        engine: the store.
        backup_dir: where to put the copy taken before an upgrade (SQLite files only).

    Raises:
        StoreError: the store was written by a newer stalindeck, or cannot be upgraded.
    """
    revision = current_revision(engine)
    if revision == HEAD_REVISION:
        return
    if engine.dialect.name == "postgresql":
        _upgrade_alone(engine)
        return
    if revision is not None:
        _check_known(revision)
    path = sqlite_path(str(engine.url)) if backup_dir is not None else None
    # Taking the write lock first, a process that opens a new store while another creates it
    # waits for that one and then finds the store at head (after a deferred BEGIN, its first
    # write would fail at once: its snapshot is stale). The copy before an upgrade is taken
    # under the same lock, once the store is seen still behind: of several processes opening
    # an old store at once, only the one that upgrades it keeps a copy.
    with immediate(engine) as connection, connection.begin():
        revision = _revision(connection)
        if revision == HEAD_REVISION:
            return
        if revision is not None and path is not None:
            from stalindeck.store.backup import take_backup

            # Named like every other copy of this store; rotation never deletes it.
            take_backup(path, "upgrade")
        _upgrade(connection, "head")


def _upgrade_alone(engine: Engine) -> None:
    """Migrate a PostgreSQL store holding `SCHEMA_LOCK_KEY`, unless the process that held it
    before us already has."""
    with engine.connect() as connection:
        # A session lock, held across the migration's commit. No time limit: a process that
        # holds it is migrating, and a wait behind its DDL would not be bounded anyway.
        connection.exec_driver_sql(f"SELECT pg_advisory_lock({SCHEMA_LOCK_KEY})")
        connection.commit()
        try:
            revision = _revision(connection)
            connection.commit()
            if revision != HEAD_REVISION:
                if revision is not None:
                    _check_known(revision)
                with connection.begin():
                    _upgrade(connection, "head")
        except BaseException:
            # Whatever state the connection is in, closing it ends the session and so
            # releases the lock, instead of handing it back to the pool still held.
            connection.invalidate()
            raise
        connection.exec_driver_sql(f"SELECT pg_advisory_unlock({SCHEMA_LOCK_KEY})")
        connection.commit()


def _check_known(revision: str) -> None:
    if revision not in known_revisions():
        raise StoreError(
            f"the store is at schema {revision}, newer than this stalindeck knows; "
            "upgrade stalindeck (pip install -U stalindeck)"
        )
