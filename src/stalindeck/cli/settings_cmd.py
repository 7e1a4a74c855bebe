"""`stalindeck settings`: show and change the profile's settings."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stalindeck.cli.common import console, open_for, user_errors

if TYPE_CHECKING:
    from stalindeck.scheduling.settings import Overview, Spec


def register(app: typer.Typer) -> None:
    # Unknown options are values here: `settings new_per_day -1` must reach the validation
    # (and its one-line explanation) instead of click's "no such option".
    app.command("settings", context_settings={"ignore_unknown_options": True})(settings_command)


def settings_command(
    ctx: typer.Context,
    key: Annotated[
        str | None,
        typer.Argument(
            metavar="KEY",
            help="The setting to show or change (all when none).",
            show_default=False,
        ),
    ] = None,
    value: Annotated[
        str | None,
        typer.Argument(
            metavar="VALUE",
            help="The new value (checked before anything is stored).",
            show_default=False,
        ),
    ] = None,
    *,
    reset: Annotated[bool, typer.Option("--reset", help="Put KEY back to its default.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Show or change this profile's settings: daily limits, when the day starts, FSRS's
    desired retention, steps, maximum interval and parameters, the exam date.

    [bold]settings[/] lists them all, [bold]settings KEY[/] shows one,
    [bold]settings KEY VALUE[/] changes it, [bold]settings KEY --reset[/] restores the default.
    """
    from stalindeck.errors import StalindeckError
    from stalindeck.scheduling import settings as s

    with user_errors():
        if reset and (key is None or value is not None):
            raise StalindeckError(
                "--reset takes the name of one setting and no value, "
                "e.g. `stalindeck settings new_per_day --reset`"
            )
        if as_json and value is not None:
            raise StalindeckError("--json is for showing settings, not for changing one")
        spec = None if key is None else s.spec_for(key)
        if spec is not None and value is not None:
            value_typed = s.parse_value(spec, value)  # before the store is opened or made
            store = open_for(ctx, first_run=False)
            current = s.load_settings(store)
            if spec.key == "exam_date" and value_typed is not None:
                from stalindeck.clock import utc_now
                from stalindeck.scheduling.day import study_date
                from stalindeck.stats.exam import check_exam_date

                check_exam_date(value_typed, study_date(utc_now(), current.rollover_hour))
            before = getattr(current, spec.key)
            changed = s.save_value(store, spec, value_typed)
            print(f"{spec.key} = {spec.show(value_typed)} (was {spec.show(before)}).")
            if spec.key == "fsrs_parameters":
                print(s.memory_note(changed))
            warning = s.caution(spec, value_typed)
            if warning is not None:
                print(f"note: {warning}", file=sys.stderr)
            return
        store = open_for(ctx, first_run=False)
        if spec is not None and reset:
            was_set = s.reset_setting(store, spec.key)
            default = spec.show(spec.default)
            default = "" if default == "default" else f", {default}"  # not "its default, default"
            if was_set is not None:
                print(f"{spec.key} is back to its default{default}.")
                if spec.key == "fsrs_parameters":
                    print(s.memory_note(was_set))
            else:
                print(f"{spec.key} was at its default already{default}.")
            return
        overview = s.load_overview(store)
        specs = list(s.SPECS.values()) if spec is None else [spec]
        if as_json:
            data = [_json(one, overview) for one in specs]
            typer.echo(json.dumps(data if spec is None else data[0], indent=2))
        elif spec is not None:
            _show_one(spec, overview)
        else:
            _show_all(specs, overview)


def _json(spec: Spec, overview: Overview) -> dict[str, Any]:
    return {
        "key": spec.key,
        "value": spec.encode(getattr(overview.settings, spec.key)),
        "default": spec.encode(spec.default),
        "own": spec.key in overview.own,
        "unreadable": spec.key in overview.garbled,
        "allowed": spec.allowed,
        "meaning": spec.meaning,
    }


def _origin(spec: Spec, overview: Overview) -> str:
    if spec.key in overview.garbled:
        return "the stored value is unreadable, so the default is in use; set it again"
    return "your own" if spec.key in overview.own else "the default"


def _show_one(spec: Spec, overview: Overview) -> None:
    out = console()
    shown = spec.show(getattr(overview.settings, spec.key))
    out.print(f"{spec.key} = {shown}", markup=False)
    out.print(f"  {spec.meaning}", markup=False)
    out.print(f"  in use: {_origin(spec, overview)}", markup=False)
    out.print(f"  default: {spec.show(spec.default)}", markup=False)
    out.print(f"  allowed: {spec.allowed}", markup=False)


def _show_all(specs: list[Spec], overview: Overview) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(
        box=None,
        caption="Bold: your own value. Change one: settings KEY VALUE; "
        "back to the default: settings KEY --reset.",
    )
    table.add_column("setting", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("default", overflow="fold")
    table.add_column("meaning", ratio=1)
    for spec in specs:
        current = getattr(overview.settings, spec.key)
        shown, default = spec.show(current), spec.show(spec.default)
        if spec.key == "fsrs_parameters":
            # 21 weights do not fit a table row: `settings fsrs_parameters` shows them.
            shown = "default" if current is None else "fitted"
        value = Text(shown, style="bold" if spec.key in overview.own else "")
        if spec.key in overview.garbled:
            value.append(" (stored value unreadable)", style="italic")
        table.add_row(spec.key, value, default, spec.meaning)
    console().print(table)
