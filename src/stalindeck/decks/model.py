"""The in-memory deck model every format is read into before it reaches the store."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple


class Kind(StrEnum):
    """What a card asks: its front, the reverse of a basic card, or one cloze deletion."""

    BASIC = "basic"
    REVERSE = "reverse"
    CLOZE = "cloze"


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

    def content(self) -> Content:
        """What the student sees, as the store keeps it; a change to it counts as an edit."""
        return (
            self.note,
            self.kind._value_,  # `.value` is an enum property, ten times slower to read
            self.front,
            self.back,
            self.answer,
            json.dumps(list(self.accept), ensure_ascii=False) if self.accept else "[]",
            self.extra,
            self.section,
            " ".join(self.tags),
        )


# The stored columns `CardSpec.content` gives, in this order.
CONTENT_COLUMNS = ("note", "kind", "front", "back", "answer", "accept", "extra", "section", "tags")
Content = tuple[str, str, str, str, str | None, str, str, str, str]


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
