"""Markdown flashcards in the style of hashcards and repeater.

```
# Heading (becomes the section of the cards below it)

Q: What is the capital of France?
A: Paris

C: [Paris] is the capital of [France].
---
```

A card starts at a ``Q:`` or ``C:`` line and runs until the next card, a ``---`` rule or a
heading; questions and answers may span several lines. ``[...]`` in a ``C:`` card is a deletion
(a Markdown link ``[text](url)`` is not). As in those tools, a card is identified by a hash of
its question (or cloze text): editing that text makes a new card and the old one is retired
with its history. Use a TOML deck when cards must keep their history through edits.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from stalindeck.decks.foreign import (
    Note,
    digest,
    foreign_deck,
    note_cards,
    note_problems,
    read_text,
    slugify,
)
from stalindeck.decks.model import CardSpec, DeckSpec, Kind

MAX_MARKDOWN_BYTES = 32 * 1024 * 1024
_MARKER = re.compile(r"(Q|A|C):[ \t]?(.*)")
_RULE = re.compile(r"\s*(-{3,}|\*{3,}|_{3,})\s*")
_HEADING = re.compile(r"#{1,6}\s+(.*?)\s*#*\s*")
_DELETION = re.compile(r"\[([^\[\]\n]+)\](?!\()")
_BRACES = re.compile(r"\{\{(.*?)\}\}")


@dataclass
class _Block:
    kind: str  # "Q" or "C"
    line: int
    section: str
    question: list[str] = field(default_factory=list)
    answer: list[str] | None = None


def read_markdown(path: Path, deck_name: str | None, problems: list[str]) -> list[DeckSpec]:
    """Read and check a Markdown flashcard file as one deck.

    Args:
        path: the file (UTF-8).
        deck_name: the deck's name; the file's name (without extension) when None.
        problems: where each problem goes, as ``file:line: message`` (`formats.load_files`
            raises them all together).
    """
    text = read_text(path, MAX_MARKDOWN_BYTES, problems)
    if text is None:
        return []
    found: list[tuple[int, str]] = []  # (line, problem), reported in line order
    # Lines end at \n, \r\n or \r only (as an editor counts them): `str.splitlines` would also
    # end one at a line separator (U+2028) pasted inside a question, and number lines wrongly.
    blocks = _blocks(io.StringIO(text, newline=None).read().split("\n"), found)
    cards: list[CardSpec] = []
    first_line: dict[str, int] = {}
    for block in blocks:
        note = _note(block)
        # Cloze problems quote deletions as stored ({{...}}): say them as the file has them.
        messages = [_BRACES.sub(r"[\1]", message) for message in note_problems(note)]
        if block.kind == "Q" and block.answer is None:
            messages = ["question has no 'A:' answer"]
        if note.note in first_line:
            messages.append(
                f"same question as line {first_line[note.note]}: cards are identified by "
                "their question, so each must be unique"
            )
        else:
            first_line[note.note] = block.line
        if messages:
            found.extend((block.line, message) for message in messages)
            continue
        cards.extend(note_cards(note, len(cards), block.section))
    if not blocks:
        found.append((1, "no cards: start a card with 'Q:' (and 'A:') or 'C:'"))
    if found:
        found.sort(key=itemgetter(0))
        problems.extend(f"{path}:{line}: {message}" for line, message in found)
        return []
    name = (deck_name or path.stem).strip() or path.stem
    return [foreign_deck(slugify(name), name, path, cards)]


def _blocks(lines: list[str], found: list[tuple[int, str]]) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    section = ""
    fenced = False
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if not fenced:
            marker = _MARKER.fullmatch(line)
            heading = _HEADING.fullmatch(line)
            if _RULE.fullmatch(line) or heading:
                current = None
                if heading:
                    section = heading.group(1)
                continue
            if marker:
                kind, rest = marker.groups()
                if kind == "A":
                    if current is None or current.kind != "Q" or current.answer is not None:
                        found.append((number, "'A:' without a 'Q:' before it"))
                        current = None
                        continue
                    current.answer = [rest]
                    continue
                current = _Block(kind, number, section, [rest])
                blocks.append(current)
                continue
        if current is not None:
            (current.answer if current.answer is not None else current.question).append(line)
    return blocks


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip()


def _note(block: _Block) -> Note:
    question = _join(block.question)
    note_id = "m-" + digest(" ".join(question.split()))
    if block.kind == "C":
        text = _DELETION.sub(lambda match: "{{" + match.group(1).strip() + "}}", question)
        return Note(note_id, Kind.CLOZE, text, "", "", (), block.line)
    answer = _join(block.answer or [])
    return Note(note_id, Kind.BASIC, question, answer, "", (), block.line)
