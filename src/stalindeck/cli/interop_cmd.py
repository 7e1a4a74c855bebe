"""`stalindeck export apkg` and `stalindeck export deck`: decks out to Anki or to TOML."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from stalindeck.cli.common import OverwriteOption, open_for, user_errors
from stalindeck.words import plural


def register(export_app: typer.Typer) -> None:
    export_app.command("apkg")(export_apkg_command)
    export_app.command("deck")(export_deck_command)


def export_apkg_command(
    ctx: typer.Context,
    decks: Annotated[
        list[str] | None,
        typer.Argument(
            help="Decks to export (id or name); all decks when none.", show_default=False
        ),
    ] = None,
    *,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The .apkg file to write.", show_default=False)
    ],
    with_history: Annotated[
        bool,
        typer.Option(
            "--with-history", help="Include the review log and each card's scheduling state."
        ),
    ] = False,
    force: OverwriteOption = False,
) -> None:
    """Write decks as an Anki package that Anki imports: cards, tags and (optionally) history."""
    from stalindeck.errors import StalindeckError
    from stalindeck.interop.apkg_export import export_apkg

    with user_errors():
        store = open_for(ctx)
        if str(output) == "-":
            raise StalindeckError("an .apkg is a binary file: give a file name with -o")
        done = export_apkg(store, decks or [], output, with_history=with_history, force=force)
        history = f", {plural(done.reviews, 'review')}" if with_history else ""
        print(
            f"Wrote {plural(done.notes, 'note')} ({plural(done.cards, 'card')}{history}) from "
            f"{plural(done.decks, 'deck')} to {output}.",
            file=sys.stderr,
        )


def export_deck_command(
    ctx: typer.Context,
    deck: Annotated[
        str, typer.Argument(help="The deck to export (id or name).", show_default=False)
    ],
    *,
    output: Annotated[
        str, typer.Option("--output", "-o", help="The .toml file to write; '-' is stdout.")
    ] = "-",
    force: OverwriteOption = False,
) -> None:
    """Write a deck back as a TOML deck file; importing that file changes nothing."""
    from stalindeck.interop.toml_export import export_deck_toml

    with user_errors():
        store = open_for(ctx)
        target = None if output == "-" else Path(output)
        written, text = export_deck_toml(store, deck, target, force=force)
        if target is None:
            from stalindeck.ui.safe import for_terminal

            for_terminal(sys.stdout).write(text)
            return
        print(
            f"Wrote {plural(len(written.cards), 'card')} of {written.slug} to {output}.",
            file=sys.stderr,
        )
