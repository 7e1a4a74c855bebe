"""Plain values the store uses, importable without SQLAlchemy: card states and stored times."""

from __future__ import annotations

from datetime import UTC, datetime

# Card states: FSRS's Learning/Review/Relearning (1-3) plus 0 for a card never reviewed.
NEW, LEARNING, REVIEW, RELEARNING = 0, 1, 2, 3
STATE_NAMES = {NEW: "new", LEARNING: "learning", REVIEW: "review", RELEARNING: "relearning"}
# Anki's deck tree: ``History::Russia`` is a subdeck of ``History`` (see `deck_tree`).
SEPARATOR = "::"


def parent_decks(name: str) -> list[str]:
    """The decks above `name` in Anki's tree: ``A`` and ``A::B`` for ``A::B::C``."""
    parts = name.split(SEPARATOR)
    return [SEPARATOR.join(parts[:end]) for end in range(1, len(parts))]


# A card lapsed this often is a leech (Anki's default threshold), and carries this tag.
LEECH_LAPSES = 8
LEECH_TAG = "leech"


def to_millis(moment: datetime) -> int:
    """Milliseconds since the epoch for an aware (or UTC-naive) datetime."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def from_millis(value: int) -> datetime:
    """The UTC-aware datetime for epoch milliseconds."""
    return datetime.fromtimestamp(value / 1000, UTC)
