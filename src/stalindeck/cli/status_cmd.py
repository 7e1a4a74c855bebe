"""`stalindeck status`: what is due today. Meant for a shell prompt, so it starts lean."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from stalindeck.cli.common import Context, open_for, user_errors


def register(app: typer.Typer) -> None:
    app.command("status")(status_command)


def status_command(
    ctx: typer.Context,
    *,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Today's new, learning and due cards per deck and in all: what `review` serves (the
    daily limits applied, one card per entry: siblings wait for another day)."""
    from stalindeck.clock import utc_now
    from stalindeck.store.quick import quick_status

    with user_errors():
        now = utc_now()
        options: Context = ctx.obj
        today = quick_status(options.db, options.profile, now)
        if today is None:
            from stalindeck.scheduling.settings import load_settings
            from stalindeck.store.counts import today_counts

            store = open_for(ctx)
            today = today_counts(store, now, load_settings(store).limits())
        decks: list[dict[str, Any]] = [
            {
                "deck": deck.slug,
                "name": deck.name,
                "new": deck.new,
                "learning": deck.learning,
                "due": deck.due,
            }
            for deck in today.decks
        ]
        total = {"new": today.total.new, "learning": today.total.learning, "due": today.total.due}
        if as_json:
            from stalindeck.ui.safe import inert_json

            typer.echo(
                inert_json(
                    json.dumps(
                        {"decks": decks, "total": total, "now": now.isoformat()},
                        ensure_ascii=False,
                        indent=2,
                    )
                )
            )
            return
        from stalindeck.ui.safe import clean

        # Plain lines, no Rich: this runs from shell prompts and must start fast.
        rows = [(clean(deck["name"]), deck["new"], deck["learning"], deck["due"]) for deck in decks]
        rows.append(("total", total["new"], total["learning"], total["due"]))
        width = max(len(str(row[0])) for row in rows)
        for name, new, learning, due in rows:
            typer.echo(f"{name:<{width}}  new {new:>4}  learn {learning:>4}  due {due:>4}")
