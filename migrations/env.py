"""Alembic environment for stalindeck.

The store opens this itself (see `stalindeck.store.migrate`), passing a live connection in
``config.attributes["connection"]``; ``alembic`` on the command line works too, given
``-x url=...`` or $STALINDECK_DB.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from stalindeck.store.models import metadata

config = context.config
target_metadata = metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from stalindeck.store.engine import make_engine, resolve_url

    url = context.get_x_argument(as_dictionary=True).get("url")
    engine = make_engine(resolve_url(url))
    with engine.connect() as connection:
        _run(connection)


if context.is_offline_mode():
    raise SystemExit("stalindeck migrations run online only")
run_migrations_online()
