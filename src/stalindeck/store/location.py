"""Where the store is, worked out without importing SQLAlchemy (`status` must start fast)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from stalindeck.errors import StoreError

ENV_VAR = "STALINDECK_DB"
_SQLITE_PREFIX = "sqlite:///"


def default_path() -> Path:
    """The store file in the platform's user data folder."""
    from platformdirs import user_data_path

    return user_data_path("stalindeck", appauthor=False) / "stalindeck.db"


def resolve_url(db: str | None) -> str:
    """The SQLAlchemy URL for `--db`, else ``$STALINDECK_DB``, else the default file.

    A value containing ``://`` is taken as a URL; anything else as a file path.
    """
    if db is not None:
        value, named = db, f"--db {db!r}"
    else:
        value = os.environ.get(ENV_VAR, None) or ""
        named = f"${ENV_VAR} ({value!r})"
        if ENV_VAR in os.environ and not value.strip():
            # A script whose variable came out empty must not touch the real store.
            raise StoreError(
                f"${ENV_VAR} is set but empty; name a store file, or unset it to use the "
                f"default store ({default_path()})"
            )
    if db is not None and not db.strip():
        raise StoreError(
            f"--db {db!r} names no store; give a file path, or leave --db out to use the "
            f"default store ({default_path()})"
        )
    if "://" in value:
        return value
    if value.startswith("file:") or "?" in value:
        # sqlite3's URI file names (file:x.db?mode=ro) would become a file of that name.
        raise StoreError(
            f"{named} looks like a SQLite URI; give a plain file path (or a URL such as "
            "sqlite:///path/to/store.db)"
        )
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
    return f"{_SQLITE_PREFIX}{path.resolve()}"


def plain_sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///path`` URL (no query options), else None."""
    if not url.startswith(_SQLITE_PREFIX) or "?" in url:
        return None
    rest = url[len(_SQLITE_PREFIX) :]
    return Path(rest) if rest and rest != ":memory:" else None


_PASSWORD = re.compile(r"(://[^:/@]*:)[^/]*@")  # up to the last @ of the host part


def shown_url(url: str) -> str:
    """`url` fit to print: its password (``user:secret@host``) replaced by ``***``."""
    return _PASSWORD.sub(r"\1***@", url)
