"""Writing decks into the store: add new cards, update edited ones, retire vanished ones.

A card's identity is (deck, key); its history hangs off the row id, which an edit never
changes. The whole import is one transaction, so a failure leaves the store as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, delete, insert, select, text, update

from stalindeck.decks.model import (
    STORED_COLUMNS,
    AnkiNoteSpec,
    DeckSpec,
    StoredRow,
    stored_rows,
)
from stalindeck.errors import StalindeckError
from stalindeck.store.engine import placeholder, reading, writing
from stalindeck.store.models import (
    NEW,
    AnkiNote,
    AnkiNotetype,
    Card,
    Deck,
    MediaFile,
    Profile,
    to_millis,
)
from stalindeck.store.open import Store

Progress = Callable[[int], None]
_BATCH = 5_000
# Rows in one multi-row INSERT, and the placeholders a statement may hold: SQLite allows
# 32,766 since 3.32 (2020), PostgreSQL 65,535.
_ROWS_PER_INSERT = 1_000
_MAX_PARAMETERS = 32_766


@dataclass(frozen=True, slots=True)
class DeckChanges:
    """What an import did (or, in a dry run, would do) to one deck."""

    slug: str
    name: str
    new_deck: bool
    added: int
    updated: int
    unchanged: int
    retired: int
    restored: int = 0  # retired cards back in use, edited or not (not counted in `updated`)


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


class SourceClash(StalindeckError):
    """A file would take over a deck another file fills, retiring its cards; nothing was
    imported."""


def sync_decks(
    store: Store,
    decks: Sequence[DeckSpec],
    now: datetime,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    after: Callable[[Connection], None] | None = None,
    digests: Mapping[str, str] | None = None,
    replace: bool = False,
) -> list[DeckChanges]:
    """Bring the store's copy of `decks` in line with the files, in one transaction.

    Args:
        store: the open store.
        decks: validated decks.
        now: the time recorded as created/updated/imported.
        dry_run: compute the changes, then roll everything back.
        progress: called with the number of cards just processed.
        after: more writing to do in the same transaction once the cards are in.
        digests: for each source file (resolved path), the digest to remember on its decks.
        replace: let a file of another name take over a deck, retiring the cards it lacks.

    Raises:
        SourceClash: without `replace`, a deck in use was last imported from a file of another
            name, and this one lacks some of its cards (a copied template, two spreadsheets
            given one deck name): nothing is imported.
    """
    results: list[DeckChanges] = []
    try:
        with writing(store.engine) as connection:
            profiles = list(connection.execute(select(Profile.id)).scalars())
            for deck in decks:
                digest = (digests or {}).get(str(deck.path.resolve()))
                results.append(
                    _sync_deck(connection, deck, profiles, now, progress, digest, replace)
                )
            if after is not None:
                after(connection)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return results


# The columns an import writes for each card: rows of `STORED_COLUMNS` (the key first).
_CARD_COLUMNS = STORED_COLUMNS[1:]
_TAGS: Final = 9  # STORED_COLUMNS.index("tags"): space-separated, as stored
_ID, _RETIRED = len(STORED_COLUMNS), len(STORED_COLUMNS) + 1  # of a stored row read back


def _sync_deck(
    connection: Connection,
    deck: DeckSpec,
    profiles: list[int],
    now: datetime,
    progress: Progress | None,
    digest: str | None = None,
    replace: bool = False,
) -> DeckChanges:
    deck_values = {
        "source_digest": digest,
        "name": deck.name,
        "description": deck.description,
        "source": deck.source,
        "tags": " ".join(deck.tags),
        "path": str(deck.path.resolve()),
        "imported_at": now,
        "removed_at": None,  # importing a removed deck's file brings it back
    }
    found = connection.execute(
        select(Deck.id, Deck.name, Deck.path, Deck.removed_at).where(Deck.slug == deck.slug)
    ).first()
    deck_id = None if found is None else found.id
    new_deck = deck_id is None
    if deck_id is None:
        deck_id = connection.execute(
            insert(Deck).values(slug=deck.slug, **deck_values).returning(Deck.id)
        ).scalar_one()
    else:
        connection.execute(update(Deck).where(Deck.id == deck_id).values(**deck_values))

    # Bulk work goes straight to the driver: building SQLAlchemy parameters (or rows) for
    # 100,000 cards cost more than SQLite's own work. A card is edited when the text the
    # store holds differs from the file's: comparing the columns is cheaper than hashing.
    mark = placeholder(connection)
    now_ms = to_millis(now)
    # Plain tuples from the driver: SQLAlchemy's rows cost a quarter more for 100,000 cards.
    raw: Any = connection.connection.driver_connection
    fetched: list[tuple[Any, ...]] = raw.execute(
        f"SELECT {', '.join(STORED_COLUMNS)}, id, retired FROM cards WHERE deck_id = {mark}",
        (deck_id,),
    ).fetchall()
    existing = {old[0]: old for old in fetched}
    # A row of the file equal to an active card's stored row is unchanged: one set lookup per
    # card (in C) leaves Python only the few cards an edit touched.
    same = {old[:_ID] for old in fetched if not old[_RETIRED]}
    rows = stored_rows(deck.cards)
    to_add: list[StoredRow] = [] if existing else rows  # a new deck's cards are all new
    to_update: list[tuple[Any, ...]] = []
    retagged: list[tuple[int, Sequence[str]]] = []
    moved: list[tuple[int, int, int]] = []
    restored = 0
    for row in [row for row in rows if row not in same] if existing else ():
        old = existing.get(row[0])
        if old is None:
            to_add.append(row)
        elif old[1:10] != row[1:10] or old[_RETIRED]:  # 1:10: the content
            to_update.append((*row[1:], old[_ID]))
            retagged.append((old[_ID], row[_TAGS].split()))
            restored += bool(old[_RETIRED])
        else:  # the same card, at another line or place in the deck
            moved.append((*row[-2:], old[_ID]))
    unchanged = len(rows) - len(to_add) - len(to_update)  # moved cards included
    kept = {row[0] for row in rows} if existing else set()
    retire_ids = [
        old[_ID] for old in fetched if old[0] not in kept and not old[_RETIRED] and deck.whole
    ]
    if retire_ids and not replace and found is not None and found.path and not found.removed_at:
        _check_source(deck, found.name, Path(found.path), len(retire_ids))

    def many(sql: str, rows: Sequence[tuple[Any, ...]], report: bool = True) -> None:
        _executemany(connection, sql, rows, progress if report else None)

    # The time and flags every written row shares are literals (integers of ours, not input).
    assignments = ", ".join(f"{column} = {mark}" for column in _CARD_COLUMNS)
    if to_update:
        many(
            f"UPDATE cards SET {assignments}, retired = FALSE, updated_at = {now_ms} "
            f"WHERE id = {mark}",
            to_update,
        )
    if moved:
        many(f"UPDATE cards SET line = {mark}, position = {mark} WHERE id = {mark}", moved)
    if retire_ids:
        many(
            f"UPDATE cards SET retired = TRUE, updated_at = {now_ms} WHERE id = {mark}",
            [(card_id,) for card_id in retire_ids],
            report=False,
        )
    if retagged:
        many(
            f"DELETE FROM card_tags WHERE card_id = {mark}",
            [(card_id,) for card_id, _tags in retagged],
            report=False,
        )
    if to_add:
        # In key order, the unique (deck, key) index grows at its end instead of splitting
        # pages all over: hashed keys (CSV rows, packages) otherwise arrive in random order.
        to_add.sort(key=itemgetter(0))
        new_ids = _insert_cards(connection, mark, deck_id, to_add, now_ms, progress)
        if connection.dialect.name == "sqlite" and _consecutive(new_ids):
            _tag_new_cards(connection, mark, new_ids, to_add)
        else:
            retagged.extend(
                (card_id, row[_TAGS].split()) for card_id, row in zip(new_ids, to_add, strict=True)
            )
        _insert_states(connection, mark, new_ids, profiles, many)
    if retagged:
        _insert_values(
            connection,
            "INSERT INTO card_tags (card_id, tag) VALUES ",
            f"({mark}, {mark})",
            [(card_id, tag) for card_id, tags in retagged for tag in tags],
        )
    if progress is not None and unchanged:
        progress(unchanged - len(moved))
    if deck.anki_notes:
        _write_anki_notes(connection, deck_id, deck.anki_notes)
    if deck.media:
        _write_media(connection, deck.media)
    return DeckChanges(
        slug=deck.slug,
        name=deck.name,
        new_deck=new_deck,
        added=len(to_add),
        updated=len(to_update) - restored,
        unchanged=unchanged,
        retired=len(retire_ids),
        restored=restored,
    )


def _write_anki_notes(connection: Connection, deck_id: int, notes: Sequence[AnkiNoteSpec]) -> None:
    """Keep what the package said of its notes (and their note types) for the export back."""
    notetypes = {note.notetype.anki_id: note.notetype for note in notes}
    type_ids = list(notetypes)
    for start in range(0, len(type_ids), _BATCH):
        connection.execute(
            delete(AnkiNotetype).where(AnkiNotetype.anki_id.in_(type_ids[start : start + _BATCH]))
        )
    connection.execute(
        insert(AnkiNotetype),
        [
            {"anki_id": nt.anki_id, "name": nt.name, "definition": nt.definition}
            for nt in notetypes.values()
        ],
    )
    keys = [note.note for note in notes]
    for start in range(0, len(keys), _BATCH):
        connection.execute(
            delete(AnkiNote).where(
                AnkiNote.deck_id == deck_id, AnkiNote.note.in_(keys[start : start + _BATCH])
            )
        )
    rows = [
        {
            "deck_id": deck_id,
            "note": note.note,
            "guid": note.guid,
            "notetype_id": note.notetype.anki_id,
            "fields": json.dumps(list(note.fields), ensure_ascii=False),
            "content": note.content,
        }
        for note in notes
    ]
    for start in range(0, len(rows), _BATCH):
        connection.execute(insert(AnkiNote), rows[start : start + _BATCH])


def _write_media(connection: Connection, media: Sequence[tuple[str, bytes]]) -> None:
    """Keep a package's media files, by name (a file of the same name is replaced: Anki's
    names are the files' identities)."""
    names = [name for name, _ in media]
    for start in range(0, len(names), _BATCH):
        connection.execute(
            delete(MediaFile).where(MediaFile.name.in_(names[start : start + _BATCH]))
        )
    for name, data in media:
        connection.execute(insert(MediaFile).values(name=name, data=data, size=len(data)))


def _check_source(deck: DeckSpec, name: str, source: Path, retiring: int) -> None:
    """Refuse a file of another name taking over a deck in use (see `sync_decks`); a file of
    the same name is the deck's own, moved."""
    if source.name == deck.path.name:
        return
    raise SourceClash(
        f"{deck.path.name}: the deck id {deck.slug!r} belongs to the deck {name!r}, last "
        f"imported from {source}; this file lacks {retiring} of its cards, which would be "
        "retired (their history kept). Give this deck an id of its own (the TOML `id`, or "
        "`--deck NAME`), "
        "or pass --replace to make this file its source; nothing was imported"
    )


def _insert_cards(
    connection: Connection,
    mark: str,
    deck_id: int,
    rows: list[StoredRow],
    now_ms: int,
    progress: Progress | None,
) -> list[int]:
    """Insert new cards (rows of `STORED_COLUMNS`); their ids, in the order of `rows`."""
    # The import holds the write lock (BEGIN IMMEDIATE), and SQLite numbers each new row one
    # past the largest id: the new ids are known without reading 100,000 keys back.
    first = int(
        connection.exec_driver_sql("SELECT COALESCE(MAX(id), 0) + 1 FROM cards").scalar_one()
    )
    _insert_values(
        connection,
        f"INSERT INTO cards ({', '.join(STORED_COLUMNS)}, deck_id, retired, created_at, "
        "updated_at) VALUES ",
        f"({', '.join([mark] * len(STORED_COLUMNS))}, {deck_id}, FALSE, {now_ms}, {now_ms})",
        rows,
        progress,
    )
    # n rows numbered from `first` and ending at first + n - 1 took exactly those ids, in order.
    last = connection.exec_driver_sql("SELECT MAX(id) FROM cards").scalar_one()
    if connection.dialect.name == "sqlite" and last == first + len(rows) - 1:
        return list(range(first, first + len(rows)))
    found: dict[str, int] = dict(
        connection.exec_driver_sql(
            f"SELECT key, id FROM cards WHERE deck_id = {mark}", (deck_id,)
        ).all()
    )
    return [int(found[row[0]]) for row in rows]


def _executemany(
    connection: Connection,
    sql: str,
    rows: Sequence[tuple[Any, ...]],
    progress: Progress | None = None,
) -> None:
    """`sql` once per row, through the driver's `executemany`, a batch at a time."""
    for start in range(0, len(rows), _BATCH):
        chunk = list(rows[start : start + _BATCH])
        connection.exec_driver_sql(sql, chunk)
        if progress is not None:
            progress(len(chunk))


def _insert_values(
    connection: Connection,
    head: str,
    values: str,
    rows: Sequence[tuple[Any, ...]],
    progress: Progress | None = None,
) -> None:
    """``head`` (an INSERT up to VALUES) for `rows`: on SQLite hundreds of rows to a statement.

    `values` is one row's placeholders. On SQLite a statement that inserts many rows binds its
    values in one call and runs once: `executemany` pays a bind call and a step per row, which
    for 100,000 cards cost more than SQLite's own work of storing them.
    """
    if not rows:
        return
    if connection.dialect.name != "sqlite":
        # psycopg sends `executemany` rows in one pipeline, but parses a statement's
        # placeholders again on each execution: there one row to a statement is faster.
        _executemany(connection, head + values, rows, progress)
        return
    width = len(rows[0])
    per = max(1, min(_ROWS_PER_INSERT, _MAX_PARAMETERS // width))
    statement = head + ", ".join([values] * per)
    for start in range(0, len(rows), per):
        some = rows[start : start + per]
        sql = statement if len(some) == per else head + ", ".join([values] * len(some))
        connection.exec_driver_sql(sql, tuple(chain.from_iterable(some)))
        if progress is not None:
            progress(len(some))


def _consecutive(card_ids: list[int]) -> bool:
    """Whether the ids run one after another (always so for new cards on SQLite)."""
    return card_ids == list(range(card_ids[0], card_ids[0] + len(card_ids)))


def _tag_new_cards(
    connection: Connection, mark: str, card_ids: list[int], rows: list[StoredRow]
) -> None:
    """The tag rows of new cards with consecutive ids, made by SQL from their tags text
    (SQLite: its temporary tables are the connection's own, rolled back with the import).

    A deck has few distinct tag lists (a 100,000-row spreadsheet, often ten): each list is
    split once into a temporary table, and one statement joins it to the new cards. Binding
    a (card, tag) pair per tag cost twice as much.
    """
    pairs = [(listed, tag) for listed in {row[_TAGS] for row in rows} for tag in listed.split()]
    if not pairs:
        return
    connection.exec_driver_sql(
        "CREATE TEMP TABLE import_tags (tags TEXT, tag TEXT, PRIMARY KEY (tags, tag)) WITHOUT ROWID"
    )
    _insert_values(
        connection, "INSERT OR IGNORE INTO temp.import_tags (tags, tag) VALUES ", "(?, ?)", pairs
    )
    connection.exec_driver_sql(
        "INSERT INTO card_tags (card_id, tag) SELECT c.id, t.tag FROM cards c "
        f"CROSS JOIN temp.import_tags t ON t.tags = c.tags WHERE c.id BETWEEN {mark} AND {mark}",
        (card_ids[0], card_ids[-1]),
    )
    connection.exec_driver_sql("DROP TABLE temp.import_tags")


def _insert_states(
    connection: Connection,
    mark: str,
    card_ids: list[int],
    profiles: list[int],
    many: Callable[..., None],
) -> None:
    """Every profile starts the new cards `card_ids` as new."""
    columns = "profile_id, card_id, state, reps, lapses, suspended"
    if _consecutive(card_ids):
        # Consecutive ids (always, on SQLite): one statement, no row crosses into Python.
        connection.exec_driver_sql(
            f"INSERT INTO card_states ({columns}) SELECT p.id, c.id, {NEW}, 0, 0, FALSE "
            f"FROM cards c CROSS JOIN profiles p WHERE c.id BETWEEN {mark} AND {mark}",
            (card_ids[0], card_ids[-1]),
        )
        return
    many(
        f"INSERT INTO card_states ({columns}) VALUES ({mark}, {mark}, {NEW}, 0, 0, FALSE)",
        [(profile_id, card_id) for card_id in card_ids for profile_id in profiles],
        report=False,
    )


def unchanged_sources(store: Store, digests: Mapping[str, str]) -> dict[str, list[DeckChanges]]:
    """The source files whose every deck was last imported from that file with that digest,
    with what re-importing them would report: every active card unchanged."""
    if not digests:
        return {}
    placeholders = ", ".join(f":p{index}" for index in range(len(digests)))
    params = {f"p{index}": path for index, path in enumerate(digests)}
    query = text(
        "SELECT d.path, d.slug, d.name, d.source_digest, "
        "(SELECT COUNT(*) FROM cards c WHERE c.deck_id = d.id AND NOT c.retired) "
        f"FROM decks d WHERE d.path IN ({placeholders}) ORDER BY d.name"
    )
    found: dict[str, list[DeckChanges]] = {}
    stale: set[str] = set()
    with reading(store.engine) as connection:
        for path, slug, name, digest, cards in connection.execute(query, params):
            if digest != digests[path]:
                stale.add(path)
            found.setdefault(path, []).append(
                DeckChanges(
                    slug=slug,
                    name=name,
                    new_deck=False,
                    added=0,
                    updated=0,
                    unchanged=int(cards),
                    retired=0,
                )
            )
    return {path: changes for path, changes in found.items() if path not in stale}


@dataclass(frozen=True, slots=True)
class RemovedDeck:
    """A deck `remove_decks` took out of use."""

    slug: str
    name: str
    path: str  # the file it was last imported from
    cards: int  # its cards in use until then, now retired


def remove_decks(store: Store, names: Sequence[str], now: datetime) -> list[RemovedDeck]:
    """Take the decks named (id or name) out of use for every profile, in one transaction:
    their cards are retired (states and history kept) and the decks marked removed, so lists,
    queues and figures leave them out. Importing a deck's file again brings it back, history
    and all (the file's digest is forgotten, so it is read again). A name that matches no deck
    in use is passed over: callers check the names first (`names.deck_slugs`).
    """
    with writing(store.engine) as connection:
        decks = connection.execute(
            select(Deck.id, Deck.slug, Deck.name, Deck.path).where(Deck.removed_at.is_(None))
        ).all()
        chosen = [deck for deck in decks if deck.slug in names or deck.name in names]
        removed = []
        for deck in chosen:
            retired = connection.execute(
                update(Card)
                .where(Card.deck_id == deck.id, Card.retired.is_(False))
                .values(retired=True, updated_at=now)
            ).rowcount
            connection.execute(
                update(Deck).where(Deck.id == deck.id).values(removed_at=now, source_digest=None)
            )
            removed.append(RemovedDeck(deck.slug, deck.name, deck.path, int(retired)))
    return removed


def deck_names_from(store: Store, path: Path) -> list[str]:
    """The names of the decks in use last imported from the file at `path`."""
    query = text("SELECT name FROM decks WHERE path = :path AND removed_at IS NULL ORDER BY name")
    with reading(store.engine) as connection:
        return [row[0] for row in connection.execute(query, {"path": str(path.resolve())})]
