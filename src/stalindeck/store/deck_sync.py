"""Writing decks into the store: add new cards, update edited ones, retire vanished ones.

A card's identity is (deck, key); its history hangs off the row id, which an edit never
changes. The whole import is one transaction, so a failure leaves the store as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from stalindeck.decks.model import CardSpec, DeckSpec
from stalindeck.store.engine import writing
from stalindeck.store.models import NEW, Card, CardState, CardTag, Deck, Profile
from stalindeck.store.open import Store

Progress = Callable[[int], None]
_BATCH = 5_000


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


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def sync_decks(
    store: Store,
    decks: Sequence[DeckSpec],
    now: datetime,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> list[DeckChanges]:
    """Bring the store's copy of `decks` in line with the files, in one transaction.

    Args:
        store: the open store.
        decks: validated decks.
        now: the time recorded as created/updated/imported.
        dry_run: compute the changes, then roll everything back.
        progress: called with the number of cards just processed.
    """
    results: list[DeckChanges] = []
    try:
        with writing(store.engine) as connection:
            profiles = list(connection.execute(select(Profile.id)).scalars())
            for deck in decks:
                results.append(_sync_deck(connection, deck, profiles, now, progress))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return results


def _card_values(spec: CardSpec) -> dict[str, Any]:
    return {
        "note": spec.note,
        "kind": spec.kind.value,
        "front": spec.front,
        "back": spec.back,
        "answer": spec.answer,
        "accept": json.dumps(list(spec.accept), ensure_ascii=False),
        "extra": spec.extra,
        "section": spec.section,
        "tags": " ".join(spec.tags),
        "line": spec.line,
        "position": spec.position,
        "content_hash": spec.content_hash(),
        "retired": False,
    }


def _sync_deck(
    connection: Connection,
    deck: DeckSpec,
    profiles: list[int],
    now: datetime,
    progress: Progress | None,
) -> DeckChanges:
    deck_values = {
        "name": deck.name,
        "description": deck.description,
        "source": deck.source,
        "tags": " ".join(deck.tags),
        "path": str(deck.path.resolve()),
        "imported_at": now,
    }
    deck_id = connection.execute(select(Deck.id).where(Deck.slug == deck.slug)).scalar()
    new_deck = deck_id is None
    if deck_id is None:
        deck_id = connection.execute(
            insert(Deck).values(slug=deck.slug, **deck_values).returning(Deck.id)
        ).scalar_one()
    else:
        connection.execute(update(Deck).where(Deck.id == deck_id).values(**deck_values))

    existing = {
        row.key: row
        for row in connection.execute(
            select(
                Card.id, Card.key, Card.content_hash, Card.line, Card.position, Card.retired
            ).where(Card.deck_id == deck_id)
        )
    }
    to_add: list[dict[str, Any]] = []
    to_update: list[dict[str, Any]] = []
    retagged: list[tuple[int, tuple[str, ...]]] = []
    moved: list[dict[str, Any]] = []
    unchanged = 0
    for spec in deck.cards:
        row = existing.get(spec.key)
        if row is None:
            to_add.append(
                {
                    "deck_id": deck_id,
                    "key": spec.key,
                    "created_at": now,
                    "updated_at": now,
                    **_card_values(spec),
                }
            )
        elif row.content_hash != spec.content_hash() or row.retired:
            to_update.append({"card_id": row.id, "updated_at": now, **_card_values(spec)})
            retagged.append((row.id, spec.tags))
        else:
            unchanged += 1
            if (row.line, row.position) != (spec.line, spec.position):
                moved.append({"card_id": row.id, "line": spec.line, "position": spec.position})
    kept = {spec.key for spec in deck.cards}
    retire_ids = [row.id for key, row in existing.items() if key not in kept and not row.retired]

    if to_update:
        _executemany(connection, _update_card_stmt(list(to_update[0])), to_update, progress)
    if moved:
        _executemany(connection, _update_card_stmt(["line", "position"]), moved, progress)
    if retire_ids:
        for start in range(0, len(retire_ids), _BATCH):
            connection.execute(
                update(Card)
                .where(Card.id.in_(retire_ids[start : start + _BATCH]))
                .values(retired=True, updated_at=now)
            )
    if to_add:
        _executemany(connection, insert(Card), to_add, progress)
        added_keys = {values["key"] for values in to_add}
        new_ids = {
            key: card_id
            for card_id, key in connection.execute(
                select(Card.id, Card.key).where(Card.deck_id == deck_id)
            )
            if key in added_keys
        }
        specs = {spec.key: spec for spec in deck.cards}
        retagged.extend((new_ids[key], specs[key].tags) for key in added_keys)
        states = [
            {
                "profile_id": profile_id,
                "card_id": card_id,
                "state": NEW,
                "reps": 0,
                "lapses": 0,
                "suspended": False,
            }
            for card_id in new_ids.values()
            for profile_id in profiles
        ]
        _executemany(connection, insert(CardState), states, None)
    if retagged:
        ids = [card_id for card_id, _ in retagged]
        for start in range(0, len(ids), _BATCH):
            connection.execute(
                delete(CardTag).where(CardTag.card_id.in_(ids[start : start + _BATCH]))
            )
        tag_rows = [{"card_id": card_id, "tag": tag} for card_id, tags in retagged for tag in tags]
        _executemany(connection, insert(CardTag), tag_rows, None)
    if progress is not None and unchanged:
        progress(unchanged - len(moved))
    return DeckChanges(
        slug=deck.slug,
        name=deck.name,
        new_deck=new_deck,
        added=len(to_add),
        updated=len(to_update),
        unchanged=unchanged,
        retired=len(retire_ids),
    )


def _update_card_stmt(columns: list[str]) -> Any:
    values: dict[str, Any] = {
        column: bindparam(column) for column in columns if column != "card_id"
    }
    return update(Card).where(Card.id == bindparam("card_id")).values(**values)


def _executemany(
    connection: Connection, statement: Any, rows: list[dict[str, Any]], progress: Progress | None
) -> None:
    for start in range(0, len(rows), _BATCH):
        chunk = rows[start : start + _BATCH]
        connection.execute(statement, chunk)
        if progress is not None:
            progress(len(chunk))
