"""A deck back to the TOML deck format, so that importing the file changes nothing.

The store keeps cards, not entries: a reversed entry is two cards and a cloze entry one card per
deletion. The writer groups the cards of each note back into one entry, rebuilds a cloze's
``{{...}}`` text from what its cards show, then reads its own output back with the TOML reader
and checks that every card comes out as stored before the file is put in place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from stalindeck.decks import chronology, cloze
from stalindeck.errors import StalindeckError


@dataclass(frozen=True, slots=True)
class StoredCard:
    """A card as the store has it (the fields the deck format defines)."""

    key: str
    note: str
    kind: str
    front: str
    back: str
    answer: str | None
    accept: tuple[str, ...]
    extra: str
    section: str
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoredDeck:
    """A deck as the store has it, with its active cards in deck order."""

    slug: str
    name: str
    description: str
    source: str
    tags: tuple[str, ...]
    cards: tuple[StoredCard, ...]


def toml_string(value: str) -> str:
    """A TOML basic string for `value` (JSON escapes are TOML escapes, DEL aside)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007F")


def _line(key: str, value: str | bool | Sequence[str]) -> str:
    if isinstance(value, bool):
        return f"{key} = {'true' if value else 'false'}"
    if isinstance(value, str):
        return f"{key} = {toml_string(value)}"
    return f"{key} = [{', '.join(toml_string(item) for item in value)}]"


def cloze_text(
    cards: Sequence[tuple[str, str]], numbers: Sequence[int] | None = None
) -> str | None:
    """The cloze text whose deletions give these (front, back) cards, in order; None if none does.

    Each front is the back with one deletion replaced by ``[...]`` or ``[hint]``. Where that is
    ambiguous (an answer that looks like a placeholder), every reading is tried in turn. Cards
    numbered otherwise than 1, 2, ... (`numbers`, from their keys), or hiding several spans
    at once, give Anki's numbered deletions (``{{c1::...}}``), as they were written.
    """
    if not cards or any(back != cards[0][1] for _, back in cards):
        return None
    if numbers is not None and list(numbers) != list(range(1, len(cards) + 1)):
        return _numbered_text(cards, numbers)
    found = _one_per_card(cards)
    if found is None and numbers is not None:
        return _numbered_text(cards, numbers)
    return found


_PLACEHOLDER = re.compile(r"\[[^\[\]\n]*\]")


def _numbered_text(cards: Sequence[tuple[str, str]], numbers: Sequence[int]) -> str | None:
    """The text in Anki's numbered syntax whose card number n hides what card n's front does."""
    back = cards[0][1]
    spans: list[tuple[int, int, str, int]] = []
    for (front, _), number in zip(cards, numbers, strict=True):
        pattern: list[str] = []
        tokens: list[str] = []
        cursor = 0
        for match in _PLACEHOLDER.finditer(front):
            pattern.append(re.escape(front[cursor : match.start()]))
            pattern.append(f"(?:(.+?)|{re.escape(match.group(0))})")
            tokens.append(match.group(0))
            cursor = match.end()
        pattern.append(re.escape(front[cursor:]))
        found = re.fullmatch("".join(pattern), back, re.DOTALL)
        if found is None:
            return None
        for index, token in enumerate(tokens, start=1):
            if found.group(index) is not None:
                hint = "" if token == cloze.PLACEHOLDER else token[1:-1]
                spans.append((found.start(index), found.end(index), hint, number))
    spans.sort()
    parts: list[str] = []
    cursor = 0
    for start, end, hint, number in spans:
        if start < cursor:
            return None
        parts.append(back[cursor:start])
        parts.append(f"{{{{c{number}::{back[start:end]}" + (f"::{hint}" if hint else "") + "}}")
        cursor = end
    parts.append(back[cursor:])
    text = "".join(parts)
    if cloze.find_problems(text) or cloze.card_numbers(text) != list(numbers):
        return None
    rendered = [(cloze.render(text, i), cloze.render(text, None)) for i in range(len(cards))]
    return text if rendered == [tuple(card) for card in cards] else None


def _one_per_card(cards: Sequence[tuple[str, str]]) -> str | None:
    """The unnumbered cloze text of cards that hide one deletion each, left to right."""
    back = cards[0][1]
    options = [list(_deletions(front, back)) for front, _ in cards]
    expected = [tuple(card) for card in cards]
    tried = 0

    def search(index: int, chosen: list[tuple[int, int, str]]) -> str | None:
        nonlocal tried
        if index == len(options):
            tried += 1
            text = _with_deletions(back, chosen)
            if cloze.find_problems(text) or len(cloze.deletions(text)) != len(cards):
                return None
            rendered = [
                (cloze.render(text, i), cloze.render(text, None)) for i in range(len(cards))
            ]
            return text if rendered == expected else None
        for span in options[index]:
            if tried > 1000:
                return None
            if chosen and chosen[-1][1] > span[0]:
                continue
            found = search(index + 1, [*chosen, span])
            if found is not None:
                return found
        return None

    return search(0, [])


def _with_deletions(back: str, spans: list[tuple[int, int, str]]) -> str:
    parts: list[str] = []
    cursor = 0
    for start, end, hint in spans:
        parts.append(back[cursor:start])
        parts.append("{{" + back[start:end] + (f"::{hint}" if hint else "") + "}}")
        cursor = end
    parts.append(back[cursor:])
    return "".join(parts)


def _deletions(front: str, back: str) -> Iterator[tuple[int, int, str]]:
    """Every way `front` can be `back` with one span replaced by a placeholder."""
    prefix = 0
    limit = min(len(front), len(back))
    while prefix < limit and front[prefix] == back[prefix]:
        prefix += 1
    for start in range(prefix, -1, -1):
        if start >= len(front) or front[start] != "[":
            continue
        close = front.find("]", start)
        while close != -1:
            rest = front[close + 1 :]
            end = len(back) - len(rest)
            answer = back[start:end]
            placeholder = front[start : close + 1]
            hint = "" if placeholder == cloze.PLACEHOLDER else placeholder[1:-1]
            if (
                end > start
                and back.endswith(rest)
                and answer.strip() == answer
                and "::" not in answer
                and (hint or placeholder == cloze.PLACEHOLDER)
                and hint.strip() == hint
            ):
                yield start, end, hint
            close = front.find("]", close + 1)


def deck_toml(deck: StoredDeck) -> str:
    """The TOML text of a deck.

    Raises:
        StalindeckError: a cloze note's text cannot be rebuilt from its cards.
    """
    lines = [_line("id", deck.slug), _line("name", deck.name)]
    if deck.description:
        lines.append(_line("description", deck.description))
    if deck.source:
        lines.append(_line("source", deck.source))
    if deck.tags:
        lines.append(_line("tags", deck.tags))
    notes: dict[str, list[StoredCard]] = {}
    for card in deck.cards:
        notes.setdefault(card.note, []).append(card)
    for note, cards in notes.items():
        lines.extend(["", "[[cards]]", _line("id", note)])
        lines.extend(_entry(deck, note, cards))
    return "\n".join(lines) + "\n"


def _entry(deck: StoredDeck, note: str, cards: list[StoredCard]) -> list[str]:
    first = cards[0]
    out: list[str] = []
    if first.section:
        out.append(_line("section", first.section))
    tags = [tag for tag in first.tags if tag not in deck.tags]
    if tags:
        out.append(_line("tags", tags))
    if first.kind == "chronology":
        entry = chronology.entry_of(first.front, first.back)
        if entry is None:
            raise StalindeckError(f"cannot rebuild the events of {deck.slug}/{note} from its card")
        prompt, events = entry
        if prompt != chronology.DEFAULT_PROMPT:
            out.append(_line("front", prompt))
        out.append(_line("order", events))
    elif first.kind == "cloze":
        ordered = sorted(cards, key=lambda card: int(card.key.rsplit("/c", 1)[-1] or 0))
        numbers = [int(card.key.rsplit("/c", 1)[-1] or 0) for card in ordered]
        text = cloze_text([(card.front, card.back) for card in ordered], numbers)
        if text is None:
            raise StalindeckError(
                f"cannot rebuild the cloze text of {deck.slug}/{note} from its cards"
            )
        out.append(_line("text", text))
        if first.answer is not None:
            out.append(_line("type", True))
    else:
        basic = next((card for card in cards if card.kind == "basic"), None)
        reverse = next((card for card in cards if card.kind == "reverse"), None)
        front, back = (basic.front, basic.back) if basic else (first.back, first.front)
        out.extend([_line("front", front), _line("back", back)])
        if reverse is not None:
            out.append(_line("reverse", True))
            if reverse.answer is not None or (basic is not None and basic.answer is not None):
                out.append(_line("type", True))
        elif basic is not None and basic.answer is not None:
            if basic.answer == basic.back and not basic.accept:
                out.append(_line("type", True))
            else:
                out.append(_line("answer", basic.answer))
                if basic.accept:
                    out.append(_line("accept", basic.accept))
    if first.extra:
        out.append(_line("extra", first.extra))
    return out


def checked_toml(deck: StoredDeck) -> str:
    """The TOML text of `deck`, after reading it back proves it imports as the stored cards.

    Raises:
        StalindeckError: some card would not come back as stored.
    """
    import tempfile

    from stalindeck.decks.toml_deck import load_deck
    from stalindeck.errors import DeckError

    text = deck_toml(deck)
    with tempfile.TemporaryDirectory(prefix="stalindeck-export-") as folder:
        probe = Path(folder) / f"{deck.slug}.toml"
        probe.write_text(text, encoding="utf-8")
        try:
            spec = load_deck(probe)
        except DeckError as error:
            raise StalindeckError(
                f"the export of {deck.slug} would not import ({error.problems[0]})"
            ) from error
    stored = {card.key: card for card in deck.cards}
    for card in spec.cards:
        original = stored.pop(card.key, None)
        read_back = StoredCard(
            card.key,
            card.note,
            card.kind.value,
            card.front,
            card.back,
            card.answer,
            card.accept,
            card.extra,
            card.section,
            card.tags,
        )
        if original != read_back:
            raise StalindeckError(
                f"card {deck.slug}/{card.key} cannot be written as TOML without changing it"
            )
    if stored:
        raise StalindeckError(f"card {deck.slug}/{next(iter(stored))} would be lost in the export")
    return text


def write_deck_toml(deck: StoredDeck, output: Path, *, force: bool) -> None:
    """Write `deck` to `output` as checked TOML; the file appears only once complete.

    Raises:
        StalindeckError: the file exists (without `force`), cannot be written, or would not
            import as the stored cards (then nothing is written).
    """
    from stalindeck.exporting import atomic_output

    text = checked_toml(deck)
    with atomic_output(output, force) as stream:
        stream.write(text)
