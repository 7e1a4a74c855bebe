"""`stalindeck optimize`: fit FSRS's parameters to the profile's own reviews."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from stalindeck.cli.common import console, open_for, user_errors

if TYPE_CHECKING:
    from rich.console import Console

    from stalindeck.scheduling.optimizer import Outcome


def register(app: typer.Typer) -> None:
    app.command("optimize")(optimize_command)


def optimize_command(
    ctx: typer.Context,
    *,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Fit and compare, but store nothing.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Store the new parameters even if they fit no better."),
    ] = False,
    reset: Annotated[
        bool, typer.Option("--reset", help="Go back to FSRS's default parameters.")
    ] = False,
) -> None:
    """Fit FSRS's parameters to your own review history, like Anki's "Optimize", and use them
    if they predict your answers better than the current ones (lower log loss).

    Needs at least 400 reviews made on a later day than the card's previous review.
    New parameters recompute each card's memory state from its reviews; due dates are kept.
    """
    from stalindeck.errors import StalindeckError
    from stalindeck.scheduling.optimizer import optimize, reset_parameters
    from stalindeck.scheduling.settings import memory_note

    with user_errors():
        if reset and (dry_run or force):
            raise StalindeckError("--reset goes alone: it takes no --dry-run or --force")
        store = open_for(ctx, first_run=False)
        out = console()
        if reset:
            recomputed = reset_parameters(store)
            if recomputed is not None:
                out.print(f"FSRS parameters are back to the defaults. {memory_note(recomputed)}")
            else:
                out.print("FSRS's default parameters were in use already; nothing changed.")
            return
        with out.status("reading the review log", spinner="dots") as status:
            outcome = optimize(
                store, force=force, dry_run=dry_run, stage=lambda text: status.update(text)
            )
        _report(out, outcome, dry_run)


def _report(out: Console, outcome: Outcome, dry_run: bool) -> None:
    from rich.table import Table

    from stalindeck.scheduling.settings import memory_note, show_parameters

    out.print(
        f"Fitted to {outcome.items:,} reviews of {outcome.cards:,} cards "
        f"({outcome.reviews:,} reviews in the log).",
        markup=False,
    )
    table = Table(box=None)
    table.add_column("parameters")
    table.add_column("log loss", justify="right")
    table.add_column("RMSE (bins)", justify="right")
    current_label = "current (default)" if outcome.current_is_default else "current"
    for label, fit in ((current_label, outcome.current_fit), ("new", outcome.new_fit)):
        table.add_row(label, f"{fit.log_loss:.4f}", f"{fit.rmse_bins:.2%}")
    out.print(table)
    change = f"log loss {outcome.current_fit.log_loss:.4f} → {outcome.new_fit.log_loss:.4f}"
    if outcome.saved:
        why = "they fit your history better" if outcome.improved else "--force"
        out.print(f"Saved the new parameters ({why}; {change}).", markup=False)
        out.print(memory_note(outcome.recomputed), markup=False)
    elif dry_run:
        verdict = "would be saved" if outcome.improved else "would not be saved (no better)"
        out.print(f"Dry run, nothing stored: the new parameters {verdict} ({change}).")
    else:
        out.print(
            f"Kept the current parameters: the new ones fit no better ({change}). "
            "Pass --force to use them anyway.",
            markup=False,
        )
    out.print(f"new: {show_parameters(outcome.new)}", markup=False, soft_wrap=False)
