"""TOML deck files: read, validate everything, and build the deck model.

Validation collects every problem before giving up, so a teacher fixing a deck sees the whole
list at once; each problem names the file, the line and the card.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import tomli

from stalindeck.decks import chronology, cloze
from stalindeck.decks.files import CORRECTIONS_SUFFIX as CORRECTIONS_SUFFIX
from stalindeck.decks.files import deck_files as deck_files
from stalindeck.decks.foreign import (
    Note,
    digest,
    note_cards,
    slugify,
)
from stalindeck.decks.model import CardSpec, DeckSpec, Kind
from stalindeck.errors import DeckError

MAX_DECK_BYTES = 32 * 1024 * 1024
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_SLUG_CHARACTERS = re.compile(r"[a-z0-9-]*")
_TAG = re.compile(r"[^\s]{1,64}")
_DECK_KEYS = frozenset({"id", "name", "description", "source", "tags", "cards"})
_CARD_KEYS = frozenset(
    {
        "id",
        "front",
        "back",
        "text",
        "reverse",
        "answer",
        "accept",
        "type",
        "tags",
        "section",
        "extra",
        "order",
    }
)
_STRING_KEYS = ("front", "back", "text", "answer", "section", "extra")
_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*cards[ \t]*\]\]", re.MULTILINE)
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
# In valid TOML, from where one multi-line string ends to where the next one does: comments and
# one-line strings are skipped whole (outside strings, '#' always opens a comment and a quote a
# string); a multi-line string closes on the last three quotes of a run of up to five.
# Possessive throughout, so that the search after the last one fails in one pass.
_TO_MULTILINE_STRING = re.compile(
    r"""(?:[^"'#]++|#[^\n]*+|"(?!"")(?:[^"\\\n]|\\.)*+"|'(?!'')[^'\n]*+')*+"""
    r"""(?P<string>"{3}(?:[^"\\]|\\.|"(?!""))*+"{3,5}|'{3}(?:[^']|'(?!''))*+'{3,5})""",
    re.DOTALL,
)
Line = int | Callable[[], int]


class _Problems:
    """Collects problems for one file, each formatted as ``file:line: card: message``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, line: Line, message: str, card: str | None = None) -> None:
        # Finding a line is a text search: done only for the rare key that has a problem.
        where = f"{self.path}:{line() if callable(line) else line}"
        self.items.append(f"{where}: {card}: {message}" if card else f"{where}: {message}")


class _Lines:
    """Maps cards and their keys to line numbers, which TOML parsers do not report."""

    def __init__(self, text: str) -> None:
        self._text = text
        # A line inside a multi-line string may look like a header or a key: skip those.
        self._quoted_starts: list[int] = []
        self._quoted_ends: list[int] = []
        if '"""' in text or "'''" in text:
            position = 0
            while found := _TO_MULTILINE_STRING.match(text, position):
                self._quoted_starts.append(found.start("string"))
                self._quoted_ends.append(position := found.end())
        self._starts = [m.start() for m in _HEADER.finditer(text) if not self._quoted(m.start())]
        self._newlines = [m.start() for m in re.finditer("\n", text)]

    def _line_of(self, offset: int) -> int:
        return bisect_left(self._newlines, offset) + 1

    def _quoted(self, offset: int) -> bool:
        index = bisect_right(self._quoted_starts, offset) - 1
        return index >= 0 and offset < self._quoted_ends[index]

    def _find_key(self, key: str, start: int, end: int) -> int | None:
        pattern = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*=", re.MULTILINE)
        for found in pattern.finditer(self._text, start, end):
            if not self._quoted(found.start()):
                return self._line_of(found.start())
        return None

    def _span(self, index: int) -> tuple[int, int] | None:
        if index >= len(self._starts):
            return None
        end = self._starts[index + 1] if index + 1 < len(self._starts) else len(self._text)
        return self._starts[index], end

    def card(self, index: int, card_id: object) -> int:
        span = self._span(index)
        if span is not None:
            return self._line_of(span[0])
        if isinstance(card_id, str):  # inline tables: find the id instead
            found = self._text.find(f'"{card_id}"')
            if found >= 0:
                return self._line_of(found)
        return 1

    def key(self, index: int, key: str, card_id: object) -> int:
        span = self._span(index)
        found = self._find_key(key, *span) if span is not None else None
        return found if found is not None else self.card(index, card_id)

    def top_key(self, key: str) -> int:
        limit = self._starts[0] if self._starts else len(self._text)
        return self._find_key(key, 0, limit) or 1


def load_deck(path: Path) -> DeckSpec:
    """Read and validate one deck file.

    Raises:
        DeckError: listing every problem in the file.
    """
    problems = _Problems(path)
    deck = _load(path, problems)
    if problems.items or deck is None:
        raise DeckError(problems.items)
    return deck


def load_decks(paths: Sequence[Path]) -> list[DeckSpec]:
    """Read and validate several deck files, reporting the problems of all of them together.

    Raises:
        DeckError: listing every problem in every file, including deck ids used twice.
    """
    all_problems: list[str] = []
    decks: list[DeckSpec] = []
    seen: dict[str, Path] = {}
    for path in paths:
        problems = _Problems(path)
        deck = _load(path, problems)
        all_problems.extend(problems.items)
        if deck is None:
            continue
        if deck.slug in seen:
            all_problems.append(
                f"{path}:1: deck id {deck.slug!r} is also used by {seen[deck.slug]}; "
                "give each deck its own id"
            )
            continue
        seen[deck.slug] = path
        decks.append(deck)
    if all_problems:
        raise DeckError(all_problems)
    return decks


def _load(path: Path, problems: _Problems) -> DeckSpec | None:
    try:
        size = path.stat().st_size
        if size > MAX_DECK_BYTES:
            problems.add(1, f"file is {size:,} bytes; decks are limited to {MAX_DECK_BYTES:,}")
            return None
        raw = path.read_bytes()
    except OSError as error:
        problems.add(1, f"cannot read the file: {error.strerror or error}")
        return None
    try:
        # Windows Notepad may start the file with a byte-order mark; it is not part of the TOML.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.add(raw[: error.start].count(b"\n") + 1, "file is not valid UTF-8")
        return None
    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as error:
        message = str(error)
        position = _TOML_POSITION.search(message)
        line = int(position.group(1)) if position else 1
        problems.add(line, f"not valid TOML: {_TOML_POSITION.sub('', message).strip()}")
        return None
    except RecursionError:
        problems.add(1, "not valid TOML: arrays or tables nested too deeply")
        return None
    return _build(data, path, _Lines(text), problems)


def _build(data: dict[str, Any], path: Path, lines: _Lines, problems: _Problems) -> DeckSpec | None:
    for key in sorted(set(data) - _DECK_KEYS):
        problems.add(lines.top_key(key), f"unknown deck key {key!r}")
    slug = data.get("id")
    if not isinstance(slug, str) or not SLUG.fullmatch(slug):
        problems.add(lines.top_key("id"), _id_problem("deck", slug))
    name = _string(data, "name", required=True, at=lines.top_key("name"), problems=problems)
    description = _string(data, "description", at=lines.top_key("description"), problems=problems)
    source = _string(data, "source", at=lines.top_key("source"), problems=problems)
    deck_tags = _tags(data.get("tags"), lines.top_key("tags"), None, problems)
    entries = data.get("cards")
    if not isinstance(entries, list) or not entries:
        problems.add(lines.top_key("cards"), "deck has no cards: add [[cards]] tables")
        return None
    cards: list[CardSpec] = []
    first_line: dict[str, int] = {}
    for index, entry in enumerate(entries):
        card_id = entry.get("id") if isinstance(entry, dict) else None
        line = lines.card(index, card_id)
        if not isinstance(entry, dict):
            problems.add(line, f"card {index + 1} is not a table")
            continue
        # An id with a line break in it would split the one-line problem: not a label.
        label = (
            card_id
            if isinstance(card_id, str) and card_id.strip() and card_id.isprintable()
            else f"card {index + 1}"
        )
        if not isinstance(card_id, str) or not SLUG.fullmatch(card_id):
            problems.add(line, _id_problem("card", card_id), label)
        elif card_id in first_line:
            problems.add(line, f"duplicate id (first used at line {first_line[card_id]})", label)
        else:
            first_line[card_id] = line
        built = _card(entry, index, label, line, deck_tags, len(cards), lines, problems)
        cards.extend(built)
    if problems.items or not isinstance(slug, str):
        return None
    return DeckSpec(
        slug=slug,
        name=name,
        description=description,
        source=source,
        tags=deck_tags,
        path=path,
        cards=tuple(cards),
    )


def _id_problem(what: str, value: object) -> str:
    """Why `value` is no deck or card id (`what`), and a valid id like it when there is one."""
    if value is None:
        example = ', e.g. id = "my-deck"' if what == "deck" else ""
        return f"{what} needs an 'id': a slug of a-z, 0-9 and '-'{example}"
    if not isinstance(value, str):
        return f"{what} 'id' must be a string, not {_type_name(value)}"
    if not value.strip():
        return f"{what} 'id' is empty: give a slug of a-z, 0-9 and '-'"
    if not _SLUG_CHARACTERS.fullmatch(value):
        rule = "use lower-case letters, digits and '-'"
    elif value.startswith("-"):
        rule = "start it with a letter or a digit"
    else:
        rule = "use at most 64 characters"
    suggestion = slugify(value)
    # slugify falls back to a digest when nothing of the value is left: no help as an example.
    example = "" if suggestion == "deck-" + digest(value, 4) else f" (e.g. {suggestion!r})"
    return f"{what} id {value!r} is not valid: {rule}{example}"


def _string(
    table: dict[str, Any],
    key: str,
    *,
    at: Line,
    problems: _Problems,
    card: str | None = None,
    required: bool = False,
) -> str:
    value = table.get(key)
    if value is None:
        if required:
            problems.add(at, f"missing {key!r}", card)
        return ""
    if not isinstance(value, str):
        problems.add(at, f"{key!r} must be a string, not {_type_name(value)}", card)
        return ""
    if not value.strip():
        problems.add(at, f"{key!r} is empty", card)
        return ""
    return value.strip()


def _tags(value: object, line: Line, card: str | None, problems: _Problems) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        problems.add(line, "'tags' must be a list of strings", card)
        return ()
    for tag in value:
        if not _TAG.fullmatch(tag):
            problems.add(line, f"tag {tag!r} must be 1-64 characters with no spaces", card)
    return tuple(dict.fromkeys(value))


def _type_name(value: object) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a table",
        str: "a string",
    }.get(type(value), type(value).__name__)


def _card(
    entry: dict[str, Any],
    index: int,
    label: str,
    line: int,
    deck_tags: tuple[str, ...],
    position: int,
    lines: _Lines,
    problems: _Problems,
) -> list[CardSpec]:
    card_id = entry.get("id")
    for key in sorted(set(entry) - _CARD_KEYS):
        problems.add(lines.key(index, key, card_id), f"unknown card key {key!r}", label)

    def at(key: str) -> Line:
        return lambda: lines.key(index, key, card_id)

    values = {
        key: _string(entry, key, at=at(key), problems=problems, card=label) for key in _STRING_KEYS
    }
    for flag in ("reverse", "type"):
        if flag in entry and not isinstance(entry[flag], bool):
            problems.add(at(flag), f"{flag!r} must be true or false", label)
    accept_raw = entry.get("accept", [])
    if not isinstance(accept_raw, list) or not all(
        isinstance(item, str) and item.strip() for item in accept_raw
    ):
        problems.add(at("accept"), "'accept' must be a list of non-empty strings", label)
        accept_raw = []
    accept = tuple(item.strip() for item in accept_raw)
    tags = tuple(dict.fromkeys(deck_tags + _tags(entry.get("tags"), at("tags"), label, problems)))
    reverse = entry.get("reverse") is True
    typed = entry.get("type") is True

    if "order" in entry:
        return _chronology(entry, values, tags, line, position, at, label, problems)
    is_cloze = "text" in entry
    text = values["text"]
    if is_cloze:
        for key in ("front", "back", "answer", "accept", "reverse"):
            if key in entry:
                problems.add(at(key), f"a cloze card (with 'text') cannot have {key!r}", label)
        messages = cloze.find_problems(text) if text else []
        for message in messages:
            problems.add(at("text"), message, label)
    else:
        for key in ("front", "back"):
            if key not in entry:
                problems.add(line, f"missing {key!r} (or give 'text' for a cloze card)", label)
        if "accept" in entry and "answer" not in entry:
            problems.add(at("accept"), "'accept' needs an 'answer' to go with it", label)
        if reverse and "answer" in entry:
            problems.add(at("answer"), "a reversed card cannot have a typed 'answer'", label)
    if problems.items or not isinstance(card_id, str):
        return []

    # An 'answer' makes a card typed, as `type = true` does (the back is then the answer).
    note = Note(
        card_id,
        Kind.CLOZE if is_cloze else Kind.BASIC,
        text if is_cloze else values["front"],
        "" if is_cloze else values["back"],
        values["extra"],
        tags,
        line,
        reverse,
        typed or bool(values["answer"]),
        values["answer"],
        accept,
    )
    return note_cards(note, position, values["section"])


def _chronology(
    entry: dict[str, Any],
    values: dict[str, str],
    tags: tuple[str, ...],
    line: int,
    position: int,
    at: Callable[[str], Line],
    label: str,
    problems: _Problems,
) -> list[CardSpec]:
    """The card of a chronology entry: `order` lists its events in the order they happened;
    `front`, if given, is the one-line prompt above them."""
    card_id = entry.get("id")
    for key in ("back", "text", "answer", "accept", "reverse", "type"):
        if key in entry:
            problems.add(at(key), f"a chronology card (with 'order') cannot have {key!r}", label)
    for message in chronology.event_problems(entry["order"]):
        problems.add(at("order"), message, label)
    prompt = values["front"] or chronology.DEFAULT_PROMPT
    if "\n" in prompt:
        problems.add(at("front"), "a chronology card's 'front' is one line (the prompt)", label)
    if problems.items or not isinstance(card_id, str):
        return []
    events = [event.strip() for event in entry["order"]]
    front, back, answer = chronology.card_sides(card_id, events, prompt)
    return [
        CardSpec(
            card_id,
            card_id,
            Kind.CHRONOLOGY,
            front,
            back,
            answer,
            (),
            values["extra"],
            values["section"],
            tags,
            line,
            position,
        )
    ]
