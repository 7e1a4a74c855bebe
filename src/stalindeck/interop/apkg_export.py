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
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import genanki  # type: ignore[import-untyped]

from stalindeck.decks.foreign import digest, media_names, text_to_html, to_anki_cloze
from stalindeck.decks.model import note_digest
from stalindeck.errors import StalindeckError
from stalindeck.exporting import check_output
from stalindeck.scheduling.day import study_date
from stalindeck.scheduling.settings import Settings
from stalindeck.stats.days import start_of
from stalindeck.store import interop_queries
from stalindeck.store.interop_queries import AnkiNoteRow, CardRow, DeckRow, ReviewRow
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


# Anki's own note types, field for field and template for template (rslib/src/notetype/
# stock.rs): a note that needs nothing more goes out in one of them, so it reads in Anki as
# the teacher's own notes do, and merges with her note type of that shape when the store
# holds it (from a package she exported).
_ANSWER = "{{FrontSide}}\n\n<hr id=answer>\n\n"
STOCK: dict[str, tuple[str, tuple[str, ...], tuple[tuple[str, str, str], ...]]] = {
    "basic": ("Basic", ("Front", "Back"), (("Card 1", "{{Front}}", _ANSWER + "{{Back}}"),)),
    "reverse": (
        "Basic (and reversed card)",
        ("Front", "Back"),
        (
            ("Card 1", "{{Front}}", _ANSWER + "{{Back}}"),
            ("Card 2", "{{Back}}", _ANSWER + "{{Front}}"),
        ),
    ),
    "typed": (
        "Basic (type in the answer)",
        ("Front", "Back"),
        (
            (
                "Card 1",
                "{{Front}}\n\n{{type:Back}}",
                "{{Front}}\n\n<hr id=answer>\n\n{{type:Back}}",
            ),
        ),
    ),
    "cloze": (
        "Cloze",
        ("Text", "Back Extra"),
        (("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Back Extra}}"),),
    ),
}
_STOCK_IDS = {
    "basic": 1_607_392_321,
    "reverse": 1_607_392_322,
    "typed": 1_607_392_323,
    "cloze": 1_607_392_324,
}
_STOCK_CSS = (
    ".card {\n    font-family: arial;\n    font-size: 20px;\n    line-height: 1.5;\n"
    "    text-align: center;\n    color: black;\n    background-color: white;\n}\n"
)


def _stock_models(kept_models: _KeptModels) -> dict[str, Any]:
    """Anki's own note types by shape: the teacher's (kept from a package) where the store
    has one of that shape, else ours of the same shape."""
    found: dict[str, Any] = {}
    for shape, (name, fields, templates) in STOCK.items():
        own = kept_models.of_shape(fields, templates)
        found["stock-" + shape] = own or genanki.Model(
            _STOCK_IDS[shape],
            name,
            fields=_fields(*fields),
            templates=[{"name": n, "qfmt": q, "afmt": a} for n, q, a in templates],
            css=_STOCK_CSS,
            model_type=genanki.Model.CLOZE if shape == "cloze" else genanki.Model.FRONT_BACK,
        )
    return found


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
    from stalindeck.scheduling.settings import load_settings

    kept_models = _KeptModels(store)
    models = {**_models(), **_stock_models(kept_models)}
    package_decks = []
    media: set[str] = set()  # the media files the notes show
    placed: dict[tuple[str, int], CardRow] = {}  # (guid, ord) -> card
    notes = cards = 0
    all_cards: list[CardRow] = []
    for deck in decks:
        anki_deck = genanki.Deck(int(digest(deck.slug, 4), 16) | 1 << 32, deck.name)
        anki_deck.description = deck.description
        from_anki = interop_queries.anki_notes(store, deck.id)
        for note_cards in _by_note(interop_queries.deck_cards(store, deck.id)):
            original = from_anki.get(note_cards[0].note)
            made = None if original is None else _kept_note(original, note_cards, kept_models)
            if made is not None and original is not None:
                media.update(name for field in original.fields for name in media_names(field))
            if made is None:
                made = _note(deck, note_cards, models, original.guid if original else None)
            note, ordinals = made
            anki_deck.add_note(note)
            notes += 1
            cards += len(note_cards)
            for card, ordinal in zip(note_cards, ordinals, strict=True):
                # Two cards here may be one card in Anki (two deletions numbered alike).
                placed.setdefault((note.guid, ordinal), card)
            all_cards.extend(note_cards)
        package_decks.append(anki_deck)
    reviews = (
        interop_queries.card_reviews(store, [card.id for card in all_cards]) if with_history else []
    )
    days = _Days(load_settings(store))
    files = interop_queries.media_files(store, media)
    _write(
        genanki.Package(package_decks),
        output,
        placed,
        reviews,
        with_history,
        days,
        kept_models,
        files,
    )
    return Exported(decks=len(decks), notes=notes, cards=cards, reviews=len(reviews))


def _by_note(cards: list[CardRow]) -> list[list[CardRow]]:
    grouped: dict[str, list[CardRow]] = {}
    for card in cards:
        grouped.setdefault(card.note, []).append(card)
    return list(grouped.values())


class _KeptModels:
    """The note types packages brought (`models.AnkiNotetype`) as genanki models, made once
    each, with the modification time each had in Anki."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._made: dict[int, tuple[Any, dict[str, Any]] | None] = {}
        self.mods: dict[int, int] = {}

    def get(self, anki_id: int) -> tuple[Any, dict[str, Any]] | None:
        """The model and its definition, or None when the store does not have it."""
        if anki_id not in self._made:
            found = interop_queries.anki_notetypes(self._store, [anki_id]).get(anki_id)
            self._made[anki_id] = None if found is None else self._model(anki_id, *found)
        return self._made[anki_id]

    def of_shape(
        self, fields: tuple[str, ...], templates: tuple[tuple[str, str, str], ...]
    ) -> Any | None:
        """A kept note type with these fields and templates (question and answer), if any."""
        for anki_id, (_name, definition) in sorted(
            interop_queries.anki_notetypes(self._store, None).items()
        ):
            spec = json.loads(definition)
            if tuple(f["name"] for f in spec["flds"]) == fields and tuple(
                (t["qfmt"], t["afmt"]) for t in spec["tmpls"]
            ) == tuple((q, a) for _, q, a in templates):
                found = self.get(anki_id)
                return None if found is None else found[0]
        return None

    def _model(self, anki_id: int, name: str, definition: str) -> tuple[Any, dict[str, Any]]:
        spec = json.loads(definition)
        # Anki matches an incoming note type to its own by id, then fields and templates by
        # id (or by name when either has none): the same ones make its notes update.
        fields = [_with_id({"name": f["name"]}, f.get("id")) for f in spec["flds"]]
        templates = [
            _with_id({"name": t["name"], "qfmt": t["qfmt"], "afmt": t["afmt"]}, t.get("id"))
            for t in spec["tmpls"]
        ]
        model = genanki.Model(
            anki_id,
            name,
            fields=fields,
            templates=templates,
            css=spec.get("css", ""),
            model_type=genanki.Model.CLOZE if spec.get("type") == 1 else genanki.Model.FRONT_BACK,
            sort_field_index=int(spec.get("sortf", 0)),
        )
        self.mods[anki_id] = int(spec.get("mod", 0))
        return model, spec


def _with_id(item: dict[str, Any], ident: int | None) -> dict[str, Any]:
    return item if ident is None else {**item, "id": ident}


def _kept_note(
    original: AnkiNoteRow, cards: list[CardRow], kept_models: _KeptModels
) -> tuple[Any, list[int]] | None:
    """The note as Anki had it (its note type, fields and guid), and each card's Anki ordinal;
    None when the cards no longer say what that note said (edited since) or its note type
    is unknown."""
    if note_digest([(c.key, c.front, c.back, c.answer) for c in cards]) != original.content:
        return None
    found = kept_models.get(original.notetype_id)
    if found is None:
        return None
    model, spec = found
    fields = list(original.fields)
    if len(fields) != len(spec["flds"]):
        return None
    if spec.get("type") == 1:  # card cn is Anki's card of the deletions numbered cn
        ordinals = [int(card.key.rsplit("/c", 1)[1]) - 1 for card in cards]
    else:
        ordinals = [1 if card.kind == "reverse" else 0 for card in cards]
    note = genanki.Note(model=model, fields=fields, tags=list(cards[0].tags), guid=original.guid)
    return note, ordinals


def _note(
    deck: DeckRow, cards: list[CardRow], models: dict[str, Any], guid: str | None = None
) -> tuple[Any, list[int]]:
    """The Anki note for one stalindeck note, and each card's Anki ordinal; `guid` is the
    note's Anki guid when it came from Anki (else its own, stable: ``deck-id/note-id``)."""
    first = cards[0]
    guid = guid or f"{deck.slug}/{first.note}"
    tags = list(first.tags)  # deck tags included, in the order the cards have them
    extra, section = text_to_html(first.extra), text_to_html(first.section)
    if first.kind == "chronology":
        # Anki has no ordering card: a plain one, the shuffled events on the front and the
        # order (events numbered, then the letters) on the back, graded by the student.
        back = f"{first.back}\n\n{first.answer or ''}".strip()
        model = models["basic"]
        fields = [text_to_html(first.front), text_to_html(back), extra, section]
        ordinals = [0]
    # Anki's own note types hold a note with no section (nor, but for a cloze, an extra line)
    # and no typed answer other than its back; the others need ours.
    elif first.kind == "cloze":
        text = _cloze_source(cards)
        if first.answer is None and not first.section:
            model, fields = models["stock-cloze"], [to_anki_cloze(text), extra]
        else:
            model = models["typed-cloze" if first.answer is not None else "cloze"]
            fields = [to_anki_cloze(text), extra, section]
        ordinals = [int(card.key.rsplit("/c", 1)[1]) - 1 for card in cards]
    else:
        basic = next((card for card in cards if card.kind == "basic"), first)
        reverse = any(card.kind == "reverse" for card in cards)
        front, back = text_to_html(basic.front), text_to_html(basic.back)
        plain = not first.extra and not first.section
        if basic.answer is not None:
            if plain and not reverse and basic.answer == basic.back and not basic.accept:
                model, fields = models["stock-typed"], [front, back]
            else:
                model = models["typed-reverse" if reverse else "typed"]
                accept = text_to_html("\n".join(basic.accept))
                fields = [front, back, text_to_html(basic.answer), accept, extra, section]
        elif plain:
            model, fields = models["stock-reverse" if reverse else "stock-basic"], [front, back]
        else:
            model = models["reverse" if reverse else "basic"]
            fields = [front, back, extra, section]
        ordinals = [1 if card.kind == "reverse" else 0 for card in cards]
    note = genanki.Note(model=model, fields=fields, tags=tags, guid=guid)
    return note, ordinals


def _cloze_source(cards: list[CardRow]) -> str:
    """The cloze text, ``{{...}}`` deletions and all, rebuilt from the cards."""
    from stalindeck.decks.toml_writer import cloze_text

    ordered = sorted(cards, key=lambda card: int(card.key.rsplit("/c", 1)[-1] or 0))
    numbers = [int(card.key.rsplit("/c", 1)[-1] or 0) for card in ordered]
    return cloze_text([(card.front, card.back) for card in ordered], numbers) or cards[0].back


def _write(
    package: Any,
    output: Path,
    placed: dict[tuple[str, int], CardRow],
    reviews: list[ReviewRow],
    with_history: bool,
    days: _Days,
    kept_models: _KeptModels,
    media: dict[str, bytes],
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
            # Its creation time (11:00 UTC) is replaced by the start of a study day, with the
            # rollover hour and time zone, so Anki counts due days as stalindeck does.
            (conf, models_json) = cursor.execute("SELECT conf, models FROM col").fetchone()
            conf = {
                **json.loads(conf),
                "schedVer": 2,
                "rollover": days.hour,
                "creationOffset": days.minutes_west,
            }
            models_spec = json.loads(models_json)
            for anki_id, mod in kept_models.mods.items():
                if str(anki_id) in models_spec:  # not newer than Anki's: left as it is there
                    models_spec[str(anki_id)]["mod"] = mod
            cursor.execute(
                "UPDATE col SET conf = ?, models = ?, crt = ?",
                (json.dumps(conf), json.dumps(models_spec), days.created),
            )
            if with_history:
                _add_history(cursor, placed, reviews, days)
            connection.commit()
        finally:
            connection.close()
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(database_path, "collection.anki2")
            # Anki's legacy media list: member "0" holds the first file, and so on.
            names = sorted(media)
            archive.writestr("media", json.dumps({str(i): name for i, name in enumerate(names)}))
            for index, name in enumerate(names):
                archive.writestr(str(index), media[name])
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


class _Days:
    """Anki's day numbers as stalindeck's study days: day 0 is a fixed date's study day,
    which the package gives Anki as the collection's creation."""

    _ZERO = date(2012, 1, 2)

    def __init__(self, settings: Settings) -> None:
        self.hour = settings.rollover_hour
        self.steps = settings.learning_steps
        self.relearning_steps = settings.relearning_steps
        start = start_of(self._ZERO, self.hour)
        self.created = int(start.timestamp())
        offset = start.astimezone().utcoffset()
        self.minutes_west = -int(offset.total_seconds() // 60) if offset else 0

    def day(self, moment: datetime) -> int:
        """Anki's number for the study day holding `moment`."""
        return (study_date(moment, self.hour) - self._ZERO).days

    def steps_left(self, card: CardRow) -> int:
        """Anki's ``left`` for a card in its (re)learning steps: the steps still to go."""
        steps = self.steps if card.state == LEARNING else self.relearning_steps
        return max(len(steps) - (card.step or 0), 1)


def _add_history(
    cursor: sqlite3.Cursor,
    placed: dict[tuple[str, int], CardRow],
    reviews: list[ReviewRow],
    days: _Days,
) -> None:
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
        if card.state == REVIEW:
            due, queue, left = days.day(card.due), 2, 0
            interval = days.day(card.due) - days.day(card.last_review) if card.last_review else 1
        else:
            due, queue, left = int(card.due.timestamp()), 1, days.steps_left(card)
            interval = max(_interval(card.last_review, card.due), 0)
        memory = {"s": card.stability, "d": card.difficulty, "dr": 0.9}
        if card.last_review is not None:
            memory["lrt"] = int(card.last_review.timestamp())
        cursor.execute(
            "UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, factor = 2500, reps = ?, "
            "lapses = ?, left = ?, data = ? WHERE id = ?",
            (
                _ANKI_TYPE[card.state],
                -1 if card.suspended else queue,
                due,
                max(interval, 0),
                card.reps,
                card.lapses,
                left,
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
