"""`stalindeck stats`, `cards`, `card`, `suspend`, `unsuspend` and `reset`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stalindeck.cli.common import (
    MAX_CARDS,
    TagOption,
    console,
    open_for,
    save_picture,
    user_errors,
)
from stalindeck.words import plural

if TYPE_CHECKING:
    from stalindeck.store.open import Store
    from stalindeck.store.stats_queries import CardRow

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Overwrite an existing --svg or --html file.")
]


def register(app: typer.Typer) -> None:
    app.command("stats")(stats_command)
    app.command("cards")(cards_command)
    app.command("card")(card_command)
    app.command("suspend")(suspend_command)
    app.command("unsuspend")(unsuspend_command)
    app.command("reset")(reset_command)


def _print_json(data: Any) -> None:
    from stalindeck.ui.safe import inert_json

    typer.echo(inert_json(json.dumps(data, ensure_ascii=False, indent=2)))


def stats_command(
    ctx: typer.Context,
    decks: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="DECK", help="Deck slugs or names (default: every deck).", show_default=False
        ),
    ] = None,
    *,
    tags: TagOption = None,
    as_json: JsonOption = False,
    svg: Annotated[
        Path | None,
        typer.Option("--svg", help="Save the screen as an SVG picture instead of printing it."),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Save the screen as an HTML page instead of printing it."),
    ] = None,
    force: ForceOption = False,
) -> None:
    """Progress at a glance: today, cards by state, a 30-day forecast, a year of reviews,
    true retention, FSRS memory, mastery per topic and the hardest cards."""
    from stalindeck.clock import utc_now
    from stalindeck.errors import StalindeckError
    from stalindeck.exporting import check_output
    from stalindeck.scheduling.settings import load_settings
    from stalindeck.stats.cards import check_scope
    from stalindeck.stats.figures import compute, default_curve, to_json
    from stalindeck.store.stats_queries import Scope

    with user_errors():
        if svg is not None and html is not None:
            raise StalindeckError("choose one picture: --svg FILE or --html FILE")
        picture = svg or html
        if picture is not None:
            check_output(picture, force)
        store = open_for(ctx)
        scope = Scope(decks=tuple(decks or ()), tags=tuple(tags or ()))
        scope = check_scope(store, scope)
        settings = load_settings(store)
        stats = compute(
            store,
            utc_now(),
            scope=scope,
            limits=settings.limits(),
            curve=default_curve(settings.fsrs_parameters),
            exam=settings.exam_date,
        )
        if as_json:
            _print_json(to_json(stats))
        from stalindeck.ui.stats_view import stats_screen

        if picture is not None:  # the picture instead of the screen (with --json, beside it)
            save_picture(
                stats_screen(stats),
                picture,
                kind="svg" if svg else "html",
                force=force,
                what="stats",
            )
        elif not as_json:
            console().print(stats_screen(stats))


def _card_json(card: CardRow) -> dict[str, Any]:
    from stalindeck.store.models import STATE_NAMES

    def iso(value: Any) -> Any:
        return None if value is None else value.isoformat().replace("+00:00", "Z")

    return {
        "card_id": card.ident,
        "deck": card.deck,
        "front": card.front,
        "tags": card.tags.split(),
        "state": STATE_NAMES.get(card.state, str(card.state)),
        "suspended": card.suspended,
        "buried": card.buried,
        "due": iso(card.due),
        "stability": card.stability,
        "difficulty": card.difficulty,
        "retrievability": card.retrievability,
        "reps": card.reps,
        "lapses": card.lapses,
    }


def cards_command(
    ctx: typer.Context,
    *,
    deck: Annotated[
        list[str] | None,
        typer.Option("--deck", "-d", help="Only this deck (slug or name; repeat for several)."),
    ] = None,
    tag: TagOption = None,
    state: Annotated[
        str | None,
        typer.Option(
            "--state",
            help="new, learning (relearning too), review, suspended, buried or leech "
            "(8 lapses or more).",
            case_sensitive=False,
        ),
    ] = None,
    search: Annotated[
        str | None,
        typer.Option("--search", "-s", help="Text in the front, back or id (any case)."),
    ] = None,
    sort: Annotated[
        str,
        typer.Option(
            "--sort",
            help="due (soonest first), retrievability (weakest first), lapses (most first) "
            "or deck (deck order).",
            case_sensitive=False,
        ),
    ] = "deck",
    limit: Annotated[
        int,
        typer.Option(
            "--limit", "-n", min=0, max=MAX_CARDS, help="Show at most this many cards; 0 for all."
        ),
    ] = 50,
    as_json: JsonOption = False,
) -> None:
    """Find cards: a table with state, due, stability, current retrievability and lapses."""
    from stalindeck.clock import utc_now
    from stalindeck.scheduling.settings import load_settings
    from stalindeck.stats.cards import find
    from stalindeck.stats.figures import default_curve
    from stalindeck.store.stats_queries import Scope

    with user_errors():
        store = open_for(ctx)
        now = utc_now()
        rows, total = find(
            store,
            now,
            default_curve(load_settings(store).fsrs_parameters),
            scope=Scope(decks=tuple(deck or ()), tags=tuple(tag or ())),
            state=None if state is None else state.lower(),
            search=search,
            sort=sort.lower(),
            limit=limit,
        )
        if as_json:
            _print_json([_card_json(row) for row in rows])
            return
        from stalindeck.ui.stats_view import cards_table

        console().print(cards_table(rows, total, now))


def card_command(
    ctx: typer.Context,
    card_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="deck-slug/card-key, as `cards` shows.", show_default=False
        ),
    ],
    *,
    unaccept: Annotated[
        str | None,
        typer.Option(
            "--unaccept",
            metavar="ANSWER",
            help="Stop counting ANSWER as right: one you accepted with `a` on the review screen.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """One card: its content, review history, current retrievability and when it will fall
    below the desired retention."""
    from stalindeck.clock import utc_now
    from stalindeck.scheduling.settings import load_settings
    from stalindeck.stats.cards import detail
    from stalindeck.stats.figures import default_curve

    with user_errors():
        store = open_for(ctx)
        if unaccept is not None:
            _unaccept(store, card_id, unaccept)
            return
        now = utc_now()
        settings = load_settings(store)
        curve = default_curve(settings.fsrs_parameters)
        found = detail(store, card_id, now, curve, settings.desired_retention)
        if as_json:
            from stalindeck.store.models import STATE_NAMES

            data = _card_json(found.card)
            data["back"] = found.back
            data["extra"] = found.extra
            data["answer"] = found.answer
            data["accept"] = list(found.accept)
            data["accepted_by_you"] = list(found.yours)
            data["media"] = [{"name": name, "bytes": size} for name, size in found.media]
            data["below_target"] = (
                None
                if found.below_target is None
                else found.below_target.isoformat().replace("+00:00", "Z")
            )
            data["target"] = found.target
            data["history"] = [
                {
                    "reviewed_at": row.reviewed_at.isoformat().replace("+00:00", "Z"),
                    "grade": row.grade,
                    "state_before": STATE_NAMES.get(row.state_before),
                    "state_after": STATE_NAMES.get(row.state_after),
                    "interval_days": row.interval_ms / 86_400_000,
                    "stability": row.stability,
                    "difficulty": row.difficulty,
                    "duration_ms": row.duration_ms,
                }
                for row in found.history
            ]
            _print_json(data)
            return
        from stalindeck.ui.stats_view import card_view

        console().print(card_view(found, now))


def _unaccept(store: Store, ident: str, answer: str) -> None:
    from stalindeck.errors import NotFoundError
    from stalindeck.names import same_answer
    from stalindeck.stats.cards import resolve
    from stalindeck.store.reviews import accepted_answers, forget_accepted
    from stalindeck.ui.safe import clean

    card_id = resolve(store, [ident])[ident]
    yours = accepted_answers(store, [card_id]).get(card_id, ())
    stored = same_answer(answer.strip(), yours)  # as accepted, whatever the case typed now
    if stored is not None and forget_accepted(store, card_id, stored):
        print(f"{clean(stored)!r} no longer counts as right for {clean(ident)}.")
        return
    listed = ", ".join(repr(clean(one)) for one in yours) if yours else "none"
    raise NotFoundError(
        f"{clean(answer.strip())!r} is not an answer you accepted for {clean(ident)} "
        f"(yours: {listed})"
    )


IdsArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="ID", help="Card ids (deck-slug/card-key), as `cards` shows.", show_default=False
    ),
]


def _resolve(ctx: typer.Context, ids: list[str]) -> tuple[Any, list[int]]:
    from stalindeck.stats.cards import resolve

    store = open_for(ctx)
    found = resolve(store, ids)  # every id checked before anything changes
    return store, list(dict.fromkeys(found.values()))


def suspend_command(ctx: typer.Context, ids: IdsArgument) -> None:
    """Suspend cards: they leave every queue until unsuspended (history and state kept)."""
    from stalindeck.store.reviews import set_suspended

    with user_errors():
        store, card_ids = _resolve(ctx, ids)
        changed = set_suspended(store, card_ids, True)
        print(_changed("Suspended", changed, len(card_ids) - changed, "suspended already"))


def unsuspend_command(ctx: typer.Context, ids: IdsArgument) -> None:
    """Unsuspend cards: they come back to the queues as they were."""
    from stalindeck.store.reviews import set_suspended

    with user_errors():
        store, card_ids = _resolve(ctx, ids)
        changed = set_suspended(store, card_ids, False)
        print(_changed("Unsuspended", changed, len(card_ids) - changed, "not suspended"))


def _changed(done: str, changed: int, already: int, state: str) -> str:
    """``Suspended 2 cards.``, and how many needed nothing (``1 was suspended already``)."""
    line = f"{done} {plural(changed, 'card')}"
    if already:
        line += f"; {already} {'was' if already == 1 else 'were'} {state}"
    return line + "."


def reset_command(ctx: typer.Context, ids: IdsArgument) -> None:
    """Put cards back to new (FSRS memory, reps and lapses cleared; the `leech` tag removed).
    Their review history stays in the log; suspension is kept."""
    from stalindeck.store.reviews import reset_cards

    with user_errors():
        store, card_ids = _resolve(ctx, ids)
        reset_cards(store, card_ids)
        print(f"Reset {plural(len(card_ids), 'card')} to new; their past reviews stay in the log.")
