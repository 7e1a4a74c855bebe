"""Anki's deck tree: ``History::Russia`` is a subdeck of ``History``, and choosing a deck
chooses its subdecks with it (a review, a count, a figure, an export)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, func, or_

from stalindeck.store.counts import DeckCounts
from stalindeck.store.models import Deck
from stalindeck.store.values import SEPARATOR as SEPARATOR
from stalindeck.store.values import parent_decks


def in_decks(chosen: Sequence[str]) -> ColumnElement[bool]:
    """A condition on `Deck`: the deck is one of `chosen` (by id or name) or a subdeck of one.

    A parent need not be a deck of its own: ``History`` chooses ``History::Russia`` even when
    no card sits in ``History`` itself.
    """
    parent = Deck.__table__.alias("parent_deck")
    return or_(
        Deck.slug.in_(chosen),
        Deck.name.in_(chosen),
        # Compared with substr, not LIKE: a name's % or _ is no wildcard.
        *(
            func.substr(Deck.name, 1, len(value) + len(SEPARATOR)) == value + SEPARATOR
            for value in chosen
        ),
        exists().where(
            or_(parent.c.slug.in_(chosen), parent.c.name.in_(chosen)),
            func.substr(Deck.name, 1, func.length(parent.c.name) + len(SEPARATOR))
            == parent.c.name + SEPARATOR,
        ),
    )


def depth(name: str) -> int:
    """How deep in the tree a deck is: 0 for a top-level deck."""
    return name.count(SEPARATOR)


def as_tree(counts: Sequence[DeckCounts]) -> list[tuple[int, DeckCounts, bool]]:
    """The decks as Anki's tree, parents first: (depth, counts, is a deck of its own) each.

    A parent's counts include its subdecks', as Anki shows them; a parent that is no deck of
    its own (``History`` above ``History::Russia`` alone) gets a row too, its slug empty.
    """
    own = {deck.name: deck for deck in counts}
    names: set[str] = set(own)
    for name in own:
        names.update(parent_decks(name))
    rows: list[tuple[int, DeckCounts, bool]] = []
    # Alphabetical whatever the case, a parent just before its subdecks.
    for name in sorted(
        names, key=lambda value: [(p.casefold(), p) for p in value.split(SEPARATOR)]
    ):
        inside = [d for d in counts if d.name == name or d.name.startswith(name + SEPARATOR)]
        deck = own.get(name)
        summed = DeckCounts(
            deck.slug if deck else "",
            name,
            *(sum(getattr(d, field) for d in inside) for field in _COUNTED),
        )
        rows.append((depth(name), summed, deck is not None))
    return rows


_COUNTED = ("total", "new", "learning", "due", "suspended")
