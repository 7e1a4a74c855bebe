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
        typer.Option("--force", help="Store the new parameters even if they predict no better."),
    ] = False,
    reset: Annotated[
        bool, typer.Option("--reset", help="Go back to FSRS's default parameters.")
    ] = False,
) -> None:
    """Fit FSRS's parameters to your own review history, like Anki's "Optimize", and use them
    if fitting predicts reviews it was not fitted to better than the current parameters do
    (lower log loss on the later reviews of five time-ordered splits).

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
    table.add_column("log loss, unseen reviews", justify="right")
    table.add_column("log loss, fitted on", justify="right")
    table.add_column("RMSE (bins)", justify="right")
    current_label = "current (default)" if outcome.current_is_default else "current"
    new_unseen = f"{outcome.new_held_out:.4f}" if outcome.judged else "n/a"
    rows = (
        (current_label, f"{outcome.current_held_out:.4f}", outcome.current_fit),
        ("new", new_unseen, outcome.new_fit),
    )
    for label, unseen, fit in rows:
        table.add_row(label, unseen, f"{fit.log_loss:.4f}", f"{fit.rmse_bins:.2%}")
    out.print(table)
    out.print(
        f"Unseen reviews: the last {outcome.held_out:,} of the {outcome.items:,}, in five "
        "time-ordered splits; the new parameters are judged there as fitted only to the "
        "reviews before each split.",
        markup=False,
    )
    if outcome.judged:
        change = (
            f"log loss on unseen reviews {outcome.current_held_out:.4f} → "
            f"{outcome.new_held_out:.4f}"
        )
        worse = "they predict unseen reviews no better"
    else:
        change = "fsrs-rs could not fit the earliest splits: too few first answers"
        worse = "fitting could not be judged on unseen reviews"
    if outcome.saved:
        why = (
            "they predict reviews they were not fitted to better"
            if outcome.improved
            else ("--force")
        )
        out.print(f"Saved the new parameters ({why}; {change}).", markup=False)
        out.print(memory_note(outcome.recomputed), markup=False)
    elif dry_run:
        verdict = "would be saved" if outcome.improved else f"would not be saved ({worse})"
        out.print(f"Dry run, nothing stored: the new parameters {verdict} ({change}).")
    else:
        out.print(
            f"Kept the current parameters: {worse} ({change}). Pass --force to use the new ones "
            "anyway.",
            markup=False,
        )
    out.print(f"new: {show_parameters(outcome.new)}", markup=False, soft_wrap=False)
