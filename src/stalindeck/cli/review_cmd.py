"""`stalindeck review`: the daily session."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from stalindeck.review.first import FirstQuestion
    from stalindeck.ui.line_text import Printed

from stalindeck.cli.common import (
    MAX_CARDS,
    MAX_MINUTES,
    Context,
    console,
    finite,
    open_for,
    user_errors,
)


def register(app: typer.Typer) -> None:
    app.command("review")(review_command)


def review_command(
    ctx: typer.Context,
    decks: Annotated[
        list[str] | None,
        typer.Argument(
            help="Decks to review (id or name); all decks when none.", show_default=False
        ),
    ] = None,
    *,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag", "-t", help="Only cards with this topic tag (repeatable).", show_default=False
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            min=1,
            max=MAX_CARDS,
            help="At most this many new and review cards this session; learning steps (a "
            "card answered Again, a new card's next steps) come on top.",
            show_default=False,
        ),
    ] = None,
    new: Annotated[
        int | None,
        typer.Option(
            "--new",
            min=0,
            max=MAX_CARDS,
            help="At most this many new cards (default: what is left of new_per_day, "
            "see `stalindeck settings`).",
            show_default=False,
        ),
    ] = None,
    minutes: Annotated[
        float | None,
        typer.Option(
            "--minutes",
            "-m",
            min=1,
            max=MAX_MINUTES,
            callback=finite,
            help="Time budget: due cards first, new ones while time allows.",
            show_default=False,
        ),
    ] = None,
    force_type: Annotated[
        bool, typer.Option("--type", help="Type the answer to every card, not only typed ones.")
    ] = False,
    ahead: Annotated[
        bool,
        typer.Option(
            "--ahead",
            help="Review ahead (cram before an exam): every card you have learnt, due or not, "
            "the weakest first; no new cards.",
        ),
    ] = False,
) -> None:
    """Review the cards due today, then new ones, until none are left or you quit.

    Keys: [bold]space[/] show answer, [bold]1-4[/] Again/Hard/Good/Easy, [bold]u[/] undo,
    [bold]s[/] suspend, [bold]b[/] bury, [bold]e[/] edit, [bold]q[/] quit. When standard input
    is not a terminal, reads one action per line (see the README).
    """
    from stalindeck.clock import utc_now

    with user_errors():
        if ahead and new is not None:
            from stalindeck.errors import StalindeckError

            raise StalindeckError(
                "--ahead goes over the cards you have learnt, not new ones; leave out --new"
            )
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
        printed = None
        drawn = None
        if not interactive and not ahead and minutes is None:
            printed = _first_question(ctx, decks or [], tag or [], limit, new, force_type)
        elif interactive and not ahead and minutes is None:
            out = console()
            drawn = _first_frame(ctx, out, decks or [], tag or [], limit, new, force_type)
        from stalindeck.review.session import ReviewSession
        from stalindeck.scheduling.settings import load_settings
        from stalindeck.store.queue import Filter

        store = open_for(ctx)
        settings = load_settings(store)
        session = ReviewSession(
            store,
            Filter(decks=tuple(decks or ()), tags=tuple(tag or ())),
            limits=settings.limits(),
            settings=settings.scheduler(),
            card_limit=limit,
            new_limit=new,
            minutes=minutes,
            ahead=ahead,
        )
        if interactive:
            from stalindeck.ui.review_screen import ReviewScreen

            out = out if drawn is not None else console()

            def reimport(path: Path, deck_name: str) -> str | None:
                from stalindeck.decks.importing import import_paths
                from stalindeck.errors import DeckError, StalindeckError
                from stalindeck.store.deck_sync import deck_names_from

                # A CSV or Markdown file may have been imported under a deck name of its own
                # (`--deck`); one that names several decks itself is read as it stands.
                named = None
                if path.suffix.lower() in (".csv", ".tsv", ".txt", ".md"):
                    named = deck_name if deck_names_from(store, path) == [deck_name] else None
                try:
                    import_paths(store, [path], utc_now(), deck_name=named)
                except DeckError as error:
                    return (
                        f"{error.problems[0]} (and {len(error.problems) - 1} more)"
                        if len(error.problems) > 1
                        else error.problems[0]
                    )
                except StalindeckError as error:
                    return str(error)
                return None

            ReviewScreen(
                session, out, force_type=force_type, reimport=reimport, first_drawn=drawn
            ).run()
            out.clear()
            if "stalindeck.first_run" in ctx.meta:  # said before the screen, and wiped by it
                print(ctx.meta["stalindeck.first_run"], file=sys.stderr)
        else:
            from stalindeck.ui.line_mode import LineMode

            if printed is None:
                _line_mode_note()
            LineMode(
                session,
                lambda: sys.stdin.readline() or None,
                sys.stdout,
                force_type=force_type,
                printed=printed,
            ).run()
            # Rich is loaded for the closing lines only: line mode prints the first question
            # without it (a third of the way to it was spent importing Rich).
            out = console()
        from stalindeck.ui.summary import summary_lines

        for line in summary_lines(session, utc_now()):
            # Line mode is read by scripts: one line per line, never wrapped.
            out.print(line, markup=False, highlight=False, soft_wrap=not interactive)
        session.close()


def _line_mode_note() -> None:
    if not sys.stdout.isatty():  # `review | tee`: the keys would not work, say why
        print(
            "Standard output is not a terminal: line mode, one action per line "
            '(see "Scripting a session" in the README).',
            file=sys.stderr,
        )


def _first_question(
    ctx: typer.Context,
    decks: list[str],
    tags: list[str],
    limit: int | None,
    new: int | None,
    force_type: bool,
) -> Printed | None:
    """Line mode's first question, printed before the session's modules are loaded when the
    store needs nothing done (see `review.first`); what was printed, and when."""
    import time

    from stalindeck.ui.line_text import Printed, opening

    first = _quick_first(ctx, decks, tags, limit, new, force_type)
    if first is None:
        return None
    card = first.card
    text = opening(card.deck_slug, card.key, first.source, first.counts, card.front, first.typed)
    _line_mode_note()
    sys.stdout.write(text)
    sys.stdout.flush()
    return Printed(text, time.monotonic())


def _quick_first(
    ctx: typer.Context,
    decks: list[str],
    tags: list[str],
    limit: int | None,
    new: int | None,
    force_type: bool,
) -> FirstQuestion | None:
    """The session's first card as `review.first` picks it on the plain sqlite3 path, or None
    when the ordinary path must run."""
    from stalindeck.clock import utc_now
    from stalindeck.review.first import first_question

    options: Context = ctx.obj
    return first_question(
        options.db,
        options.profile,
        utc_now(),
        decks=decks,
        tags=tags,
        card_limit=limit,
        new_limit=new,
        force_type=force_type,
    )


def _first_frame(
    ctx: typer.Context,
    out: Console,
    decks: list[str],
    tags: list[str],
    limit: int | None,
    new: int | None,
    force_type: bool,
) -> tuple[int, float] | None:
    """The review screen's first frame, drawn before the session's modules are loaded when
    the store needs nothing done (see `review.first`) and the card is a plain one: asked
    without a typed answer, not from an Anki package (its HTML and media are the session's to
    read). The card drawn and when; the screen draws the same frame again over it."""
    import time

    first = _quick_first(ctx, decks, tags, limit, new, force_type)
    if first is None or first.typed or first.card.from_anki:
        return None
    from stalindeck.ui.screen_parts import draw_first

    card = first.card
    draw_first(
        out, card.deck_name, card.tags, card.deck_tags, first.counts, first.source, card.front
    )
    return first.card_id, time.monotonic()
