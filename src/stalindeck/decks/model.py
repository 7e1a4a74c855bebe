"""The in-memory deck model every format is read into before it reaches the store."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple


class Kind(StrEnum):
    """What a card asks: its front, the reverse of a basic card, one cloze deletion, or the
    order of shuffled events (a chronology card)."""

    BASIC = "basic"
    REVERSE = "reverse"
    CLOZE = "cloze"
    CHRONOLOGY = "chronology"


class CardSpec(NamedTuple):
    """One reviewable card, as a deck file defines it.

    A named tuple rather than a dataclass: a 100,000-row spreadsheet makes 100,000 of them,
    and a tuple is built several times faster.

    Attributes:
        key: identity within the deck: the entry id, ``id/reverse`` or ``id/cN``.
        note: the entry id; cards sharing it are siblings.
        kind: basic, reverse or cloze.
        front: the question shown (for a cloze, the text with this deletion hidden).
        back: the answer shown (for a cloze, the whole text).
        answer: what a typed answer is checked against, or None for a reveal-only card.
        accept: other typed answers that count as right.
        extra: a line shown under the answer.
        section: where in the source the fact comes from.
        tags: the card's topics, deck tags included.
        line: the line of the entry in its file, for error messages and the editor.
        position: order of the card in its deck; new cards are introduced in this order.
    """

    key: str
    note: str
    kind: Kind
    front: str
    back: str
    answer: str | None
    accept: tuple[str, ...]
    extra: str
    section: str
    tags: tuple[str, ...]
    line: int
    position: int


# What the student sees, as the store keeps it (a change to it counts as an edit), and the
# columns of a stored row: the key, the content, then where the card is in its file.
CONTENT_COLUMNS = ("note", "kind", "front", "back", "answer", "accept", "extra", "section", "tags")
STORED_COLUMNS = ("key", *CONTENT_COLUMNS, "line", "position")
StoredRow = tuple[str, str, str, str, str, str | None, str, str, str, str, int, int]


def stored_rows(cards: Sequence[CardSpec]) -> list[StoredRow]:
    """The cards as the store keeps them, one row of `STORED_COLUMNS` each.

    Built a column at a time: each column is one loop in C (`zip`, `map`) instead of a
    Python call per card, which counted for 100,000-row spreadsheets.
    """
    if not cards:
        return []
    key, note, kind, front, back, answer, accept, extra, section, tags, line, position = zip(
        *cards, strict=True
    )
    kinds, accepts, tag_text = (
        map(_KIND_TEXT.__getitem__, kind),
        map(_accept_text, accept),
        map(" ".join, tags),
    )
    return list(
        zip(key, note, kinds, front, back, answer, accepts, extra, section, tag_text, line,
            position, strict=True)
    )  # fmt: skip


# A kind as stored: its plain text (a driver may write an enum by its name, not its value).
_KIND_TEXT = {kind: str(kind.value) for kind in Kind}


def _accept_text(accept: tuple[str, ...]) -> str:
    return json.dumps(list(accept), ensure_ascii=False) if accept else "[]"


# The longest text a card may hold in one field (front, back, typed answer, an accepted answer,
# extra, section). A fact fits in far less; a 10 MB field took the review screen seconds to lay
# out, so a longer one is refused at import, in every format.
MAX_FIELD_CHARS = 50_000


def oversized_fields(decks: Sequence[DeckSpec]) -> list[str]:
    """A ``file:line: card: message`` problem for every card with a field over
    `MAX_FIELD_CHARS` characters (one per card: its longest field)."""
    problems: list[str] = []
    for deck in decks:
        for card in deck.cards:
            if (
                len(card.front) <= MAX_FIELD_CHARS
                and len(card.back) <= MAX_FIELD_CHARS
                and len(card.extra) <= MAX_FIELD_CHARS
                and len(card.section) <= MAX_FIELD_CHARS
                and len(card.answer or "") <= MAX_FIELD_CHARS
                and all(len(alias) <= MAX_FIELD_CHARS for alias in card.accept)
            ):
                continue
            fields = {
                "front": card.front,
                "back": card.back,
                "extra": card.extra,
                "section": card.section,
                "answer": card.answer or "",
                "accepted answer": max(card.accept, key=len, default=""),
            }
            name, text = max(fields.items(), key=lambda item: len(item[1]))
            problems.append(
                f"{deck.path}:{card.line}: {card.note}: the {name} is {len(text):,} characters "
                f"long; the limit is {MAX_FIELD_CHARS:,} (split the card, or shorten the text)"
            )
    return problems


@dataclass(frozen=True, slots=True)
class DeckSpec:
    """A deck read from a file: its identity, description and cards in file order."""

    slug: str
    name: str
    description: str
    source: str
    tags: tuple[str, ...]
    path: Path
    cards: tuple[CardSpec, ...]
    # False for an Anki package: it adds and updates notes but is not the deck's whole source,
    # so cards it does not hold are kept (Anki's rule), where a deck file retires them.
    whole: bool = True
    anki_notes: tuple[AnkiNoteSpec, ...] = ()
    # (name, content) of the media files a package brought (on its first deck only).
    media: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True, slots=True)
class AnkiNotetype:
    """An Anki note type as a package defined it.

    Attributes:
        anki_id: its id in Anki.
        name: its name.
        definition: JSON: ``type`` (0 normal, 1 cloze), ``css``, ``mod``, ``sortf``, ``flds``
            (``name``, ``id``) and ``tmpls`` (``name``, ``qfmt``, ``afmt``, ``id``).
    """

    anki_id: int
    name: str
    definition: str


@dataclass(frozen=True, slots=True)
class AnkiNoteSpec:
    """The Anki side of one imported note, kept for the export back.

    Attributes:
        note: the note id here (the cards' `note`).
        guid: the note's guid in Anki, its identity there.
        notetype: its note type.
        fields: its fields as Anki holds them (HTML).
        content: `note_digest` of the cards made from it: an export uses the fields only
            while the cards still say the same.
    """

    note: str
    guid: str
    notetype: AnkiNotetype
    fields: tuple[str, ...]
    content: str


def note_digest(cards: Sequence[tuple[str, str, str, str | None]]) -> str:
    """A digest of what a note's cards ask and answer: (key, front, back, answer) each."""
    import hashlib

    text = json.dumps(sorted(cards, key=lambda card: card[0]), ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
