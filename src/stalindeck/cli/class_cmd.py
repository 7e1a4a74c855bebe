"""`stalindeck class` and `stalindeck export class`: a teacher's view of every profile."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

from stalindeck.cli.common import (
    DecksArgument,
    OutputOption,
    OverwriteOption,
    TagOption,
    console,
    open_for,
    user_errors,
)
from stalindeck.words import plural

if TYPE_CHECKING:
    from stalindeck.stats.classroom import ClassView

EXPORT_FORMATS = ("csv", "json", "html")


def register(app: typer.Typer, export: typer.Typer) -> None:
    app.command("class")(class_command)
    export.command("class")(export_class)


def _view(ctx: typer.Context, decks: list[str] | None, tags: list[str] | None) -> ClassView:
    from stalindeck.clock import utc_now
    from stalindeck.stats.cards import check_scope
    from stalindeck.stats.classroom import compute_class
    from stalindeck.store.stats_queries import Scope

    store = open_for(ctx, first_run=False)
    scope = Scope(decks=tuple(decks or ()), tags=tuple(tags or ()))
    check_scope(store, scope)
    return compute_class(store, utc_now(), scope=scope, leave_out=store.profile_id)


def class_command(
    ctx: typer.Context,
    decks: DecksArgument = None,
    *,
    tags: TagOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of tables (see docs/class.md).")
    ] = False,
) -> None:
    """A class on one store: every profile's reviews, backlog, streak and mastery, who needs
    help first; the class's weakest topics and hardest cards.

    The profile you run it as (--profile, `default` unless given) is yours, the teacher's,
    and is left out; so is the store's `default` profile while it has no reviews.
    """
    from stalindeck.stats.classroom import to_json

    with user_errors():
        view = _view(ctx, decks, tags)
        if as_json:
            from stalindeck.ui.safe import inert_json

            typer.echo(inert_json(json.dumps(to_json(view), ensure_ascii=False, indent=2)))
            return
        from stalindeck.ui.class_view import class_screen

        console().print(class_screen(view))


def export_class(
    ctx: typer.Context,
    decks: DecksArgument = None,
    *,
    tags: TagOption = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="csv, json or html.", case_sensitive=False)
    ] = "csv",
    output: OutputOption = "-",
    force: OverwriteOption = False,
) -> None:
    """The class view for a spreadsheet (one row per student, a column per topic) or as one
    HTML page to open or mail (charts inline, nothing fetched)."""
    from stalindeck.errors import StalindeckError
    from stalindeck.exporting import atomic_output, check_output
    from stalindeck.ui.safe import for_terminal

    with user_errors():
        fmt = fmt.lower()
        if fmt not in EXPORT_FORMATS:
            raise StalindeckError(f"unknown format {fmt!r}; use --format csv, json or html")
        if output != "-":
            check_output(Path(output), force)
        view = _view(ctx, decks, tags)
        if output == "-":
            _write(view, fmt, for_terminal(sys.stdout))
            return
        with atomic_output(Path(output), force) as stream:
            _write(view, fmt, stream)
        what = "page" if fmt == "html" else plural(len(view.students), "student")
        print(f"Wrote the class {what} to {output}.", file=sys.stderr)


def _write(view: ClassView, fmt: str, out: IO[str]) -> None:
    import csv

    from stalindeck.exporting import safe_cell
    from stalindeck.stats.classroom import to_json
    from stalindeck.ui.class_report import columns, html_report, student_rows

    if fmt == "html":
        out.write(html_report(view))
    elif fmt == "json":
        out.write(json.dumps(to_json(view), ensure_ascii=False, indent=2) + "\n")
    else:
        names = columns(view)
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([safe_cell(name) for name in names])  # topic names come from decks
        for row in student_rows(view):
            writer.writerow([safe_cell(row[name]) for name in names])
