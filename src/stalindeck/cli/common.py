"""What the commands share: the root options, opening the store, turning errors into one line."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stalindeck.errors import DamagedStoreError, DeckError, StalindeckError

# Options several commands share, spelled once.
DecksArgument = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="DECK", help="Deck slugs or names (default: every deck).", show_default=False
    ),
]
TagOption = Annotated[
    list[str] | None,
    typer.Option("--tag", "-t", help="Only cards with this tag (repeat for several: any of them)."),
]
OutputOption = Annotated[
    str, typer.Option("--output", "-o", help="File to write; '-' (the default) is stdout.")
]
OverwriteOption = Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")]


if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from stalindeck.store.open import Store


# Bounds of the numeric options: far beyond any real use, and within what SQLite and a
# timedelta hold (an absurd number is one line and exit status 2, as click reports a range).
MAX_CARDS = 1_000_000
MAX_MINUTES = 24 * 60


def finite(value: float | None) -> float | None:
    """A callback refusing ``nan`` (which passes every range check) as click refuses a value."""
    if value is not None and value != value:
        raise typer.BadParameter("not a number; give minutes, e.g. 20")
    return value


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
    # Messages quote deck text: keep it inert, and short enough to read.
    from stalindeck.ui.safe import brief as clean

    try:
        yield
    except DamagedStoreError as error:
        print(f"error: {clean(damage_message(error))}", file=sys.stderr)
        raise typer.Exit(1) from None
    except DeckError as error:
        for problem in error.problems:
            print(clean(problem), file=sys.stderr)
        print(f"error: {clean(str(error))}", file=sys.stderr)
        raise typer.Exit(1) from None
    except StalindeckError as error:
        print(f"error: {clean(str(error))}", file=sys.stderr)
        raise typer.Exit(1) from None
    except Exception as error:
        message = store_failure(error)
        if message is None:
            raise
        print(f"error: {clean(message)}", file=sys.stderr)
        raise typer.Exit(1) from None


# The store file the command opened: named in a message about a failure reading it.
_opened: list[Path] = []


def damage_message(error: DamagedStoreError) -> str:
    """The message of `error`, with the command restoring the newest sound backup."""
    if error.hinted:
        return str(error)
    from stalindeck.store.backup import restore_hint

    return f"{error}; {restore_hint(error.store)}"


def store_failure(error: BaseException) -> str | None:
    """One line for a SQLite failure that reached the edge uncaught (a damaged page read by
    a query, a -wal file removed under a running command); None for anything else."""
    from stalindeck.store.safety import is_sqlite_error, translate

    if isinstance(error, StalindeckError) or not is_sqlite_error(error):
        return None
    where = _opened[-1] if _opened else None
    translated = translate(error, str(where or "the store"))
    if isinstance(translated, DamagedStoreError):
        return damage_message(translated)
    if translated is not None:
        return str(translated)
    from stalindeck.store.backup import restore_hint

    reason = " ".join(str(getattr(error, "orig", None) or error).split())
    return (
        f"the store {where or ''} could not be read ({reason[:200]}); run `stalindeck check`, "
        f"or {restore_hint(where)}"
    )


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
    if store.path is not None:
        _opened.append(store.path)
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
    from stalindeck.bulk import resume_collector

    resume_collector()  # start-up is over (`stalindeck.bulk.pause_collector`)
    return store


def save_picture(
    renderable: RenderableType, path: Path, *, kind: str, force: bool, what: str
) -> None:
    """Save a screen as an SVG (`kind` "svg") or HTML picture at `path`, drawn 80 columns
    wide so it looks the same whatever the terminal (`ui.picture`); `what` names it."""
    from stalindeck.exporting import atomic_output
    from stalindeck.ui.picture import html_of, svg_of

    title = f"stalindeck {what}"
    content = svg_of(renderable, title=title) if kind == "svg" else html_of(renderable)
    with atomic_output(path, force) as stream:
        stream.write(content)
    print(f"Saved the {what} as {path}.", file=sys.stderr)
