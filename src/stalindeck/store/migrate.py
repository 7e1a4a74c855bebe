"""Bring a store to the current schema.

A store already at head is checked with one query and never imports Alembic (it is slow to
import and `stalindeck status` must start fast). A store behind head is backed up first.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text

from stalindeck.errors import StoreError
from stalindeck.store.engine import sqlite_path
from stalindeck.store.revision import HEAD_REVISION

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["HEAD_REVISION", "alembic_config", "current_revision", "ensure_schema", "upgrade"]


def current_revision(engine: Engine) -> str | None:
    """The store's Alembic revision, or None for a store with no schema yet."""
    with engine.connect() as connection:
        if not engine.dialect.has_table(connection, "alembic_version"):
            if engine.dialect.has_table(connection, "cards"):
                raise StoreError("the store has tables but no schema version; it is not ours")
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def alembic_config() -> Config:
    """An Alembic Config pointing at the shipped migrations folder."""
    from alembic.config import Config

    from stalindeck.resources import migrations_dir

    # Alembic's default stream is bound when it is first imported; name the current one.
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(migrations_dir()))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations up to `revision` on `engine`."""
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
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
    if revision is not None:
        known = _known_revisions()
        if revision not in known:
            raise StoreError(
                f"the store is at schema {revision}, newer than this stalindeck knows; "
                "upgrade stalindeck (pip install -U stalindeck)"
            )
        path = sqlite_path(str(engine.url))
        if backup_dir is not None and path is not None:
            from stalindeck.store.backup import take_backup

            # Named like every other copy of this store; rotation never deletes it.
            take_backup(path, "upgrade")
    upgrade(engine)


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    config = alembic_config()
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
