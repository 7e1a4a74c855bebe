"""`stalindeck profiles`: who studies from this store."""

from __future__ import annotations

from typing import Annotated

import typer

from stalindeck.cli.common import console, open_for, user_errors


def register(app: typer.Typer) -> None:
    app.command("profiles")(profiles_command)


def profiles_command(
    ctx: typer.Context,
    *,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the profiles of the store, with how many reviews each has made and when last: a
    teacher's class on a shared store, or one student's. `--profile NAME` picks one."""
    import json

    from stalindeck.stats.figures import jsonable
    from stalindeck.store.open import list_profiles
    from stalindeck.ui.format import local_time

    with user_errors():
        store = open_for(ctx, first_run=False)
        rows = list_profiles(store)
        if as_json:
            typer.echo(
                json.dumps(
                    [
                        {key: jsonable(value) for key, value in row._asdict().items()}
                        for row in rows
                    ],
                    indent=2,
                )
            )
            return
        from rich.table import Table

        from stalindeck.ui.safe import safe_text

        table = Table(box=None)
        table.add_column("profile")
        table.add_column("reviews", justify="right")
        table.add_column("last review")
        table.add_column("since")
        for row in rows:
            last = "never" if row.last_review is None else local_time(row.last_review)
            table.add_row(safe_text(row.name), f"{row.reviews:,}", last, local_time(row.created_at))
        console().print(table)
