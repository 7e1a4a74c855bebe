"""`stalindeck export progress`: per deck and per tag, for a spreadsheet."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from stalindeck.cli.common import OutputOption, OverwriteOption, open_for, user_errors
from stalindeck.words import plural


def register(app: typer.Typer) -> None:
    app.command("progress")(export_progress)


def export_progress(
    ctx: typer.Context,
    *,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="csv or json.", case_sensitive=False)
    ] = "csv",
    output: OutputOption = "-",
    force: OverwriteOption = False,
) -> None:
    """Progress per deck, then per tag: cards, seen, retrievability, retention, lapses."""
    from stalindeck.clock import utc_now
    from stalindeck.errors import StalindeckError
    from stalindeck.exporting import FORMATS, atomic_output, check_output, write_rows
    from stalindeck.scheduling.settings import load_settings
    from stalindeck.stats.figures import default_curve
    from stalindeck.stats.progress import COLUMNS, progress_rows

    with user_errors():
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise StalindeckError(f"unknown format {fmt!r}; use --format csv or --format json")
        if output != "-":
            check_output(Path(output), force)
        store = open_for(ctx)
        settings = load_settings(store)
        rows = progress_rows(
            store, utc_now(), settings.limits(), curve=default_curve(settings.fsrs_parameters)
        )
        if output == "-":
            from stalindeck.ui.safe import for_terminal

            write_rows(rows, COLUMNS, fmt, for_terminal(sys.stdout))
            return
        with atomic_output(Path(output), force) as stream:
            count = write_rows(rows, COLUMNS, fmt, stream)
        print(f"Wrote {plural(count, 'row')} to {output}.", file=sys.stderr)
