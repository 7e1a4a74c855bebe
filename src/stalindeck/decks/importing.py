"""Import deck files: validate every file first, then write them all in one transaction."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from stalindeck.decks.files import deck_files, file_digest, import_options
from stalindeck.decks.foreign import CardHistory
from stalindeck.decks.formats import load_files
from stalindeck.decks.model import oversized_fields
from stalindeck.decks.toml_deck import load_decks
from stalindeck.errors import DamagedStoreError, DeckError, NotFoundError, StalindeckError
from stalindeck.store.deck_sync import DeckChanges, sync_decks, unchanged_sources
from stalindeck.store.open import Store


def import_paths(
    store: Store,
    paths: Sequence[Path],
    now: datetime,
    *,
    dry_run: bool = False,
    on_loaded: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
    fmt: str | None = None,
    deck_name: str | None = None,
    with_history: bool = False,
    on_history: Callable[[int], None] | None = None,
    replace: bool = False,
    on_kept: Callable[[int], None] | None = None,
    left_out: list[str] | None = None,
) -> list[DeckChanges]:
    """Validate and import deck files and folders of deck files.

    Files are read by extension (``.toml``; ``.csv``/``.tsv``/``.txt``; ``.md``;
    ``.apkg``/``.colpkg``) unless `fmt` names the format; folders give their ``*.toml`` files.

    Args:
        store: the open store.
        paths: files, or folders whose ``*.toml`` files are imported.
        now: the import time.
        dry_run: report what would change without writing.
        on_loaded: told the total number of cards once every file is valid.
        progress: told how many cards were just written.
        fmt: read every file as this format (toml, csv, markdown, apkg).
        deck_name: the deck for CSV/Markdown files (overriding any the file names).
        with_history: import the review history of Anki packages.
        on_history: told how many reviews were imported.
        on_kept: told how many cards with a history in the package kept the one they have
            here (a history is imported once).
        left_out: when given, the CSV rows with a problem of their own are left out (listed
            here, ``file:line: message``) and the valid ones imported; a row left out is not
            in the file for this import, so a card it made before is retired (history kept).
        replace: let a file take over a deck last imported from a file of another name
            (`deck_sync.sync_decks`).

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
    # A file unchanged since it was last imported (same bytes, same options) is not read again;
    # but a history is the current profile's own, and another profile may have imported the
    # file: with `with_history` every file is read (cards with reviews keep theirs).
    # Rows left out are listed at every import, so such a file is read again; and its digest
    # differs, so importing it later without the option reads it again (and refuses it).
    options = import_options(fmt, deck_name, with_history, left_out is not None)
    digests = {str(path.resolve()): file_digest(path, options) for path in files}
    reread = with_history or left_out is not None
    skipped = {} if reread else unchanged_sources(store, digests)
    files = [path for path in files if str(path.resolve()) not in skipped]
    unchanged = [change for changes in skipped.values() for change in changes]
    if not files:
        return unchanged
    with _collector_paused():
        return _import(store, files, now, unchanged, digests, dry_run, on_loaded, progress,
                       fmt, deck_name, with_history, on_history, replace, on_kept,
                       left_out)  # fmt: skip


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the duration.

    An import makes hundreds of thousands of small tuples that all stay alive until it ends;
    the collector would walk them again and again for nothing (a third of the reading time
    for a 100,000-row file). Nothing an import builds holds a cycle.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import(
    store: Store,
    files: list[Path],
    now: datetime,
    unchanged: list[DeckChanges],
    digests: dict[str, str],
    dry_run: bool,
    on_loaded: Callable[[int], None] | None,
    progress: Callable[[int], None] | None,
    fmt: str | None,
    deck_name: str | None,
    with_history: bool,
    on_history: Callable[[int], None] | None,
    replace: bool,
    on_kept: Callable[[int], None] | None = None,
    left_out: list[str] | None = None,
) -> list[DeckChanges]:
    if (
        fmt is None
        and deck_name is None
        and not with_history
        and left_out is None
        and all(path.suffix.lower() == ".toml" for path in files)
    ):
        decks, history = load_decks(files), list[CardHistory]()
    else:
        decks, history = load_files(
            files, fmt=fmt, deck_name=deck_name, with_history=with_history, skipped=left_out
        )
    too_long = oversized_fields(decks)
    if too_long:
        raise DeckError(too_long)
    if on_loaded is not None:
        on_loaded(sum(len(deck.cards) for deck in decks))
    after = None
    if history:
        from stalindeck.interop.history import history_writer

        after = history_writer(store, history, on_history, on_kept)
    if not dry_run:
        from stalindeck.store.backup import backup_before

        backup_before(store.path, "import")
    changes = sync_decks(
        store,
        decks,
        now,
        dry_run=dry_run,
        progress=progress,
        after=after,
        digests=digests,
        replace=replace,
    )
    return changes + unchanged


class BundledUpdate(NamedTuple):
    """What opening the store did with the decks that ship with stalindeck."""

    first_run: bool  # the store was empty: they were loaded
    changes: list[DeckChanges]  # the decks loaded, or changed by an upgrade
    problem: str | None = None  # why an upgrade's changes could not be brought in


def bring_in_bundled(store: Store, now: datetime) -> BundledUpdate:
    """Load the bundled decks into an empty store (the first run); later, re-import those
    that an upgrade of stalindeck changed, history kept.

    Only decks still read from the installed files follow them: a deck the student exported
    to a file of their own and imported from there is theirs. An unchanged file is recognised
    by its digest and not read (a query and a digest of a small file per command).
    """
    from stalindeck.resources import bundled_decks_dir
    from stalindeck.store.counts import deck_count
    from stalindeck.store.deck_sync import deck_names_from

    folder = bundled_decks_dir()
    if not deck_count(store):
        return BundledUpdate(True, import_paths(store, [folder], now))
    in_use = [path for path in deck_files([folder]) if deck_names_from(store, path)]
    if not in_use:
        return BundledUpdate(False, [])
    try:
        changes = import_paths(store, in_use, now)
    except DamagedStoreError:
        raise  # not a note: the command must not go on reading a damaged store
    except StalindeckError as error:  # the student's command goes on; the store is as it was
        first = error.problems[0] if isinstance(error, DeckError) else str(error)
        return BundledUpdate(False, [], first)
    return BundledUpdate(
        False,
        [
            change
            for change in changes
            if change.added or change.updated or change.retired or change.restored
        ],
    )
