"""The first card of a review, found without loading the session's machinery.

Line mode prints a session's first question before SQLAlchemy, Alembic and FSRS are loaded (a
process loading them takes longer than Anki's whole open): when the store needs nothing done
(`store.quick`: a plain SQLite file at this schema, the profile and decks in place, the bundled
decks unchanged), the card `ReviewSession` would show first is chosen here by its own rule
(today's queue from `gather`, what the daily limits and `--limit`/`--new` leave, learning steps
first when due, a review before a new card), with the counts its screen shows. The session is
made after, as ever, and goes on from that card; were it another (the store written in between),
line mode shows that one (see `LineMode`).

Reviewing ahead and a time budget take the ordinary path only.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from stalindeck import names
from stalindeck.decks.files import deck_files, file_digest, import_options
from stalindeck.errors import StalindeckError
from stalindeck.resources import bundled_decks_dir
from stalindeck.review.expected import expected_answer
from stalindeck.scheduling.day import day_end, day_start
from stalindeck.scheduling.settings import limits_from_rows
from stalindeck.store.counts import run_done_today
from stalindeck.store.gather import QueueEntry, Scope, gather
from stalindeck.store.quick import (
    FirstCard,
    all_decks,
    bundled_unchanged,
    deck_spellings,
    first_card,
    ready_store,
    tags_in_use,
)
from stalindeck.store.settings_store import run_read_settings
from stalindeck.store.values import SEPARATOR

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class FirstQuestion(NamedTuple):
    """The first card of a session and what its screen says with it.

    Attributes:
        card_id: the card.
        card: what is shown of it.
        source: the queue it comes from: "new", "learning" or "review".
        counts: new, learning and due cards left, this one counted.
        typed: whether it asks for a typed answer.
    """

    card_id: int
    card: FirstCard
    source: str
    counts: tuple[int, int, int]
    typed: bool


def _bundled_digests() -> dict[str, str]:
    """The bundled deck files as an import of them would see them: resolved path → digest."""
    options = import_options()
    return {
        str(path.resolve()): file_digest(path, options)
        for path in deck_files([bundled_decks_dir()])
    }


def first_question(
    db: str | None,
    profile: str,
    now: datetime,
    *,
    decks: Sequence[str] = (),
    tags: Sequence[str] = (),
    card_limit: int | None = None,
    new_limit: int | None = None,
    force_type: bool = False,
) -> FirstQuestion | None:
    """The card a review of `decks` and `tags` as the student typed them (all when none), with
    no time budget and not ahead, would show `profile` first at `now`, with `--limit`
    `card_limit` and `--new` `new_limit`; None when the store needs the full machinery, a name
    is wrong, or no card is due (the ordinary path says so)."""
    try:
        with ready_store(db, profile) as ready:
            if ready is None:
                return None
            run, profile_id = ready
            if not bundled_unchanged(run, _bundled_digests()):
                return None  # opening the store brings in an upgrade's changes first
            limits = limits_from_rows(run_read_settings(run, profile_id))
            hour = limits.rollover_hour
            done = run_done_today(run, profile_id, day_start(now, hour))
            reviews_left = max(0, limits.reviews_per_day - done.reviews)
            new_left = max(0, limits.new_per_day - done.new)
            scope = Scope(tags=names.tag_names_among(tags_in_use(run), tags) if tags else ())
            if decks:
                chosen = names.deck_slugs_among(deck_spellings(run), decks)
                scope = Scope(deck_ids=_in_decks(all_decks(run), chosen), tags=scope.tags)
            today = gather(
                run,
                profile_id,
                now,
                day_end(now, hour),
                scope,
                reviews_left,
                new_left if new_limit is None else new_limit,
            )
            learning = sorted(
                today.learning, key=lambda entry: (entry.due or _EPOCH, entry.card_id)
            )
            reviews, new = list(today.reviews), list(today.new)
            picked = _pick(
                learning, reviews, new, now, timedelta(minutes=limits.learn_ahead_minutes)
            )
            if picked is None:
                return None
            entry, source = picked
            card = first_card(run, profile_id, entry.card_id, now)
    except (sqlite3.Error, StalindeckError):
        return None  # damaged, locked, a deck file unreadable, a name wrong: the full path says
    if card is None:
        return None
    drawn = 0 if source == "learning" else 1
    left = None if card_limit is None else max(0, card_limit - drawn)
    new_count, review_count = len(new), len(reviews)
    if left is not None:
        review_count = min(review_count, left)
        new_count = min(new_count, left - review_count)
    counts = (
        new_count + (source == "new"),
        len(learning) + (source == "learning"),
        review_count + (source == "review"),
    )
    typed = expected_answer(card, force_type) is not None
    return FirstQuestion(entry.card_id, card, source, counts, typed)


def _pick(
    learning: list[QueueEntry],
    reviews: list[QueueEntry],
    new: list[QueueEntry],
    now: datetime,
    learn_ahead: timedelta,
) -> tuple[QueueEntry, str] | None:
    """`ReviewSession._pick` on a session that has drawn nothing yet, without a time budget
    (`--limit` is at least 1): the chosen card is taken out of its list."""
    first = (learning[0].due or _EPOCH) if learning else None
    if first is not None and first <= now:
        return learning.pop(0), "learning"
    if reviews or new:
        # New cards are spread among the reviews: with none drawn yet, a new card comes first
        # only when every card left is new (`ReviewSession._new_turn`).
        every = max(1, math.ceil((len(new) + len(reviews)) / len(new))) if new else 0
        if new and (not reviews or every == 1):
            return new.pop(0), "new"
        return reviews.pop(0), "review"
    if first is not None and first <= now + learn_ahead:
        return learning.pop(0), "learning"
    return None


def _in_decks(decks: Sequence[tuple[int, str, str]], chosen: Sequence[str]) -> tuple[int, ...]:
    """The ids of the decks (id, slug, name) that are one of `chosen` (by slug or name) or a
    subdeck of one in Anki's tree, sorted: `deck_tree.in_decks`, as `queue.scope_of` uses it."""
    wanted = set(chosen)
    parents = [name for _id, slug, name in decks if slug in wanted or name in wanted]
    prefixes = [value + SEPARATOR for value in (*chosen, *parents)]
    return tuple(
        sorted(
            deck_id
            for deck_id, slug, name in decks
            if slug in wanted or name in wanted or name.startswith(tuple(prefixes))
        )
    )
