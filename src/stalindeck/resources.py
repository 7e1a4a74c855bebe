"""Where the files that ship with stalindeck live: the bundled decks and the migrations.

In a wheel they sit in ``stalindeck/_data``; in a source checkout (editable install, tests)
they are the top-level ``decks/`` and ``migrations/`` folders of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    shipped = _PACKAGE / "_data" / name
    if shipped.is_dir():
        return shipped
    checkout = _PACKAGE.parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"stalindeck is installed without its {name}/ folder; reinstall it")


def bundled_decks_dir() -> Path:
    """The folder of decks that come with stalindeck."""
    return _data_dir("decks")


def migrations_dir() -> Path:
    """The Alembic script folder."""
    return _data_dir("migrations")


def is_shipped(path: Path) -> bool:
    """Whether `path` is one of the files installed with stalindeck (not a source checkout's):
    an upgrade replaces those, so they are not for editing."""
    return (_PACKAGE / "_data") in path.resolve().parents
