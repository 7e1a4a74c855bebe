"""The in-memory deck model every format is read into before it reaches the store."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Kind(StrEnum):
    """What a card asks: its front, the reverse of a basic card, or one cloze deletion."""

    BASIC = "basic"
    REVERSE = "reverse"
    CLOZE = "cloze"


@dataclass(frozen=True, slots=True)
class CardSpec:
    """One reviewable card, as a deck file defines it.

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

    def content_hash(self) -> str:
        """A digest of what the student sees; a change to it counts as an edit."""
        # Joined with the ASCII record/unit separators: far cheaper than JSON, and ambiguous
        # only for text that itself holds those control characters, which no real card does.
        payload = "\x1e".join((
            self.kind.value, self.note, self.front, self.back,
            "\x1f" if self.answer is None else self.answer, "\x1f".join(self.accept),
            self.extra, self.section, "\x1f".join(self.tags),
        ))  # fmt: skip
        return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


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
