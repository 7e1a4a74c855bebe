"""`stalindeck simulate`: what each desired retention would cost a day and give on exam day."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stalindeck.cli.common import (
    DecksArgument,
    TagOption,
    console,
    open_for,
    save_picture,
    user_errors,
)

if TYPE_CHECKING:
    from datetime import datetime

    from stalindeck.scheduling.simulator import Simulation, Stage
    from stalindeck.store.open import Store
    from stalindeck.store.stats_queries import Scope

DEFAULT_DAYS = 30

RetentionOption = Annotated[
    list[float] | None,
    typer.Option(
        "--retention",
        "-r",
        help="A desired retention to simulate, 0.70-0.99 (repeat for several; default: 0.80 "
        "0.85 0.90 0.95).",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_command)


def run_simulation(
    store: Store,
    scope: Scope,
    *,
    now: datetime,
    days: int,
    retentions: list[float] | None,
    new_per_day: int | None,
    quiet: bool,
) -> Simulation:
    """The simulation behind `simulate` and `exam --simulate`, with a spinner on a terminal."""
    from stalindeck.scheduling.simulator import check_retentions, simulate_store

    chosen = check_retentions(retentions or ())

    def go(stage: Stage | None) -> Simulation:
        return simulate_store(
            store,
            scope,
            now=now,
            days=days,
            retentions=chosen,
            new_per_day=new_per_day,
            stage=stage,
        )

    if quiet:
        return go(None)
    with console().status("simulating", spinner="dots") as status:
        return go(lambda text: status.update(text))


def simulate_command(
    ctx: typer.Context,
    decks: DecksArgument = None,
    *,
    tags: TagOption = None,
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            help=f"Study days to simulate (default: until the exam_date setting, else "
            f"{DEFAULT_DAYS}).",
            min=1,
            max=3650,
            show_default=False,
        ),
    ] = None,
    retentions: RetentionOption = None,
    new_per_day: Annotated[
        int | None,
        typer.Option(
            "--new-per-day",
            help="New cards a day (default: the new_per_day setting).",
            min=0,
            max=9999,
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of tables (see docs/simulate.md).")
    ] = False,
    svg: Annotated[
        Path | None, typer.Option("--svg", help="Also save the report as an SVG picture.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --svg file.")] = (
        False
    ),
) -> None:
    """Compare desired retentions: cards and minutes a day, and recall at the end, as Anki's FSRS
    simulator plays your cards forward with your own grades and answer times.

    Runs until your exam (the exam_date setting) or for --days; the retention giving the most
    cards remembered per hour of study is marked, with the command that sets it.
    """
    from stalindeck.clock import utc_now
    from stalindeck.scheduling.day import study_date
    from stalindeck.scheduling.settings import load_settings
    from stalindeck.scheduling.simulator import to_json
    from stalindeck.store.stats_queries import Scope

    with user_errors():
        from stalindeck.errors import StalindeckError
        from stalindeck.scheduling.simulator import check_retentions

        check_retentions(retentions or ())  # a wrong value changes nothing, not even a first run
        if as_json and svg is not None:
            raise StalindeckError("choose one: --json or --svg FILE")
        now = utc_now()
        store = open_for(ctx)
        settings = load_settings(store)
        exam: date | None = None
        if days is None:
            today = study_date(now, settings.rollover_hour)
            if settings.exam_date is not None and settings.exam_date > today:
                exam = settings.exam_date
                days = (exam - today).days
            else:
                days = DEFAULT_DAYS
        simulation = run_simulation(
            store,
            Scope(decks=tuple(decks or ()), tags=tuple(tags or ())),
            now=now,
            days=days,
            retentions=retentions,
            new_per_day=new_per_day,
            quiet=as_json or not sys.stdout.isatty(),
        )
        current = settings.desired_retention
        if as_json:
            from stalindeck.ui.safe import inert_json

            data = to_json(simulation, current, exam)
            typer.echo(inert_json(json.dumps(data, ensure_ascii=False, indent=2)))
            return
        from stalindeck.ui.simulator_view import simulator_screen

        screen = simulator_screen(simulation, current, exam)
        console().print(screen)
        if svg is not None:
            save_picture(screen, svg, kind="svg", force=force, what="simulation")
