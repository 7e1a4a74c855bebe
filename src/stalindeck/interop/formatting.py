"""A card's formatting as its Anki note had it: the HTML of the fields it shows.

A card from an Anki package is stored as plain text (what typed answers are checked against,
what deck files hold), and its note's fields are kept as Anki wrote them. For display, the
field behind each side is used instead, but only while it still says what the card says (its
text reduced as the import reduces it equals the card's): a card edited since, or a side built
from several fields, is shown as the plain text it is. What the HTML becomes on screen is the
UI's business (`ui/html_text.py`); nothing here interprets it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from stalindeck.decks import cloze
from stalindeck.decks.foreign import html_to_text
from stalindeck.store import interop_queries
from stalindeck.store.open import Store
from stalindeck.store.queue import CardView

_CLOZE_KEY = re.compile(r"/c(\d+)$")


class AnkiHtml(NamedTuple):
    """The HTML behind each side of a card; None where the side is shown as plain text."""

    front: str | None
    back: str | None
    extra: str | None


def _same(field: str, text: str) -> str | None:
    return field if text and html_to_text(field) == text else None


def card_html(store: Store, card: CardView) -> AnkiHtml | None:
    """The HTML of the card's sides, from the Anki note it came from (None: not from Anki,
    or no side still matches its note)."""
    fields = interop_queries.card_anki_fields(store, card.card_id)
    if not fields:
        return None
    number = _CLOZE_KEY.search(card.key)
    if card.kind == "cloze" and number is not None:
        text = fields[0]
        numbers = cloze.card_numbers(text)
        if int(number.group(1)) not in numbers:
            return None
        front = _same(cloze.render(text, numbers.index(int(number.group(1)))), card.front)
        back = _same(cloze.render(text, None), card.back)
        others = fields[1:]
    elif len(fields) >= 2:
        first, second = (fields[1], fields[0]) if card.kind == "reverse" else fields[:2]
        front, back = _same(first, card.front), _same(second, card.back)
        others = fields[2:]
    else:
        return None
    extra = next((field for field in others if _same(field, card.extra)), None)
    if front is None and back is None and extra is None:
        return None
    return AnkiHtml(front, back, extra)
