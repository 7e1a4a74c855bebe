"""Cloze deletions: ``{{answer}}`` or ``{{answer::hint}}`` inside a card's text."""

from __future__ import annotations

import re
from dataclasses import dataclass

_DELETION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
PLACEHOLDER = "[...]"


@dataclass(frozen=True, slots=True)
class Deletion:
    """One hidden span: what is hidden, the optional hint, and where it sits in the text."""

    answer: str
    hint: str
    start: int
    end: int


def find_problems(text: str) -> list[str]:
    """Everything malformed about the deletions in `text`, as messages (empty when fine)."""
    problems: list[str] = []
    deletions = list(_DELETION.finditer(text))
    if not deletions:
        problems.append("cloze text has no {{...}} deletion")
    for match in deletions:
        inner = match.group(1)
        answer = inner.split("::", 1)[0]
        if "{{" in inner:
            problems.append(f"cloze deletion {match.group(0)!r} is nested or unclosed")
        elif not answer.strip():
            problems.append(f"cloze deletion {match.group(0)!r} is empty")
        elif "\n" in inner:
            problems.append(f"cloze deletion {match.group(0)!r} spans a line break")
        elif "::" in inner and not inner.split("::", 1)[1].strip():
            problems.append(f"cloze deletion {match.group(0)!r} has an empty hint")
    outside = _DELETION.sub("", text)
    if "{{" in outside or "}}" in outside:
        problems.append("cloze text has unbalanced braces: every {{ needs a matching }}")
    return problems


def deletions(text: str) -> list[Deletion]:
    """The deletions of a well-formed cloze text, left to right."""
    found = []
    for match in _DELETION.finditer(text):
        answer, _, hint = match.group(1).partition("::")
        found.append(Deletion(answer.strip(), hint.strip(), match.start(), match.end()))
    return found


def render(text: str, hide: int | None) -> str:
    """The text with deletion number `hide` (0-based) masked and every other one shown.

    With `hide` None every deletion is shown: the back of the card.
    """
    parts: list[str] = []
    cursor = 0
    for index, deletion in enumerate(deletions(text)):
        parts.append(text[cursor : deletion.start])
        if index == hide:
            parts.append(f"[{deletion.hint}]" if deletion.hint else PLACEHOLDER)
        else:
            parts.append(deletion.answer)
        cursor = deletion.end
    parts.append(text[cursor:])
    return "".join(parts)
