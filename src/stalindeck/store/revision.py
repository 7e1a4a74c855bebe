"""The schema revision this code expects, kept apart so checking it imports nothing heavy;
and the shipped migrations, found through Alembic only when asked (it is slow to import).

The store's modules import one way: location, revision and safety (no store imports) ←
engine ← backup ← migrate ← open. A module lower in that line never imports a higher one.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

# The newest revision in migrations/versions; a test keeps the two in step.
HEAD_REVISION = "0009"


def alembic_config() -> Config:
    """An Alembic Config pointing at the shipped migrations folder."""
    from alembic.config import Config

    from stalindeck.resources import migrations_dir

    # Alembic's default stream is bound when it is first imported; name the current one.
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(migrations_dir()))
    return config


def known_revisions() -> set[str]:
    """Every schema revision this stalindeck can upgrade from."""
    from alembic.script import ScriptDirectory

    config = alembic_config()
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
