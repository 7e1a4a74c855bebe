"""Deck formats, all read into one in-memory model (`stalindeck.decks.model`)."""
