"""`stalindeck exam`: what you will remember on exam day, and what it takes to get there."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from stalindeck.cli.common import TagOption, console, open_for, user_errors
from stalindeck.cli.simulate_cmd import RetentionOption


def register(app: typer.Typer) -> None:
    app.command("exam")(exam_command)


def exam_command(
    ctx: typer.Context,
    args: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[DATE] [DECK]...",
            help="The day of the exam, YYYY-MM-DD, after today (default: the exam_date "
            "setting), then deck ids or names (default: every deck).",
            show_default=False,
        ),
    ] = None,
    *,
    tags: TagOption = None,
    new_per_day: Annotated[
        int | None,
        typer.Option(
            "--new-per-day",
            help="New cards a day in the keep-reviewing plan (default: the new_per_day setting).",
            min=0,
            max=9999,
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of tables (see docs/exam.md).")
    ] = False,
    simulate: Annotated[
        bool,
        typer.Option(
            "--simulate",
            help="Also compare desired retentions until the exam with the workload simulator "
            "(as `stalindeck simulate`; a few seconds).",
        ),
    ] = False,
    retentions: RetentionOption = None,
) -> None:
    """Exam-day forecast: expected recall on DATE if you stop reviewing now and if you keep
    reviewing as scheduled, per topic and deck section, and the daily workload until then.

    Store the date once with [bold]stalindeck settings exam_date 2027-06-05[/] and leave it out.
    """
    from stalindeck.bulk import no_cycle_collection
    from stalindeck.clock import utc_now
    from stalindeck.errors import StalindeckError
    from stalindeck.scheduling.day import study_date
    from stalindeck.scheduling.limits import Limits
    from stalindeck.scheduling.settings import load_settings
    from stalindeck.stats.exam import (
        check_exam_date,
        forecast,
        looks_like_date,
        parse_exam_date,
        to_json,
    )
    from stalindeck.stats.figures import default_curve
    from stalindeck.store.stats_queries import Scope

    words = list(args or ())
    given = words.pop(0) if words and looks_like_date(words[0]) else None
    with user_errors():
        if retentions and not simulate:
            raise StalindeckError("--retention goes with --simulate")
        if simulate:
            from stalindeck.scheduling.simulator import check_retentions

            check_retentions(retentions or ())
        now = utc_now()
        # A date given is checked before the store is opened: a wrong one changes nothing,
        # not even a first run.
        if given is not None:
            parse_exam_date(given, study_date(now, Limits().rollover_hour))
        store = open_for(ctx)
        settings = load_settings(store)
        today = study_date(now, settings.rollover_hour)
        if given is not None:
            exam = parse_exam_date(given, today)
        elif settings.exam_date is not None:
            exam = settings.exam_date
            try:
                check_exam_date(exam, today)
            except StalindeckError:
                raise StalindeckError(
                    f"the stored exam date {exam.isoformat()} is not after today; give a date "
                    "(stalindeck exam YYYY-MM-DD) or store the next exam's "
                    "(stalindeck settings exam_date YYYY-MM-DD)"
                ) from None
        else:
            raise StalindeckError(
                "no exam date: give one (stalindeck exam 2027-06-05) or store it once "
                "(stalindeck settings exam_date 2027-06-05)"
            )
        scope = Scope(decks=tuple(words), tags=tuple(tags or ()))
        # 100,000 cards' rows and simulations: no collector passes over them (see `bulk`).
        with no_cycle_collection():
            found = forecast(
                store,
                exam,
                now,
                scope=scope,
                new_per_day=new_per_day,
                curve=default_curve(settings.fsrs_parameters),
                settings=settings.scheduler(enable_fuzzing=False),
                limits=settings.limits(),
            )
        simulation = None
        if simulate:
            import sys

            from stalindeck.cli.simulate_cmd import run_simulation

            simulation = run_simulation(
                store,
                scope,
                now=now,
                days=(exam - today).days,
                retentions=retentions,
                new_per_day=new_per_day,
                quiet=as_json or not sys.stdout.isatty(),
            )
        if as_json:
            from stalindeck.ui.safe import inert_json

            data = to_json(found)
            if simulation is not None:
                from stalindeck.scheduling import simulator

                data["simulator"] = simulator.to_json(simulation, settings.desired_retention, exam)
            typer.echo(inert_json(json.dumps(data, ensure_ascii=False, indent=2)))
            return
        from stalindeck.ui.exam_view import exam_screen

        out = console()
        out.print(exam_screen(found))
        if simulation is not None:
            from rich.rule import Rule

            from stalindeck.ui.simulator_view import simulator_screen

            out.print(Rule("Which desired retention?"))
            out.print(simulator_screen(simulation, settings.desired_retention, exam))
