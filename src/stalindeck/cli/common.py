"""What the commands share: the root options, opening the store, turning errors into one line."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

from stalindeck.errors import DeckError, StalindeckError

if TYPE_CHECKING:
    from rich.console import Console

    from stalindeck.store.open import Store


@dataclass(frozen=True, slots=True)
class Context:
    """The root options, handed to every command through typer's context."""

    db: str | None
    profile: str


def console() -> Console:
    """The stdout console; plain (no colour, no wrapping surprises) when not a terminal."""
    from rich.console import Console  # imported here: `status` prints without Rich

    return Console(highlight=False, soft_wrap=False)


def error_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a `StalindeckError` into its message on stderr and exit status 1."""
    from stalindeck.ui.safe import clean  # messages quote deck text: keep it inert

    try:
        yield
    except DeckError as error:
        for problem in error.problems:
            print(clean(problem), file=sys.stderr)
        print(f"error: {clean(str(error))}", file=sys.stderr)
        raise typer.Exit(1) from None
    except StalindeckError as error:
        print(f"error: {clean(str(error))}", file=sys.stderr)
        raise typer.Exit(1) from None


def where_the_store_is(store: Store) -> str:
    """Said once, on first run: where the reviews are kept (and their backups)."""
    if store.path is None:
        from stalindeck.store.location import shown_url

        return f"Your store: {shown_url(store.url)} (back it up with the database's own tools)."
    return (
        f"Your store: {store.path}; backups beside it in {store.backup_dir}{os.sep} "
        "(`stalindeck backups` lists them)."
    )


def open_for(ctx: typer.Context, *, first_run: bool = True) -> Store:
    """Open the store named by the root options; on first run, load the bundled decks."""
    from stalindeck.clock import utc_now
    from stalindeck.store.open import open_store

    options: Context = ctx.obj
    store = open_store(options.db, options.profile)
    # Release the connections when the command ends, not whenever they are collected.
    ctx.call_on_close(store.close)
    if first_run:
        from stalindeck.decks.importing import bring_in_bundled

        update = bring_in_bundled(store, utc_now())
        cards = sum(change.added for change in update.changes)
        if update.first_run and cards:  # 0: another stalindeck, opened at once, loaded them
            names = ", ".join(change.name for change in update.changes)
            print(
                f"First run: loaded {cards} cards from the bundled decks ({names}).",
                file=sys.stderr,
            )
            print(where_the_store_is(store), file=sys.stderr)
            # The review screen clears this away: it says it again when the session ends.
            ctx.meta["stalindeck.first_run"] = where_the_store_is(store)
        if update.problem is not None:
            from stalindeck.ui.safe import clean

            print(
                f"note: the bundled decks of this version could not be brought in: "
                f"{clean(update.problem)}",
                file=sys.stderr,
            )
        for change in update.changes if not update.first_run else ():
            back = f", {change.restored} back in use" if change.restored else ""
            print(
                f"Updated the bundled deck {change.name} from this version of stalindeck: "
                f"{change.updated} edited, {change.added} added, {change.retired} retired{back} "
                "(history kept).",
                file=sys.stderr,
            )
    return store
