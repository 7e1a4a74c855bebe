"""Cloze deletions: ``{{answer}}`` or ``{{answer::hint}}`` inside a card's text, or Anki's
numbered ``{{c1::answer}}`` / ``{{c1::answer::hint}}``.

Unnumbered deletions make one card each, left to right. Numbered ones follow Anki: one card
per number, hiding every deletion of that number together (``{{c1::Beria}} ... {{c1::shot}}``
is one card), the cards in the order of their numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DELETION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_NUMBER = re.compile(r"c(\d+)::")
PLACEHOLDER = "[...]"


@dataclass(frozen=True, slots=True)
class Deletion:
    """One hidden span: what is hidden, the optional hint, where it sits in the text, and its
    Anki number (``cN``) when written in Anki's syntax."""

    answer: str
    hint: str
    start: int
    end: int
    number: int | None = None


def find_problems(text: str) -> list[str]:
    """Everything malformed about the deletions in `text`, as messages (empty when fine)."""
    problems: list[str] = []
    deletions = list(_DELETION.finditer(text))
    if not deletions:
        problems.append("cloze text has no {{...}} deletion")
    numbered = 0
    for match in deletions:
        inner = match.group(1)
        number = _NUMBER.match(inner)
        if number is not None:
            numbered += 1
            inner = inner[number.end() :]
        answer = inner.split("::", 1)[0]
        if "{{" in inner:
            problems.append(f"cloze deletion {match.group(0)!r} is nested or unclosed")
        elif not answer.strip():
            problems.append(f"cloze deletion {match.group(0)!r} is empty")
        elif "\n" in inner:
            problems.append(f"cloze deletion {match.group(0)!r} spans a line break")
        elif "::" in inner and not inner.split("::", 1)[1].strip():
            problems.append(f"cloze deletion {match.group(0)!r} has an empty hint")
        elif number is not None and int(number.group(1)) < 1:
            problems.append(f"cloze deletion {match.group(0)!r} is numbered from c1")
    if 0 < numbered < len(deletions):
        problems.append(
            "cloze text mixes Anki's {{c1::...}} deletions with {{...}} ones: "
            "write every deletion of a card the same way"
        )
    outside = _DELETION.sub("", text)
    if "{{" in outside or "}}" in outside:
        problems.append("cloze text has unbalanced braces: every {{ needs a matching }}")
    return problems


def deletions(text: str) -> list[Deletion]:
    """The deletions of a well-formed cloze text, left to right."""
    found = []
    for match in _DELETION.finditer(text):
        inner = match.group(1)
        number = _NUMBER.match(inner)
        if number is not None:
            inner = inner[number.end() :]
        answer, _, hint = inner.partition("::")
        found.append(
            Deletion(
                answer.strip(),
                hint.strip(),
                match.start(),
                match.end(),
                None if number is None else int(number.group(1)),
            )
        )
    return found


def card_numbers(text: str) -> list[int]:
    """The number of each card the text makes, in card order: its deletions' Anki numbers
    (each once, ascending) or, unnumbered, 1, 2, ... for the deletions left to right."""
    found = deletions(text)
    if found and found[0].number is not None:
        return sorted({deletion.number or 0 for deletion in found})
    return list(range(1, len(found) + 1))


def hidden(text: str, card: int) -> list[Deletion]:
    """The deletions card number `card` (see `card_numbers`) hides."""
    found = deletions(text)
    if found and found[0].number is not None:
        return [deletion for deletion in found if deletion.number == card]
    return [found[card - 1]] if 0 < card <= len(found) else []


def render(text: str, hide: int | None) -> str:
    """The text with the `hide`-th card's deletions (0-based, in `card_numbers` order)
    masked and every other one shown.

    With `hide` None every deletion is shown: the back of the card.
    """
    masked: set[int] = set()
    if hide is not None:
        numbers = card_numbers(text)
        if 0 <= hide < len(numbers):
            masked = {deletion.start for deletion in hidden(text, numbers[hide])}
    parts: list[str] = []
    cursor = 0
    for deletion in deletions(text):
        parts.append(text[cursor : deletion.start])
        if deletion.start in masked:
            parts.append(f"[{deletion.hint}]" if deletion.hint else PLACEHOLDER)
        else:
            parts.append(deletion.answer)
        cursor = deletion.end
    parts.append(text[cursor:])
    return "".join(parts)
