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
    """Today's due and new cards per deck (new cards within today's new-card limit)."""
    from stalindeck.clock import utc_now
    from stalindeck.store.quick import quick_status

    with user_errors():
        now = utc_now()
        options: Context = ctx.obj
        quick = quick_status(options.db, options.profile, now)
        if quick is not None:
            limits, counts, done = quick
        else:
            from stalindeck.scheduling.day import day_end, day_start
            from stalindeck.scheduling.settings import load_settings
            from stalindeck.store.counts import done_today, today_counts

            store = open_for(ctx)
            limits = load_settings(store).limits()
            start, end = day_start(now, limits.rollover_hour), day_end(now, limits.rollover_hour)
            done = done_today(store, start)
            counts = today_counts(store, now, end, max(0, limits.new_per_day - done.new))
        new_left = max(0, limits.new_per_day - done.new)
        reviews_left = max(0, limits.reviews_per_day - done.reviews)
        decks: list[dict[str, Any]] = [
            {
                "deck": deck.slug,
                "name": deck.name,
                "new": min(deck.new, new_left),
                "learning": deck.learning,
                "due": min(deck.due, reviews_left),
            }
            for deck in counts
        ]
        total = {
            "new": min(new_left, sum(deck.new for deck in counts)),
            "learning": sum(deck.learning for deck in counts),
            "due": min(reviews_left, sum(deck.due for deck in counts)),
        }
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
