"""`stalindeck export cards|reviews`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from stalindeck.cli.common import OutputOption, OverwriteOption, open_for, user_errors
from stalindeck.words import plural

if TYPE_CHECKING:
    from stalindeck.store.open import Store

app = typer.Typer(
    help=(
        "Export cards, reviews, progress or the class as CSV or JSON; decks as an Anki package "
        "or a TOML deck file."
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

FormatOption = Annotated[
    str, typer.Option("--format", "-f", help="csv or json.", case_sensitive=False)
]


def _export(
    ctx: typer.Context,
    rows: Callable[[Store], Iterator[dict[str, Any]]],
    columns: Sequence[str],
    fmt: str,
    output: str,
    force: bool,
    csv_batches: Callable[[Store], Iterator[Sequence[Sequence[Any]]] | None] | None = None,
) -> None:
    from stalindeck.errors import StalindeckError
    from stalindeck.exporting import FORMATS, atomic_output, write_csv_batches, write_rows

    with user_errors():
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise StalindeckError(f"unknown format {fmt!r}; use --format csv or --format json")
        store = open_for(ctx)
        batches = csv_batches(store) if csv_batches is not None and fmt == "csv" else None

        def write(stream: IO[str]) -> int:
            if batches is not None:
                return write_csv_batches(batches, columns, stream)
            return write_rows(rows(store), columns, fmt, stream)

        if output == "-":
            from stalindeck.ui.safe import for_terminal

            write(for_terminal(sys.stdout))
            return
        with atomic_output(Path(output), force) as stream:
            count = write(stream)
        print(f"Wrote {plural(count, 'row')} to {output}.", file=sys.stderr)


@app.command("cards")
def export_cards(
    ctx: typer.Context,
    *,
    fmt: FormatOption = "csv",
    output: OutputOption = "-",
    force: OverwriteOption = False,
) -> None:
    """One row per card with its scheduling state (card_id, deck, tags, front, back, state,
    step, stability, difficulty, due, last_review, reps, lapses, suspended)."""
    from stalindeck.store.export import CARD_COLUMNS, card_rows

    _export(ctx, card_rows, CARD_COLUMNS, fmt, output, force)


@app.command("reviews")
def export_reviews(
    ctx: typer.Context,
    *,
    fmt: FormatOption = "csv",
    output: OutputOption = "-",
    force: OverwriteOption = False,
) -> None:
    """One row per review (card_id, deck, grade, reviewed_at, duration_ms, state_before,
    state_after, stability, difficulty, elapsed_days), oldest first."""
    from stalindeck.store.export import REVIEW_COLUMNS, review_csv_batches, review_rows

    _export(ctx, review_rows, REVIEW_COLUMNS, fmt, output, force, review_csv_batches)
