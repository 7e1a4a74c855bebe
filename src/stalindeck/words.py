"""Counts and lists in words (``3 cards``, ``a, b and c``): used from the store up to the screen,
so they live below all of them."""

from __future__ import annotations

from collections.abc import Sequence


def joined(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def plural(count: int, noun: str) -> str:
    """``1 card``, ``2 cards``, ``1,000 reviews``, ``3 matches``."""
    if count == 1:
        return f"{count:,} {noun}"
    return f"{count:,} {noun}es" if noun.endswith(("ch", "sh", "s", "x")) else f"{count:,} {noun}s"
