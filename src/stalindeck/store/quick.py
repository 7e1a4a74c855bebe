"""`status`, and `review`'s first question, without SQLAlchemy: a bare sqlite3 connection to a
store that needs nothing done.

`stalindeck status` is meant for a shell prompt. Importing SQLAlchemy alone takes longer than
the whole query, so when the store is a plain SQLite file already at the current schema, with
decks and the profile in place, the counts are read with the standard library. Anything else
(a new store, one to upgrade, another database) returns None and takes the ordinary path.
`review` reads its first card so too (`review.first`), and loads the rest while it is read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple

from stalindeck.scheduling.settings import limits_from_rows
from stalindeck.store.counts import Today, run_today
from stalindeck.store.gather import Run
from stalindeck.store.location import plain_sqlite_file, resolve_url
from stalindeck.store.revision import HEAD_REVISION
from stalindeck.store.settings_store import run_read_settings
from stalindeck.store.values import to_millis

# The bundled decks' files: the decks last imported from each, in use or not, and the digest
# each remembers; with their cards counted, as `deck_sync.unchanged_sources` does on opening
# the store: the same pages read, a damaged one is found here as there.
_BUNDLED = """
SELECT d.path, d.removed_at IS NULL, d.source_digest,
       (SELECT COUNT(*) FROM cards c WHERE c.deck_id = d.id AND NOT c.retired)
FROM decks d WHERE d.path IN ({paths}) ORDER BY d.name
"""
# What line mode shows of a card before the session loads it (`answer_path._LOAD_CARD`'s
# columns), with what `ReviewSession.next_card` checks.
_FIRST_CARD = """
SELECT d.slug, c.key, c.kind, c.front, c.back, c.answer, c.retired, s.suspended, s.buried_until,
       d.name, d.tags, c.tags,
       EXISTS (SELECT 1 FROM anki_notes n WHERE n.deck_id = c.deck_id AND n.note = c.note)
FROM cards c JOIN decks d ON d.id = c.deck_id
JOIN card_states s ON s.card_id = c.id AND s.profile_id = :profile
WHERE c.id = :card
"""


# `queue.deck_spellings`, `queue.tags_in_use` and every deck (removed ones too, as
# `queue.scope_of` reads them), for a review of some decks or tags.
_SPELLINGS = "SELECT slug, name FROM decks WHERE removed_at IS NULL ORDER BY slug"
_TAGS_IN_USE = (
    "SELECT DISTINCT t.tag FROM card_tags t JOIN cards c ON c.id = t.card_id "
    "WHERE NOT c.retired ORDER BY t.tag"
)
_ALL_DECKS = "SELECT id, slug, name FROM decks"


class FirstCard(NamedTuple):
    """What line mode shows of a card as it puts it on screen, and what the review screen's
    first frame needs besides (`from_anki`: the card's Anki note is stored, so its HTML or media
    may be shown: the screen's ordinary path draws it)."""

    deck_slug: str
    key: str
    kind: str
    front: str
    back: str
    answer: str | None
    deck_name: str = ""
    deck_tags: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    from_anki: bool = False


@contextmanager
def ready_store(db: str | None, profile: str) -> Iterator[tuple[Run, int] | None]:
    """A read-only query runner on the store and the profile's id; None when the store needs
    the full machinery: not a plain SQLite file, missing, behind or ahead of this schema, the
    profile not made yet, or no deck imported yet (the first run)."""
    path = plain_sqlite_file(resolve_url(db))
    if path is None or not path.is_file():
        yield None
        return
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        yield None
        return
    try:

        def run(sql: str, params: dict[str, Any]) -> Sequence[Sequence[Any]]:
            return connection.execute(sql, params).fetchall()

        version = run("SELECT version_num FROM alembic_version", {})
        found = run("SELECT id FROM profiles WHERE name = :name", {"name": profile})
        ready = [tuple(row) for row in version] == [(HEAD_REVISION,)] and bool(found)
        ready = ready and bool(run("SELECT 1 FROM decks LIMIT 1", {}))
        yield (run, int(found[0][0])) if ready else None
    finally:
        connection.close()


def quick_status(db: str | None, profile: str, now: datetime) -> Today | None:
    """Today's counts per deck and in all, read on one connection by the review queue's rule;
    None when the store needs the full machinery."""
    try:
        with ready_store(db, profile) as ready:
            if ready is None:
                return None
            run, profile_id = ready
            limits = limits_from_rows(run_read_settings(run, profile_id))
            return run_today(run, profile_id, now, limits)
    except sqlite3.Error:
        return None  # damaged, locked past the timeout, not ours: the full path explains


def bundled_unchanged(run: Run, digests: Mapping[str, str]) -> bool:
    """Whether opening the store would leave the bundled decks as they are: every file of
    theirs (resolved path → digest now) that a deck in use was imported from was imported,
    for each of its decks, with that digest (see `importing.bring_in_bundled`)."""
    if not digests:
        return True
    params = {f"p{index}": path for index, path in enumerate(digests)}
    rows = run(_BUNDLED.format(paths=", ".join(f":{name}" for name in params)), params)
    in_use = {str(path) for path, used, _digest, _cards in rows if used}
    return all(digest == digests[path] for path, _used, digest, _cards in rows if path in in_use)


def first_card(run: Run, profile_id: int, card_id: int, now: datetime) -> FirstCard | None:
    """The card as line mode shows it; None if it is no longer to be shown (retired,
    suspended or buried since the queue was read)."""
    rows = run(_FIRST_CARD, {"profile": profile_id, "card": card_id})
    if not rows:
        return None
    slug, key, kind, front, back, answer, retired, suspended, buried_until = rows[0][:9]
    deck_name, deck_tags, tags, from_anki = rows[0][9:]
    if retired or suspended or (buried_until is not None and buried_until > to_millis(now)):
        return None
    return FirstCard(
        str(slug), str(key), str(kind), str(front), str(back), answer,
        str(deck_name), tuple(str(deck_tags).split()), tuple(str(tags).split()), bool(from_anki),
    )  # fmt: skip


def deck_spellings(run: Run) -> list[tuple[str, str]]:
    """The slug and the name of every deck in use, as `queue.deck_spellings` reads them."""
    return [(str(slug), str(name)) for slug, name in run(_SPELLINGS, {})]


def tags_in_use(run: Run) -> list[str]:
    """The tags of cards in use, as `queue.tags_in_use` reads them."""
    return [str(tag) for (tag,) in run(_TAGS_IN_USE, {})]


def all_decks(run: Run) -> list[tuple[int, str, str]]:
    """Every deck's id, slug and name, removed ones too."""
    return [(int(deck_id), str(slug), str(name)) for deck_id, slug, name in run(_ALL_DECKS, {})]
