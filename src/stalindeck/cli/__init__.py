"""The `stalindeck` command: root options, and the command groups that hang off it."""

from __future__ import annotations

from typing import Annotated

import typer

from stalindeck import __version__
from stalindeck.cli import (
    backup_cmd,
    class_cmd,
    decks_cmd,
    exam_cmd,
    export_cmd,
    export_progress,
    interop_cmd,
    optimize_cmd,
    profiles_cmd,
    review_cmd,
    settings_cmd,
    simulate_cmd,
    stats_cmd,
    status_cmd,
)
from stalindeck.cli.common import Context
from stalindeck.cli.root_options import RootGroup

app = typer.Typer(
    name="stalindeck",
    cls=RootGroup,
    help="Spaced-repetition flashcards for the terminal: plain-text decks, FSRS, typed answers.",
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="rich",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"stalindeck {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    *,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Store: a SQLite file path or a SQLAlchemy URL. "
            "Default: $STALINDECK_DB, else stalindeck.db in your user data folder.",
            show_default=False,
        ),
    ] = None,
    profile: Annotated[
        str,
        typer.Option(
            "--profile",
            help="Whose reviews to use; one store can hold several. "
            "--db and --profile may also come after the command.",
        ),
    ] = "default",
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Spaced-repetition flashcards for the terminal."""
    ctx.obj = Context(db=db, profile=profile)


decks_cmd.register(app)
status_cmd.register(app)
review_cmd.register(app)
stats_cmd.register(app)
exam_cmd.register(app)
interop_cmd.register(export_cmd.app)
export_progress.register(export_cmd.app)
app.add_typer(export_cmd.app, name="export")
backup_cmd.register(app)
settings_cmd.register(app)
optimize_cmd.register(app)
simulate_cmd.register(app)
profiles_cmd.register(app)
class_cmd.register(app, export_cmd.app)


def _first_sentence(doc: str | None) -> str | None:
    """The first sentence of a docstring on one line: the command list shows only that."""
    if not doc:
        return None
    paragraph = " ".join(doc.strip().split("\n\n")[0].split())
    sentence, dot, _rest = paragraph.partition(". ")
    return sentence + "." if dot else paragraph


for _typer in (app, export_cmd.app):
    for _command in _typer.registered_commands:
        if _command.short_help is None and _command.callback is not None:
            _command.short_help = _first_sentence(_command.callback.__doc__)


def main() -> None:
    """Console entry point.

    A command line click cannot take (an unknown option, a value of the wrong type) is one
    line on stderr, exit status 2, as every other error here is one line: not click's usage
    text and boxed message.
    """
    from stalindeck.bulk import pause_collector, resume_collector

    pause_collector()  # until the store is open (`open_for`); `python -m stalindeck` did already
    try:
        _run()
    finally:  # a command that opened no store; a caller going on in the same process
        resume_collector(freeze=False)


def _run() -> None:
    import sys

    try:  # typer 0.2x carries its own copy of click; earlier ones run on click itself
        from typer._click import exceptions as usage
    except ImportError:  # pragma: no cover - depends on the typer installed
        from click import exceptions as usage  # type: ignore[no-redef,import-not-found]

    try:
        code = app(standalone_mode=False, prog_name="stalindeck")
    except usage.UsageError as error:
        where = error.ctx.command_path if error.ctx is not None else "stalindeck"
        from stalindeck.ui.safe import brief

        print(f"error: {brief(error.format_message())} (see `{where} --help`)", file=sys.stderr)
        raise SystemExit(error.exit_code) from None
    except usage.ClickException as error:
        from stalindeck.ui.safe import brief

        print(f"error: {brief(error.format_message())}", file=sys.stderr)
        raise SystemExit(error.exit_code) from None
    except typer.Abort as error:  # end of input at a prompt, or Ctrl-C past a command's own
        raise SystemExit(1 if isinstance(error.__context__, EOFError) else 130) from None
    except KeyboardInterrupt:  # Ctrl-C past a command's own handling (closing the store)
        raise SystemExit(130) from None
    except Exception as error:  # a damaged page read outside a command's own handling
        from stalindeck.cli.common import store_failure
        from stalindeck.ui.safe import brief as clean

        message = store_failure(error)
        if message is None:
            raise
        print(f"error: {clean(message)}", file=sys.stderr)
        raise SystemExit(1) from None
    raise SystemExit(code if isinstance(code, int) else 0)
