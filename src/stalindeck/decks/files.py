"""Which files a folder of decks holds, and the digest that tells an unchanged one: light on
imports, for the quick first question of `review` (see `review.first`) as much as for imports."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from stalindeck.errors import NotFoundError

# Beside a deck, its record of corrections to its sources (the bundled deck has one): not a deck.
CORRECTIONS_SUFFIX = ".corrections.toml"


def deck_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the ``*.toml`` files inside them (sorted), keeping files as given;
    a folder's ``*.corrections.toml`` files are records beside a deck, not decks."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*.toml")
                    if p.is_file() and not p.name.endswith(CORRECTIONS_SUFFIX)
                )
            )
        else:
            found.append(path)
    return found


def import_options(
    fmt: str | None = None,
    deck_name: str | None = None,
    with_history: bool = False,
    left_out: bool = False,
) -> str:
    """The import's options as they enter a file's digest: the same bytes imported otherwise
    are read again."""
    return f"{fmt}|{deck_name}|{with_history}" + ("|left out" if left_out else "")


def file_digest(path: Path, options: str) -> str:
    """The digest of the file's bytes and the import's options, remembered on its decks."""
    digest = hashlib.blake2b(options.encode(), digest_size=16)
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    except OSError as error:
        raise NotFoundError(f"{path}: cannot read the file: {error.strerror}") from error
    return digest.hexdigest()
