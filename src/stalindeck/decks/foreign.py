"""What the CSV, Markdown and Anki readers share: HTML to text, Anki clozes, identities, and
turning one note into the cards of the deck model.

Everything here handles untrusted text: it is only ever transformed with regular expressions
and `html.unescape`, never interpreted.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

from stalindeck.decks import cloze
from stalindeck.decks.model import CardSpec, DeckSpec, Kind

MAX_TAG = 64
_DROP = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>|</(?:div|p|li|tr|h[1-6])\s*>", re.IGNORECASE)
_CELL_END = re.compile(r"</t[dh]\s*>", re.IGNORECASE)  # a table's cells, apart on their row
_IMAGE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SOUND = re.compile(r"\[sound:[^\]]*\]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_ANKI_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)\}\}", re.DOTALL)
_SLUG_DROP = re.compile(r"[^a-z0-9]+")
_ANKI_CLOZE_HINT = re.compile(r"\{\{c\d+::")


def read_text(path: Path, limit: int, problems: list[str], utf8_hint: str = "") -> str | None:
    """The text of a deck file, or None after adding its problem: too large, unreadable, or
    not UTF-8 (an optional byte-order mark is dropped)."""
    try:
        size = path.stat().st_size
        if size > limit:
            problems.append(f"{path}:1: file is {size:,} bytes; the limit is {limit:,}")
            return None
        raw = path.read_bytes()
    except OSError as error:
        problems.append(f"{path}:1: cannot read the file: {error.strerror or error}")
        return None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode Text" (tab-separated) is UTF-16 with a byte-order mark.
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            problems.append(f"{path}:1: file is not valid UTF-16{utf8_hint}")
            return None
    if b"\x00" in raw:
        # Valid UTF-8 never holds a NUL in text; UTF-16 saved without its byte-order mark does
        # in every other byte (and would otherwise read as empty cells, one letter apart).
        head = raw[:4096]
        odd, even = head[1::2].count(0), head[0::2].count(0)
        if max(odd, even) > len(head) // 4:
            advice = utf8_hint or " (save it as UTF-8)"
            problems.append(f"{path}:1: file is UTF-16 without a byte-order mark{advice}")
        else:
            line = raw[: raw.index(b"\x00")].count(b"\n") + 1
            problems.append(f"{path}:{line}: file holds NUL bytes: it is not a text file")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.append(f"{path}:{line}: file is not valid UTF-8{utf8_hint}")
        return None


def html_to_text(value: str) -> str:
    """Readable plain text from an Anki field: tags stripped, breaks kept, entities decoded.

    Images become ``[image]`` and sounds ``[sound]`` so a card that only had a picture still
    says so.
    """
    if "<" not in value and "&" not in value and "[sound:" not in value:
        return value.strip()
    value = _DROP.sub("", value)
    value = _BREAK.sub("\n", value)
    value = _CELL_END.sub(" ", value)
    value = _IMAGE.sub("[image]", value)
    value = _SOUND.sub("[sound]", value)
    value = html.unescape(_TAG.sub("", value))
    lines = [_SPACES.sub(" ", line).strip() for line in value.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


_IMAGE_SOURCE = re.compile(
    r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE
)
_SOUND = re.compile(r"\[sound:([^\]]+)\]")


def media_names(field: str) -> set[str]:
    """The media files an Anki field shows: its images' sources and its sounds."""
    found = {
        html.unescape(next(group for group in match.groups() if group is not None))
        for match in _IMAGE_SOURCE.finditer(field)
    }
    found.update(html.unescape(match.group(1)) for match in _SOUND.finditer(field))
    return {name for name in found if name and "://" not in name}


def text_to_html(value: str) -> str:
    """An Anki field showing `value` literally: escaped, with line breaks as ``<br>``."""
    return html.escape(value, quote=False).replace("\n", "<br>")


def has_anki_cloze(text: str) -> bool:
    """Whether `text` holds Anki ``{{cN::...}}`` deletions."""
    return _ANKI_CLOZE_HINT.search(text) is not None


def from_anki_cloze(text: str) -> tuple[str, tuple[int, ...]]:
    """Anki cloze text in stalindeck's unnumbered syntax, and the Anki number (cN) of each
    deletion: ``{{c1::Paris::city}} and {{c2::Rome}}`` becomes ``{{Paris::city}} and {{Rome}}``
    with numbers (1, 2). (The readers keep Anki's syntax, which `cloze` reads as Anki does.)
    """
    numbers: list[int] = []

    def replace(match: re.Match[str]) -> str:
        numbers.append(int(match.group(1)))
        return "{{" + match.group(2) + "}}"

    return _ANKI_CLOZE.sub(replace, text), tuple(numbers)


def to_anki_cloze(text: str) -> str:
    """Cloze text as an Anki field: escaped as HTML, the n-th unnumbered deletion written
    ``{{cn::...}}`` (numbered ones keep their number)."""
    parts: list[str] = []
    cursor = 0
    for index, deletion in enumerate(cloze.deletions(text), start=1):
        number = deletion.number or index
        parts.append(text_to_html(text[cursor : deletion.start]))
        inner = text_to_html(deletion.answer)
        if deletion.hint:
            inner += "::" + text_to_html(deletion.hint)
        parts.append(f"{{{{c{number}::{inner}}}}}")
        cursor = deletion.end
    parts.append(text_to_html(text[cursor:]))
    return "".join(parts)


def digest(value: str, size: int = 8) -> str:
    """A short, stable hex digest of `value`."""
    return hashlib.blake2b(value.encode(), digest_size=size).hexdigest()


def guid_key(guid: str) -> str:
    """The note id for an Anki guid: the same in a CSV export and in a package."""
    return "g-" + digest(guid)


def text_key(first_field: str) -> str:
    """The note id for a row matched by its first field, as Anki matches notes without a guid."""
    return "r-" + digest(" ".join(first_field.split()))


def row_keys(firsts: Sequence[str], guids: Sequence[str] | None = None) -> list[str]:
    """`guid_key` of each row's guid, or `text_key` of its first field when it has none.

    The same digests, written out in one comprehension: a call per row of a 100,000-row
    spreadsheet cost more than the digest itself.
    """
    blake = hashlib.blake2b
    if guids is None:
        return [
            "r-" + blake(" ".join(first.split()).encode(), digest_size=8).hexdigest()
            for first in firsts
        ]
    return [
        "g-" + blake(guid.encode(), digest_size=8).hexdigest()
        if guid
        else "r-" + blake(" ".join(first.split()).encode(), digest_size=8).hexdigest()
        for first, guid in zip(firsts, guids, strict=True)
    ]


def slugify(name: str) -> str:
    """A deck id from a deck name: ``History::Russia`` becomes ``history-russia``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = _SLUG_DROP.sub("-", ascii_name.lower()).strip("-")[:64].strip("-")
    return slug or "deck-" + digest(name, 4)


def foreign_deck(slug: str, name: str, path: Path, cards: Sequence[CardSpec]) -> DeckSpec:
    """The deck a CSV, Markdown or Anki file makes: its name on one line (at most 200
    characters), no description, source or deck tags."""
    return DeckSpec(
        slug=slug,
        name=" ".join(name.split())[:200],
        description="",
        source="",
        tags=(),
        path=path,
        cards=tuple(cards),
    )


def clean_tags(raw: str, *, shorten: bool) -> tuple[tuple[str, ...], list[str]]:
    """Space-separated tags, deduplicated; too-long ones shortened or reported.

    Returns:
        the tags, and a problem message for each tag that is too long (when not `shorten`).
    """
    tags: list[str] = []
    problems: list[str] = []
    for tag in raw.split():
        if len(tag) > MAX_TAG:
            if not shorten:
                problems.append(f"tag {tag[:20]!r}... is longer than {MAX_TAG} characters")
                continue
            tag = tag[:MAX_TAG]
        tags.append(tag)
    return tuple(dict.fromkeys(tags)), problems


class Note(NamedTuple):
    """One note of a foreign format, already reduced to plain text (a tuple: cheap to make).

    Attributes:
        note: the note id (a slug); its cards are siblings.
        kind: basic (optionally with `reverse`) or cloze.
        front: the question, or for a cloze the text with ``{{...}}`` deletions.
        back: the answer ("" for a cloze).
        extra: shown under the answer.
        tags: the note's tags.
        line: where it starts in its file.
        reverse: also make the back → front card.
        typed: the answer is typed (the back for a basic card, each deletion for a cloze).
        answer: the typed answer of a basic card when it is not the back.
        accept: other typed answers that count as right.
    """

    note: str
    kind: Kind
    front: str
    back: str
    extra: str
    tags: tuple[str, ...]
    line: int
    reverse: bool = False
    typed: bool = False
    answer: str = ""
    accept: tuple[str, ...] = ()


def note_problems(note: Note) -> list[str]:
    """What keeps `note` from becoming cards (empty sides, malformed clozes)."""
    if note.kind is Kind.CLOZE:
        if not note.front:
            return ["cloze text is empty"]
        return cloze.find_problems(note.front)
    problems = []
    if not note.front:
        problems.append("the front (first field) is empty")
    if not note.back:
        problems.append("the back (second field) is empty")
    return problems


def note_cards(note: Note, position: int, section: str = "") -> list[CardSpec]:
    """The cards of a valid note, numbered from `position`, keyed as a TOML entry's would be."""
    if note.kind is Kind.BASIC and not note.reverse and not note.typed:
        # The common case, kept lean: large spreadsheets are mostly plain front/back rows.
        return [
            CardSpec(
                note.note,
                note.note,
                Kind.BASIC,
                note.front,
                note.back,
                None,
                (),
                note.extra,
                section,
                note.tags,
                note.line,
                position,
            )
        ]

    def make(
        key: str,
        kind: Kind,
        front: str,
        back: str,
        answer: str | None,
        offset: int,
        accept: tuple[str, ...] = (),
    ) -> CardSpec:
        return CardSpec(
            key=key,
            note=note.note,
            kind=kind,
            front=front,
            back=back,
            answer=answer,
            accept=accept if answer is not None else (),
            extra=note.extra,
            section=section,
            tags=note.tags,
            line=note.line,
            position=position + offset,
        )

    if note.kind is Kind.CLOZE:
        whole = cloze.render(note.front, None)

        def answer(number: int) -> str | None:
            return ", ".join(d.answer for d in cloze.hidden(note.front, number))

        return [
            make(
                f"{note.note}/c{number}",
                Kind.CLOZE,
                cloze.render(note.front, index),
                whole,
                ", ".join(d.answer for d in cloze.hidden(note.front, number))
                if note.typed
                else None,
                index,
            )
            for index, number in enumerate(cloze.card_numbers(note.front))
        ]
    cards = [
        make(
            note.note,
            Kind.BASIC,
            note.front,
            note.back,
            (note.answer or note.back) if note.typed else None,
            0,
            note.accept,
        )
    ]
    if note.reverse:
        cards.append(
            make(
                f"{note.note}/reverse",
                Kind.REVERSE,
                note.back,
                note.front,
                note.front if note.typed else None,
                1,
            )
        )
    return cards


@dataclass(frozen=True, slots=True)
class CardHistory:
    """The review log of one imported card, oldest first.

    Attributes:
        deck: the deck id.
        key: the card key in that deck.
        reviews: (when, grade 1-4, milliseconds spent) for each answer.
        suspended: the card was suspended where the history comes from.
        due: when it is due there: a study day (a review card), a moment (a card in its
            learning steps), or None (the replay decides).
        steps_left: the learning steps it has left there, for a card in them.
    """

    deck: str
    key: str
    reviews: tuple[tuple[datetime, int, int], ...]
    suspended: bool = False
    due: date | datetime | None = None
    steps_left: int | None = None
