"""Decks out as an Anki package (.apkg) that Anki opens, written with genanki.

Each stalindeck note becomes one Anki note: basic cards use a "stalindeck Basic" note type
(Front, Back, Extra, Section), reversed ones "stalindeck Basic (and reversed card)", typed ones
"stalindeck Basic (type in the answer)" (with Answer and Accept fields), typed and reversed ones
"stalindeck Basic (and reversed card, type in the answer)" (the same fields; Anki has no such
type of its own), clozes "stalindeck Cloze" (Text, Back Extra, Section) with the n-th deletion as
``{{cn::...}}``. The note's guid is ``deck-id/note-id``, so importing the package back into
stalindeck finds the same cards. The importer tells a typed note type by the ``{{type:...}}`` of
its first template and a reversed note by its second card, so every one of these comes back as
it went out.

With history, each card's reviews go into Anki's review log and the card gets its current
scheduling state (type, queue, due, interval, reps, lapses and FSRS memory state); a suspended
card is suspended in Anki, a new one too.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import genanki  # type: ignore[import-untyped]

from stalindeck.decks.foreign import digest, text_to_html, to_anki_cloze
from stalindeck.errors import StalindeckError
from stalindeck.exporting import check_output
from stalindeck.store import interop_queries
from stalindeck.store.interop_queries import CardRow, DeckRow, ReviewRow
from stalindeck.store.models import LEARNING, NEW, RELEARNING, REVIEW
from stalindeck.store.open import Store

_CSS = ".card { font-family: arial; font-size: 20px; text-align: center; }"
_EXTRA = "{{#Extra}}<br><br><small>{{Extra}}</small>{{/Extra}}"


def _fields(*names: str) -> list[dict[str, str]]:
    # Fresh dicts for each model: genanki writes each field's "ord" into them.
    return [{"name": name} for name in names]


def _models() -> dict[str, Any]:
    answer = "{{FrontSide}}<hr id=answer>{{Back}}" + _EXTRA
    typed_card = {  # the typed note types' first card: the answer to the front, typed
        "name": "Card 1",
        "qfmt": "{{Front}}<br><br>{{type:Answer}}",
        "afmt": "{{Front}}<hr id=answer>{{type:Answer}}<br>{{Back}}" + _EXTRA,
    }
    return {
        "basic": genanki.Model(
            1_607_392_311,
            "stalindeck Basic",
            fields=_fields("Front", "Back", "Extra", "Section"),
            templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": answer}],
            css=_CSS,
        ),
        "reverse": genanki.Model(
            1_607_392_312,
            "stalindeck Basic (and reversed card)",
            fields=_fields("Front", "Back", "Extra", "Section"),
            templates=[
                {"name": "Card 1", "qfmt": "{{Front}}", "afmt": answer},
                {
                    "name": "Card 2",
                    "qfmt": "{{Back}}",
                    "afmt": "{{FrontSide}}<hr id=answer>{{Front}}" + _EXTRA,
                },
            ],
            css=_CSS,
        ),
        "typed": genanki.Model(
            1_607_392_313,
            "stalindeck Basic (type in the answer)",
            fields=_fields("Front", "Back", "Answer", "Accept", "Extra", "Section"),
            templates=[
                typed_card,
            ],
            css=_CSS,
        ),
        "typed-reverse": genanki.Model(
            1_607_392_316,
            "stalindeck Basic (and reversed card, type in the answer)",
            fields=_fields("Front", "Back", "Answer", "Accept", "Extra", "Section"),
            templates=[
                typed_card,
                {
                    # The front is the answer to type: shown once, in the comparison.
                    "name": "Card 2",
                    "qfmt": "{{Back}}<br><br>{{type:Front}}",
                    "afmt": "{{Back}}<hr id=answer>{{type:Front}}" + _EXTRA,
                },
            ],
            css=_CSS,
        ),
        "cloze": genanki.Model(
            1_607_392_314,
            "stalindeck Cloze",
            fields=_fields("Text", "Back Extra", "Section"),
            templates=[
                {
                    "name": "Cloze",
                    "qfmt": "{{cloze:Text}}",
                    "afmt": "{{cloze:Text}}<br>{{Back Extra}}",
                }
            ],
            css=_CSS,
            model_type=genanki.Model.CLOZE,
        ),
        "typed-cloze": genanki.Model(
            1_607_392_315,
            "stalindeck Cloze (type in the answer)",
            fields=_fields("Text", "Back Extra", "Section"),
            templates=[
                {
                    "name": "Cloze",
                    "qfmt": "{{cloze:Text}}<br>{{type:cloze:Text}}",
                    "afmt": "{{cloze:Text}}<br>{{type:cloze:Text}}<br>{{Back Extra}}",
                }
            ],
            css=_CSS,
            model_type=genanki.Model.CLOZE,
        ),
    }


@dataclass(frozen=True, slots=True)
class Exported:
    """What was written."""

    decks: int
    notes: int
    cards: int
    reviews: int


def export_apkg(
    store: Store, names: Sequence[str], output: Path, *, with_history: bool, force: bool
) -> Exported:
    """Write the decks named by `names` (all when empty) to an .apkg at `output`.

    The file appears only once complete; an existing one is replaced only with `force`.

    Raises:
        NotFoundError: a deck name matches no deck.
        StalindeckError: nothing to export, or the file cannot be written.
    """
    from stalindeck.errors import NotFoundError
    from stalindeck.names import deck_slugs

    decks, missing = interop_queries.find_decks(store, deck_slugs(store, names))
    if missing:
        raise NotFoundError(f"no deck {missing[0]!r}; `stalindeck decks` lists them")
    if not decks:
        raise StalindeckError("there are no decks to export; import one first")
    check_output(output, force)
    models = _models()
    package_decks = []
    placed: dict[tuple[str, int], CardRow] = {}  # (guid, ord) -> card
    notes = cards = 0
    all_cards: list[CardRow] = []
    for deck in decks:
        anki_deck = genanki.Deck(int(digest(deck.slug, 4), 16) | 1 << 32, deck.name)
        anki_deck.description = deck.description
        for note_cards in _by_note(interop_queries.deck_cards(store, deck.id)):
            note, ordinals = _note(deck, note_cards, models)
            anki_deck.add_note(note)
            notes += 1
            cards += len(note_cards)
            for card, ordinal in zip(note_cards, ordinals, strict=True):
                placed[(note.guid, ordinal)] = card
            all_cards.extend(note_cards)
        package_decks.append(anki_deck)
    reviews = (
        interop_queries.card_reviews(store, [card.id for card in all_cards]) if with_history else []
    )
    _write(genanki.Package(package_decks), output, placed, reviews, with_history)
    return Exported(decks=len(decks), notes=notes, cards=cards, reviews=len(reviews))


def _by_note(cards: list[CardRow]) -> list[list[CardRow]]:
    grouped: dict[str, list[CardRow]] = {}
    for card in cards:
        grouped.setdefault(card.note, []).append(card)
    return list(grouped.values())


def _note(deck: DeckRow, cards: list[CardRow], models: dict[str, Any]) -> tuple[Any, list[int]]:
    """The Anki note for one stalindeck note, and each card's Anki ordinal."""
    first = cards[0]
    guid = f"{deck.slug}/{first.note}"
    tags = list(first.tags)  # deck tags included, in the order the cards have them
    extra, section = text_to_html(first.extra), text_to_html(first.section)
    if first.kind == "cloze":
        text = _cloze_source(cards)
        model = models["typed-cloze" if first.answer is not None else "cloze"]
        fields = [to_anki_cloze(text), extra, section]
        ordinals = [int(card.key.rsplit("/c", 1)[1]) - 1 for card in cards]
    else:
        basic = next((card for card in cards if card.kind == "basic"), first)
        reverse = any(card.kind == "reverse" for card in cards)
        front, back = text_to_html(basic.front), text_to_html(basic.back)
        if basic.answer is not None:
            model = models["typed-reverse" if reverse else "typed"]
            accept = text_to_html("\n".join(basic.accept))
            fields = [front, back, text_to_html(basic.answer), accept, extra, section]
        else:
            model = models["reverse" if reverse else "basic"]
            fields = [front, back, extra, section]
        ordinals = [1 if card.kind == "reverse" else 0 for card in cards]
    note = genanki.Note(model=model, fields=fields, tags=tags, guid=guid)
    return note, ordinals


def _cloze_source(cards: list[CardRow]) -> str:
    """The cloze text, ``{{...}}`` deletions and all, rebuilt from the cards."""
    from stalindeck.decks.toml_writer import cloze_text

    return cloze_text([(card.front, card.back) for card in cards]) or cards[0].back


def _write(
    package: Any,
    output: Path,
    placed: dict[tuple[str, int], CardRow],
    reviews: list[ReviewRow],
    with_history: bool,
) -> None:
    partial = output.with_name(f".{output.name}.partial")
    handle, database_path = tempfile.mkstemp(prefix="stalindeck-apkg-", suffix=".anki2")
    os.close(handle)
    try:
        connection = sqlite3.connect(database_path)
        try:
            cursor = connection.cursor()
            timestamp = time.time()
            package.write_to_db(cursor, timestamp, itertools.count(int(timestamp * 1000)))
            # genanki's collection says nothing of its scheduler, so Anki takes it for the v1
            # scheduler and remaps the grades of learning reviews (Good would become Easy).
            (conf,) = cursor.execute("SELECT conf FROM col").fetchone()
            cursor.execute(
                "UPDATE col SET conf = ?", (json.dumps({**json.loads(conf), "schedVer": 2}),)
            )
            if with_history:
                _add_history(cursor, placed, reviews)
            connection.commit()
        finally:
            connection.close()
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(database_path, "collection.anki2")
            archive.writestr("media", "{}")
        os.replace(partial, output)
    except OSError as error:
        raise StalindeckError(f"cannot write {output}: {error.strerror or error}") from error
    finally:
        partial.unlink(missing_ok=True)
        Path(database_path).unlink(missing_ok=True)


_ANKI_TYPE = {NEW: 0, LEARNING: 1, REVIEW: 2, RELEARNING: 3}
_REVLOG_TYPE = {NEW: 0, LEARNING: 0, REVIEW: 1, RELEARNING: 2}


def _interval(start: datetime | None, end: datetime | None) -> int:
    """Anki's interval: days when a day or more, else negative seconds."""
    if start is None or end is None:
        return 0
    seconds = (end - start).total_seconds()
    return round(seconds / 86400) if seconds >= 86400 else -max(int(seconds), 1)


def _add_history(
    cursor: sqlite3.Cursor,
    placed: dict[tuple[str, int], CardRow],
    reviews: list[ReviewRow],
) -> None:
    (created,) = cursor.execute("SELECT crt FROM col").fetchone()
    anki_ids: dict[int, int] = {}
    for cid, guid, ordinal in cursor.execute(
        "SELECT cards.id, notes.guid, cards.ord FROM cards JOIN notes ON notes.id = cards.nid"
    ).fetchall():
        card = placed.get((guid, ordinal))
        if card is None:
            continue
        anki_ids[card.id] = cid
        if card.state == NEW or card.due is None:
            if card.suspended:
                cursor.execute("UPDATE cards SET queue = -1 WHERE id = ?", (cid,))
            continue
        due_seconds = int(card.due.timestamp())
        if card.state == REVIEW:
            due = (due_seconds - created) // 86400
            queue = 2
        else:
            due = due_seconds
            queue = 1
        memory = {"s": card.stability, "d": card.difficulty, "dr": 0.9}
        if card.last_review is not None:
            memory["lrt"] = int(card.last_review.timestamp())
        cursor.execute(
            "UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, factor = 2500, reps = ?, "
            "lapses = ?, data = ? WHERE id = ?",
            (
                _ANKI_TYPE[card.state],
                -1 if card.suspended else queue,
                due,
                max(_interval(card.last_review, card.due), 0),
                card.reps,
                card.lapses,
                json.dumps(memory),
                cid,
            ),
        )
    used: set[int] = set()
    last_interval: dict[int, int] = {}
    rows = []
    for review in reviews:
        cid = anki_ids.get(review.card_id)
        if cid is None:
            continue
        rid = int(review.reviewed_at.astimezone(UTC).timestamp() * 1000)
        while rid in used:
            rid += 1
        used.add(rid)
        interval = _interval(review.reviewed_at, review.due_after)
        rows.append(
            (
                rid,
                cid,
                -1,
                review.grade,
                interval,
                last_interval.get(cid, 0),
                2500 if review.state_before in (REVIEW, RELEARNING) else 0,
                min(review.duration_ms, 60_000),
                _REVLOG_TYPE.get(review.state_before, 0),
            )
        )
        last_interval[cid] = interval
    cursor.executemany("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
