"""`export deck`: a stored deck written back as a TOML deck file."""

from __future__ import annotations

from pathlib import Path

from stalindeck.decks.toml_writer import StoredCard, StoredDeck, checked_toml, write_deck_toml
from stalindeck.errors import NotFoundError
from stalindeck.store import interop_queries
from stalindeck.store.open import Store


def stored_deck(store: Store, name: str) -> StoredDeck:
    """The deck named `name` (id or name) with its active cards.

    Raises:
        NotFoundError: no such deck.
    """
    from stalindeck.names import deck_slugs

    decks, missing = interop_queries.find_decks(store, deck_slugs(store, [name]))
    if missing or not decks:
        raise NotFoundError(f"no deck {name!r}; `stalindeck decks` lists them")
    deck = decks[0]
    cards = tuple(
        StoredCard(
            key=card.key,
            note=card.note,
            kind=card.kind,
            front=card.front,
            back=card.back,
            answer=card.answer,
            accept=card.accept,
            extra=card.extra,
            section=card.section,
            tags=card.tags,
        )
        for card in interop_queries.deck_cards(store, deck.id)
    )
    return StoredDeck(deck.slug, deck.name, deck.description, deck.source, deck.tags, cards)


def export_deck_toml(
    store: Store, name: str, output: Path | None, *, force: bool
) -> tuple[StoredDeck, str]:
    """Write the deck named `name` to `output` as TOML (None: only build the text).

    Returns:
        the deck and its TOML text.
    """
    deck = stored_deck(store, name)
    if output is None:
        return deck, checked_toml(deck)
    write_deck_toml(deck, output, force=force)
    return deck, ""
