"""`stalindeck import`, `stalindeck decks` and `stalindeck remove`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from stalindeck.cli.common import console, open_for, user_errors
from stalindeck.errors import StalindeckError
from stalindeck.words import plural

_PROGRESS_FROM = 2_000  # cards; smaller imports finish before a bar would be seen


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("decks")(decks_command)
    app.command("remove")(remove_command)


def import_command(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Deck files (.toml, .csv/.tsv/.txt, .md, .apkg/.colpkg) or folders of .toml.",
            show_default=False,
        ),
    ] = None,
    *,
    bundled: Annotated[
        bool,
        typer.Option(
            "--bundled",
            help="Also import the decks that come with stalindeck (a store's first command "
            "loads them only into an empty store).",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Read the files as toml, csv, markdown or apkg (default: from the extension).",
            show_default=False,
        ),
    ] = None,
    deck: Annotated[
        str | None,
        typer.Option(
            "--deck",
            help="Deck name for CSV and Markdown files (default: the deck the file names, "
            "else the file name).",
            show_default=False,
        ),
    ] = None,
    with_history: Annotated[
        bool,
        typer.Option(
            "--with-history",
            help="Anki packages: import the review log and rebuild each card's FSRS state.",
        ),
    ] = False,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Let this file take over a deck last imported from a file of another name "
            "(the cards it lacks are retired, history kept).",
        ),
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="CSV/TSV: import the valid rows and list the rows left out, with their lines "
            "(by default a file with a problem imports nothing).",
        ),
    ] = False,
) -> None:
    """Import deck files: add new cards, update edited ones (history kept), retire vanished
    ones. Every file is checked first; if any has a problem, nothing is imported."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table

    from stalindeck.clock import utc_now
    from stalindeck.decks.importing import import_paths
    from stalindeck.ui.safe import safe_text

    out = console()
    with user_errors():
        files = list(paths or [])
        if bundled:
            if fmt or deck or with_history:
                raise StalindeckError(
                    "--bundled imports stalindeck's own decks: give --format, --deck and "
                    "--with-history in a separate import"
                )
            from stalindeck.resources import bundled_decks_dir

            files.insert(0, bundled_decks_dir())
        if not files:
            raise StalindeckError("nothing to import: give deck files, or --bundled")
        store = open_for(ctx, first_run=False)
        progress = Progress(
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console(),
            transient=True,
        )
        task = progress.add_task("import", total=None)
        reviews: list[int] = []
        kept: list[int] = []
        skipped: list[str] | None = [] if skip_invalid else None

        def loaded(total: int) -> None:
            progress.update(task, total=total)
            if total >= _PROGRESS_FROM and out.is_terminal:
                progress.start()

        try:
            try:  # the bar is started only for a large import on a terminal (`loaded`)
                changes = import_paths(
                    store,
                    files,
                    utc_now(),
                    dry_run=dry_run,
                    on_loaded=loaded,
                    progress=lambda n: progress.advance(task, n),
                    fmt=fmt,
                    deck_name=deck,
                    with_history=with_history,
                    on_history=reviews.append,
                    replace=replace,
                    on_kept=kept.append,
                    left_out=skipped,
                )
            finally:
                if progress.live.is_started:  # stopping one never started prints a blank line
                    progress.stop()
        except KeyboardInterrupt:
            # The import is one transaction: stopped before its end, it is rolled back.
            print("Interrupted: nothing was imported.", file=sys.stderr)
            raise typer.Exit(130) from None
        table = Table(title="Dry run: nothing was written" if dry_run else None, box=None)
        columns = ["deck", "added", "updated", "unchanged", "retired"]
        if any(change.restored for change in changes):
            columns.append("restored")  # cards back in use: a removed deck, a re-added entry
        for column in columns:
            table.add_column(column, justify="left" if column == "deck" else "right")
        for change in changes:
            label = safe_text(change.slug + (" (new deck)" if change.new_deck else ""))
            counts: tuple[int, ...] = (
                change.added,
                change.updated,
                change.unchanged,
                change.retired,
            )
            counts += (change.restored,) if "restored" in columns else ()
            table.add_row(label, *map(str, counts))
        out.print(table)
        if skipped:
            out.print(f"{plural(len(skipped), 'row')} left out (--skip-invalid):")
            for problem in skipped:
                out.print(safe_text("  " + problem))
        if with_history:
            count = sum(reviews)
            done = "would be imported" if dry_run else "imported"
            out.print(f"{plural(count, 'review')} {done}{_why_none(count, sum(kept))}.")


def _why_none(reviews: int, kept: int) -> str:
    """Why an import with history brought no review, after "0 reviews imported"."""
    if reviews:
        return ""
    if kept:
        return (
            f": the {plural(kept, 'card')} the package has a history for already have reviews "
            "here, and a history is imported once"
        )
    return (
        ": the package has no review log (in Anki, export it with 'Include scheduling "
        "information', or make a collection backup, .colpkg)"
    )


def decks_command(ctx: typer.Context) -> None:
    """List the decks: their cards, today's new, learning and due cards (as `status` counts
    them) and their suspended cards, as Anki's tree (a parent's counts include its subdecks')."""
    from rich.table import Table

    from stalindeck.clock import utc_now
    from stalindeck.scheduling.settings import load_settings
    from stalindeck.store.counts import deck_counts
    from stalindeck.store.deck_tree import SEPARATOR, as_tree
    from stalindeck.ui.safe import safe_text

    with user_errors():
        store = open_for(ctx)
        now = utc_now()
        counts = deck_counts(store, now, load_settings(store).limits())
        if not counts:
            print("No decks: `stalindeck import FILE` adds one (`--bundled`: the 9HI0 deck).")
            return
        out = console()

        def table_of(headings: tuple[str, ...]) -> Table:
            table = Table(box=None)
            table.add_column("deck", overflow="fold")
            for column in headings:
                table.add_column(column, justify="right", no_wrap=True)
            for level, deck, real in as_tree(counts):
                # Anki's tree: a subdeck under its parent, by the last part of its name.
                shown = deck.name.rsplit(SEPARATOR, 1)[-1] if level else deck.name
                label = safe_text("  " * level + shown, "bold")
                if real and deck.slug != deck.name:  # the id commands take, when not the name
                    label.append("\n" + "  " * level)
                    label.append_text(safe_text(deck.slug, "dim"))
                table.add_row(
                    label,
                    str(deck.total),
                    str(deck.new),
                    str(deck.learning),
                    str(deck.due),
                    str(deck.suspended),
                )
            return table

        # Where the full headings leave the deck's id too little room (60 columns), short ones.
        table = table_of(("cards", "new", "learning", "due today", "suspended"))
        if out.measure(table, options=out.options.update_width(1000)).maximum > out.width:
            table = table_of(("cards", "new", "learn", "due", "susp"))
        out.print(table)


def remove_command(
    ctx: typer.Context,
    decks: Annotated[
        list[str],
        typer.Argument(metavar="DECK", help="Decks to remove (id or name).", show_default=False),
    ],
) -> None:
    """Remove decks from reviews, lists and figures, for every profile of the store.

    Their cards and review history stay in the store (a backup is taken first): importing a
    deck's file again brings it back as it was.
    """
    from stalindeck.clock import utc_now
    from stalindeck.names import deck_slugs
    from stalindeck.resources import is_shipped
    from stalindeck.store.backup import backup_before
    from stalindeck.store.deck_sync import remove_decks
    from stalindeck.ui.safe import clean

    with user_errors():
        store = open_for(ctx, first_run=False)
        slugs = deck_slugs(store, decks)  # a slip is told before the backup is taken
        backup_before(store.path, "remove")
        for deck in remove_decks(store, slugs, utc_now()):
            path = Path(deck.path) if deck.path else None
            again = (
                "stalindeck import --bundled"
                if path is not None and is_shipped(path)
                else f"stalindeck import {deck.path}"
            )
            print(
                f"Removed {clean(deck.name)} ({plural(deck.cards, 'card')}; the history is kept). "
                f"`{clean(again)}` brings it back."
            )
