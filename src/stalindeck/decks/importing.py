"""Import deck files: validate every file first, then write them all in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from stalindeck.decks.toml_deck import deck_files, load_decks
from stalindeck.errors import NotFoundError
from stalindeck.store.deck_sync import DeckChanges, sync_decks
from stalindeck.store.open import Store


def import_paths(
    store: Store,
    paths: Sequence[Path],
    now: datetime,
    *,
    dry_run: bool = False,
    on_loaded: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[DeckChanges]:
    """Validate and import deck files and folders of deck files.

    Args:
        store: the open store.
        paths: files, or folders whose ``*.toml`` files are imported.
        now: the import time.
        dry_run: report what would change without writing.
        on_loaded: told the total number of cards once every file is valid.
        progress: told how many cards were just written.

    Raises:
        NotFoundError: a path does not exist or a folder holds no deck.
        DeckError: any file is invalid; nothing is written.
    """
    for path in paths:
        if not path.exists():
            raise NotFoundError(f"{path}: no such file or folder")
    files = deck_files(paths)
    if not files:
        raise NotFoundError(f"no *.toml deck files in {', '.join(map(str, paths))}")
    decks = load_decks(files)
    if on_loaded is not None:
        on_loaded(sum(len(deck.cards) for deck in decks))
    return sync_decks(store, decks, now, dry_run=dry_run, progress=progress)


def import_bundled_if_empty(store: Store, now: datetime) -> list[DeckChanges]:
    """On first run (no decks in the store), import the decks that ship with stalindeck."""
    from stalindeck.resources import bundled_decks_dir
    from stalindeck.store.counts import deck_count

    if deck_count(store):
        return []
    return import_paths(store, [bundled_decks_dir()], now)
