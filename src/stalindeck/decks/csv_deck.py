"""CSV/TSV decks: Anki's text-export conventions, or plain ``front,back[,tags]`` rows.

Two layouts are understood:

* Anki's: optional ``#key:value`` header lines (``#separator:``, ``#html:``, ``#tags column:``,
  ``#deck column:``, ``#guid column:``, ``#notetype column:``, ``#deck:``, ``#notetype:``,
  ``#tags:``, ``#columns:``), then one note per row; the columns that are not special are the
  note's fields in order (Front, Back, ... or Text, Back Extra for a cloze).
* A spreadsheet's: a first row naming the columns (``front``, ``back``, ``tags``, ``guid``,
  ``deck``, ``extra``, ``section``, ``text``), or no header at all and ``front,back[,tags]``.

A note is identified by its guid when there is a guid column, else by its first field, as Anki
does: re-importing an edited file updates the matching cards and keeps their history.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import count, repeat
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from stalindeck.decks.foreign import (
    Note,
    clean_tags,
    foreign_deck,
    guid_key,
    has_anki_cloze,
    html_to_text,
    note_cards,
    note_problems,
    read_text,
    row_keys,
    slugify,
    text_key,
)
from stalindeck.decks.model import CardSpec, DeckSpec, Kind
from stalindeck.words import joined

MAX_CSV_BYTES = 256 * 1024 * 1024
_HEADER = re.compile(r"#([a-z ]+):(.*)")
_SEPARATORS = {
    "tab": "\t",
    "comma": ",",
    "semicolon": ";",
    "pipe": "|",
    "space": " ",
    "colon": ":",
}
_COLUMN_HEADERS = {
    "tags column": "tags",
    "deck column": "deck",
    "guid column": "guid",
    "notetype column": "notetype",
}
_NAMES = {
    "front": "front",
    "question": "front",
    "back": "back",
    "answer": "back",
    "text": "text",
    "extra": "extra",
    "back extra": "extra",
    "section": "section",
    "tags": "tags",
    "tag": "tags",
    "guid": "guid",
    "deck": "deck",
    "notetype": "notetype",
}


@dataclass
class _Layout:
    """Where things are in a row, from the header lines or the header row (0-based)."""

    separator: str | None = None
    html: bool = False
    special: dict[str, int] = field(default_factory=dict)  # tags, deck, guid, notetype
    special_lines: dict[str, int] = field(default_factory=dict)  # their header lines (from 1)
    named: dict[str, int] | None = None  # from a header row or #columns:
    named_line: int = 0  # the line of the header row or #columns: (from 1)
    deck: str = ""
    notetype: str = ""
    tags: str = ""
    anki: bool = False  # any Anki header line was seen
    cell_breaks: bool = False  # a cell may hold a line break other than \n (see `_AS_NEWLINES`)


def read_csv(
    path: Path, deck_name: str | None, problems: list[str], skipped: list[str] | None = None
) -> list[DeckSpec]:
    """Read and check a CSV/TSV file: one deck, or one per deck named in a deck column.

    Args:
        path: the file (UTF-8, an optional byte-order mark).
        deck_name: the deck for every row, overriding any deck the file names; when None and
            the file names none, the file's name (without extension) is used.
        problems: where each problem goes, as ``file:line: message`` (`formats.load_files`
            raises them all together).
        skipped: where the problems of single rows go instead, when given: those rows are
            left out and the others read (Anki's way; the file's own problems still go to
            `problems`).
    """
    text = read_text(
        path, MAX_CSV_BYTES, problems, " (save it from the spreadsheet as 'CSV UTF-8')"
    )
    if text is None:
        return []
    start = len(problems)
    # Records end at \n, \r\n or \r only: `str.splitlines` would also end one inside a cell, at
    # a line separator (U+2028) or Word's manual line break (a vertical tab).
    lines = io.StringIO(text, newline="").readlines()
    layout, body_from = _read_headers(path, lines, problems)
    if len(problems) > start:
        return []
    body = lines[body_from:]
    separator = layout.separator or _guess_separator(path, body)
    found = _records(path, body, body_from, separator, problems)
    if found is None:
        return []
    rows, spanning = found
    # A \r can only be in a cell of a record over several lines (else it ends the record).
    layout.cell_breaks = spanning or any(mark in text for mark in _OTHER_BREAKS)
    if rows and layout.named is None and not layout.anki:
        layout.named = _header_row(rows[0][1])
        if layout.named is not None:
            layout.named_line = rows[0][0]
            rows = rows[1:]
    if layout.named is not None:
        _check_names(path, layout.named_line, layout.named, problems)
    if layout.special and rows:
        _check_special(path, rows, layout, problems)
    if not rows:
        problems.append(f"{path}:1: no rows: the file has no cards")
    if len(problems) > start:
        return []
    return _build(path, rows, layout, deck_name, problems, skipped)


# Line breaks other than \n that a cell may hold (a quoted cell of a Windows file, text pasted
# from Word or a web page): stored as \n.
_OTHER_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_AS_NEWLINES = str.maketrans(dict.fromkeys("\r" + _OTHER_BREAKS, "\n"))


def _with_breaks(clean: Callable[[str], str], value: str) -> str:
    return clean(value.replace("\r\n", "\n").translate(_AS_NEWLINES))


def _records(
    path: Path, body: list[str], body_from: int, separator: str, problems: list[str]
) -> tuple[list[tuple[int, list[str]]], bool] | None:
    """The rows that are not blank, each with the line it starts on, and whether some record
    spans several lines; None if a quote swallows lines (each such quote reported)."""
    csv.field_size_limit(min(sys.maxsize, MAX_CSV_BYTES))
    # Strict: a closing quote followed by more text, or a quote never closed, stops the reader
    # (see `_by_hand`); the files spreadsheets and Anki write never have either.
    reader = csv.reader(body, delimiter=separator, quotechar='"', strict=True)
    try:
        records = list(reader)
    except csv.Error:
        records = []  # read again below, record by record
    if records and reader.line_num == len(records):
        # Every record on one line (no quoted line breaks): a record's place is its line.
        return [
            (number, row)
            for number, row in enumerate(records, start=body_from + 1)
            if row and (row[0].strip() or "".join(row).strip())
        ], False
    lines = _Lines(body)
    rows: list[tuple[int, list[str]]] = []
    spanning = False
    start = len(problems)
    while lines.at < len(body):
        first = lines.at  # where the next record starts
        try:
            for row in csv.reader(lines, delimiter=separator, quotechar='"', strict=True):
                spanning = spanning or lines.at - first > 1
                if row and "".join(row).strip():
                    rows.append((body_from + first + 1, row))
                first = lines.at
            break
        except csv.Error:
            pass
        record = _by_hand(body, first, separator)
        if record.quote_at >= 0:
            problems.append(_swallowing(path, body_from, len(body), record))
        elif "".join(record.cells).strip():
            spanning = spanning or record.after - first > 1
            rows.append((body_from + first + 1, record.cells))
        lines.at = record.after
    if len(problems) > start:
        return None
    return rows, spanning


class _Lines:
    """A csv reader's input: the body's lines from `at`, which a record read by hand moves on
    (the reader takes one line at a time, so `at` is always just past what it has read)."""

    def __init__(self, body: list[str]) -> None:
        self.body = body
        self.at = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        at = self.at
        if at >= len(self.body):
            raise StopIteration
        self.at = at + 1
        return self.body[at]


class _Record(NamedTuple):
    """A record read by hand (indexes are into the body's lines)."""

    cells: list[str]
    after: int  # the line after the record, or after `quote_at`
    quote_at: int = -1  # a quote that would swallow lines opens on this line...
    closed_at: int = -1  # ...and a quote followed by more text on this one closes it (-1: none)


def _swallowing(path: Path, body_from: int, lines: int, record: _Record) -> str:
    """The problem of a quote that would swallow lines, at the line where it opens."""
    opened = record.quote_at
    if record.closed_at >= 0:
        closed = body_from + record.closed_at + 1
        what = (
            f"is not closed on its line (it would swallow the next "
            f"{_lines(record.closed_at - opened)}, to a quote on line {closed})"
        )
    elif opened < lines - 1:
        what = f"is never closed (it would swallow the next {_lines(lines - 1 - opened)})"
    else:
        what = "is never closed"
    return (
        f"{path}:{body_from + opened + 1}: a quote opened here {what}; close it where the cell "
        'ends (a quote mark inside a quoted cell is written ""), or save the file again from '
        "the spreadsheet"
    )


def _lines(count: int) -> str:
    return "line" if count == 1 else f"{count} lines"


def _by_hand(body: list[str], at: int, separator: str) -> _Record:
    """Read the record starting at ``body[at]`` that the csv module refuses in strict mode.

    A cell that starts with a quote runs to the next quote that is not doubled, over line
    ends if need be, as every CSV reader has it. Then:

    * only spaces before the separator or the line end: the cell is the text between the
      quotes, as usual;
    * other text, on the line where the quote opened (``"Peace, Land and Bread" was whose
      slogan?``): the cell runs on to the separator and keeps its text as typed, quote marks
      included (the csv module and Anki's importer drop them);
    * other text on a later line, or no closing quote at all: the quote was never meant to
      hold line breaks and would swallow the lines in between. It is reported, at the line
      where it opened; spreadsheets and Anki never write either.
    """
    cells: list[str] = []
    index, line, pos = at, body[at], 0
    end = len(line.rstrip("\r\n"))
    while True:
        if line.startswith('"', pos):
            opened, quote = index, pos
            parts: list[str] = []
            pos += 1
            while True:
                close = line.find('"', pos)
                if close < 0:  # the cell goes on past the line end
                    parts.append(line[pos:])
                    index += 1
                    if index == len(body):
                        return _Record([], opened + 1, opened)
                    line, pos = body[index], 0
                    end = len(line.rstrip("\r\n"))
                elif line.startswith('"', close + 1):  # a doubled quote: one quote mark
                    parts.append(line[pos : close + 1])
                    pos = close + 2
                else:
                    parts.append(line[pos:close])
                    pos = close + 1
                    break
            stop = line.find(separator, pos, end)
            stop = end if stop < 0 else stop
            if not line[pos:stop].strip(" "):
                cells.append("".join(parts))
            elif index == opened:
                cells.append(line[quote:stop])
            else:
                return _Record([], opened + 1, opened, index)
        else:
            stop = line.find(separator, pos, end)
            stop = end if stop < 0 else stop
            cells.append(line[pos:stop])
        pos = stop
        if pos == end:
            return _Record(cells, index + 1)
        pos += 1  # past the separator


def _read_headers(path: Path, lines: list[str], problems: list[str]) -> tuple[_Layout, int]:
    layout = _Layout()
    count = 0
    for number, line in enumerate(lines, start=1):
        match = _HEADER.fullmatch(line.rstrip("\r\n"))
        if match is None:
            if line.startswith("#") and ":" not in line:
                count = number  # a comment, as Anki reads one among its header lines
                continue
            break
        count = number
        key, value = match.group(1).strip().lower(), match.group(2).strip()
        layout.anki = True
        where = f"{path}:{number}"
        if key == "separator":
            separator = _SEPARATORS.get(value.lower(), value if len(value) == 1 else None)
            if separator is None or separator in '"\r\n':
                problems.append(
                    f"{where}: unknown separator {value!r}; use Tab, Comma, Semicolon, Pipe, "
                    "Space, Colon or a single character"
                )
            layout.separator = separator
        elif key == "html":
            if value.lower() not in ("true", "false"):
                problems.append(f"{where}: #html must be true or false, not {value!r}")
            layout.html = value.lower() == "true"
        elif key in _COLUMN_HEADERS:
            if not value.isdigit() or int(value) < 1:
                problems.append(f"{where}: #{key} must be a column number from 1")
            else:
                layout.special[_COLUMN_HEADERS[key]] = int(value) - 1
                layout.special_lines[_COLUMN_HEADERS[key]] = number
        elif key == "deck":
            layout.deck = value
        elif key == "notetype":
            layout.notetype = value
        elif key == "tags":
            layout.tags = value
        elif key == "columns":
            sep = layout.separator or ("\t" if "\t" in value else ",")
            layout.named = {name.strip().lower(): i for i, name in enumerate(value.split(sep))}
            layout.named_line = number
        elif key == "if matches":
            pass  # matching notes are always updated, keeping their history
        else:
            problems.append(f"{where}: unknown header line #{key}:")
    return layout, count


def _guess_separator(path: Path, body: list[str]) -> str:
    first = next((line for line in body if line.strip()), "")
    if path.suffix.lower() == ".tsv" or "\t" in first:
        return "\t"
    if ";" in first and "," not in first:
        return ";"  # as spreadsheets save "CSV" where the comma is the decimal mark
    return ","


def _header_row(row: list[str]) -> dict[str, int] | None:
    """Column names when the first row is a header (it names a front or text column)."""
    names = [cell.strip().lower() for cell in row]
    if not ({"front", "question", "text"} & set(names)):
        return None
    return {name: i for i, name in enumerate(names) if name}


def _check_names(path: Path, line: int, named: dict[str, int], problems: list[str]) -> None:
    unknown = [repr(name) for name in named if name not in _NAMES]  # in the header's order
    if unknown:
        listed = joined(unknown)
        problems.append(
            f"{path}:{line}: unknown column{'s' if len(unknown) > 1 else ''} {listed}; columns "
            "are front (or question), back (or answer), tags, guid, deck, extra, section and text "
            "(for a cloze): rename or delete the others"
        )
    roles = {_NAMES.get(name) for name in named}
    if "front" not in roles and "text" not in roles:
        problems.append(
            f"{path}:{line}: the header row needs a 'front' (or 'question') or 'text' column"
        )


def _check_special(
    path: Path, rows: list[tuple[int, list[str]]], layout: _Layout, problems: list[str]
) -> None:
    """Report a ``#tags column:`` (deck, guid, notetype) past the last column of every row."""
    for role, index in layout.special.items():
        # Stops at the first row long enough: nearly always the first.
        if any(len(row) > index for _, row in rows):
            continue
        widths = sorted({len(row) for _, row in rows})
        have = f"{widths[0]}" if len(widths) == 1 else f"{widths[0]} to {widths[-1]}"
        problems.append(
            f"{path}:{layout.special_lines[role]}: #{role} column:{index + 1} is past the last "
            f"column: the rows have {have} column{'s' if widths[-1] > 1 else ''}; give the "
            f"number of the column that holds the {_SPECIAL_WHAT[role]}, counting from 1"
        )


_SPECIAL_WHAT = {"tags": "tags", "deck": "deck names", "guid": "guids", "notetype": "note types"}


def _past_the_header(
    path: Path, rows: list[tuple[int, list[str]]], width: int, problems: list[str]
) -> bool:
    """Report rows with a value in a column the header does not name (most often a number
    such as 51,439 written without quotes, split at its comma); True when there are some."""
    start = len(problems)
    for line, row in rows:
        if len(row) <= width:
            continue
        column = next((width + i for i, cell in enumerate(row[width:]) if cell.strip()), None)
        if column is not None:
            problems.append(
                f"{path}:{line}: a value in column {column + 1}, past the header's {width} "
                f'columns: put quotes around a cell that holds the separator ("51,439"), or '
                "name the column in the header"
            )
    return len(problems) > start


class _Decks:
    """Cards gathered per deck name, with the first line of each note id for duplicates."""

    def __init__(self) -> None:
        self.cards: dict[str, list[CardSpec]] = {}
        self.first_line: dict[tuple[str, str], int] = {}


def _build(
    path: Path,
    rows: list[tuple[int, list[str]]],
    layout: _Layout,
    deck_name: str | None,
    problems: list[str],
    skipped: list[str] | None = None,
) -> list[DeckSpec]:
    named = {_NAMES[name]: index for name, index in (layout.named or {}).items() if name in _NAMES}
    special = dict(layout.special)
    for role in ("tags", "deck", "guid", "notetype"):
        if role in named:
            special[role] = named[role]
    if layout.named is None and not layout.anki:
        special["tags"] = 2  # plain front,back[,tags]
    skip = set(special.values())
    html = layout.html
    default_deck = deck_name or layout.deck or path.stem
    decks = _Decks()
    get_tags = special.get("tags")
    get_deck = special.get("deck")
    get_guid = special.get("guid")
    get_type = special.get("notetype")
    width = max((*named.values(), *special.values()), default=0) + 1
    if layout.named is not None and _past_the_header(path, rows, width, problems):
        return []
    blank = width  # "" in every row once padded: nothing lies past `width` (checked above)
    pick: Callable[[list[str]], tuple[str, ...]] | None = None
    if layout.named is not None:
        text_at = named.get("text")
        pick = itemgetter(
            named.get("front", blank),
            named.get("back", blank),
            named.get("extra", blank),
            named.get("section", blank),
            blank if text_at is None else text_at,
        )
    tag_cache: dict[str, tuple[tuple[str, ...], list[str]]] = {}
    fields_at: dict[int, tuple[int, ...]] = {}  # row length -> the columns that are fields
    section = ""
    clean = html_to_text if html else str.strip
    if layout.cell_breaks:
        clean = partial(_with_breaks, clean)
    fixed_type = layout.notetype.lower()
    if get_type is not None or _note_type(fixed_type) == _PLAIN:
        columns = _columns(rows, layout, named, special, width, skip, deck_name)
        if columns is not None:
            found = _uniform_cards(rows, width, columns, clean, layout.tags, default_deck)
            if found is not None:
                return _decks(path, found, problems)
    first_line = decks.first_line
    for line, row in rows:
        if len(row) <= width:
            row = row + [""] * (width + 1 - len(row))
        notetype = row[get_type].lower() if get_type is not None else fixed_type
        if pick is not None:
            front, back, extra, section, text = pick(row)
            if text.strip():
                notetype, front = "cloze", text
            fields = [clean(front), clean(back), clean(extra)]
            section = section.strip()
        else:
            at = fields_at.get(len(row))
            if at is None:
                at = fields_at[len(row)] = tuple(i for i in range(len(row)) if i not in skip)
            fields = list(map(clean, map(row.__getitem__, at)))
        raw_tags = layout.tags + " " + row[get_tags] if get_tags is not None else layout.tags
        cached = tag_cache.get(raw_tags)
        if cached is None:
            cached = tag_cache[raw_tags] = clean_tags(raw_tags, shorten=False)
        tags, tag_problems = cached
        guid = row[get_guid].strip() if get_guid is not None else ""
        deck = deck_name or (row[get_deck].strip() if get_deck is not None else "") or default_deck
        note = _note(fields, _note_type(notetype), guid, tags, line)
        messages = note_problems(note)
        if tag_problems:
            messages = tag_problems + messages
        key = (deck, note.note)
        seen = first_line.setdefault(key, line)
        if seen != line:
            what = "guid" if guid else "first field"
            messages.append(
                f"same {what} as line {seen}: rows are matched by their "
                f"{what}, so each must be unique in a deck"
            )
        if messages:
            where = problems if skipped is None else skipped
            where.extend(f"{path}:{line}: {message}" for message in messages)
            continue
        cards = decks.cards.get(deck)
        if cards is None:
            cards = decks.cards[deck] = []
        cards.extend(note_cards(note, len(cards), section))
    return _decks(path, decks.cards, problems)


class _Columns(NamedTuple):
    """Where every row of a file keeps its fields (front, back, section, extra), the text of a
    cloze (a row with text there is one), and its tags, guid, note type and deck."""

    front: int
    back: int
    section: int | None
    extras: tuple[int, ...]
    text: int | None
    tags: int | None
    guid: int | None
    notetype: int | None
    deck: int | None


def _columns(
    rows: list[tuple[int, list[str]]],
    layout: _Layout,
    named: dict[str, int],
    special: dict[str, int],
    width: int,
    skip: set[int],
    deck_name: str | None,
) -> _Columns | None:
    """Where the fields are in every row, or None when that depends on the row."""
    blank = width  # "" in every padded row
    others = (special.get("tags"), special.get("guid"), special.get("notetype"))
    deck = None if deck_name else special.get("deck")
    if layout.named is not None:
        front, back = named.get("front", blank), named.get("back", blank)
        extras = (named.get("extra", blank),)
        return _Columns(front, back, named.get("section"), extras, named.get("text"), *others, deck)
    lengths = {max(len(row), width + 1) for _, row in rows}
    fields = [index for index in range(max(lengths)) if index not in skip]
    if len(lengths) > 1 or len(fields) < 2:
        return None  # a row's fields depend on its length, or a row has no back
    return _Columns(fields[0], fields[1], None, tuple(fields[2:]), None, *others, deck)


def _uniform_cards(
    rows: list[tuple[int, list[str]]],
    width: int,
    columns: _Columns,
    clean: Callable[[str], str],
    file_tags: str,
    default_deck: str,
) -> dict[str, list[CardSpec]] | None:
    """The cards of a file of plain basic notes, per deck, read a column at a time.

    Each step is one loop over a column (in C where it can be), not a Python call per row:
    the same cards as `_build`'s row-by-row reading, about twice as fast for a large
    spreadsheet or Anki export. None when some row needs that reading: a cloze, another note
    type, or a problem to report.
    """
    padded = [row if len(row) > width else row + [""] * (width + 1 - len(row)) for _, row in rows]
    if columns.text is not None and any(row[columns.text].strip() for row in padded):
        return None
    at = columns.notetype
    if at is not None and any(
        _note_type(name.lower()) != _PLAIN for name in {row[at] for row in padded}
    ):
        return None
    fronts = [clean(row[columns.front]) for row in padded]
    backs = [clean(row[columns.back]) for row in padded]
    if not (all(fronts) and all(backs)) or any("{{c" in front for front in fronts):
        return None
    extras = [""] * len(padded)
    if len(columns.extras) == 1:
        extras = [clean(row[columns.extras[0]]) for row in padded]
    elif columns.extras:
        pick = itemgetter(*columns.extras)
        extras = ["\n".join(filter(None, map(clean, values))) for values in map(pick, padded)]
    at = columns.section
    sections = [""] * len(padded) if at is None else [row[at].strip() for row in padded]
    at = columns.tags
    raw_tags = (
        repeat(file_tags, len(padded))
        if at is None
        else [file_tags + " " + row[at] for row in padded]
    )
    cache: dict[str, tuple[str, ...]] = {}
    tags = []
    for raw in raw_tags:
        found = cache.get(raw)
        if found is None:
            found, too_long = clean_tags(raw, shorten=False)
            if too_long:
                return None
            cache[raw] = found
        tags.append(found)
    at = columns.guid
    keys = row_keys(fronts, None if at is None else [row[at].strip() for row in padded])
    lines = [line for line, _ in rows]
    at = columns.deck
    names = None if at is None else [row[at].strip() or default_deck for row in padded]
    if names is None or len(set(names)) == 1:
        if len(set(keys)) != len(keys):
            return None  # rows with the same first field (or guid)
        deck = default_deck if names is None else names[0]
        return {deck: _basic_cards(keys, fronts, backs, extras, sections, tags, lines)}
    if len(set(zip(names, keys, strict=True))) != len(keys):
        return None
    # Several decks: each keeps its rows in file order, decks in order of first appearance.
    by_deck: dict[str, list[tuple[str, str, str, str, str, tuple[str, ...], int]]] = {}
    for name, note in zip(
        names, zip(keys, fronts, backs, extras, sections, tags, lines, strict=True), strict=True
    ):
        by_deck.setdefault(name, []).append(note)
    return {
        name: _basic_cards(*map(list, zip(*notes, strict=True))) for name, notes in by_deck.items()
    }


def _basic_cards(
    keys: Sequence[str],
    fronts: Sequence[str],
    backs: Sequence[str],
    extras: Sequence[str],
    sections: Sequence[str],
    tags: Sequence[tuple[str, ...]],
    lines: Sequence[int],
) -> list[CardSpec]:
    """One plain basic card per note, numbered in order, from its columns."""
    return list(
        map(
            CardSpec._make,
            zip(keys, keys, repeat(Kind.BASIC), fronts, backs, repeat(None), repeat(()), extras,
                sections, tags, lines, count(), strict=False),
        )
    )  # fmt: skip


class _NoteType(NamedTuple):
    """What an Anki note type name says about its cards."""

    cloze: bool
    optional_reverse: bool
    reverse: bool
    typed: bool


@lru_cache(maxsize=256)
def _note_type(name: str) -> _NoteType:
    optional = "optional reversed" in name
    reverse = not optional and "reverse" in name
    return _NoteType("cloze" in name, optional, reverse, "type in" in name)


_PLAIN = _NoteType(cloze=False, optional_reverse=False, reverse=False, typed=False)


def _note(
    fields: list[str], notetype: _NoteType, guid: str, tags: tuple[str, ...], line: int
) -> Note:
    first = fields[0] if fields else ""
    note_id = guid_key(guid) if guid else text_key(first)
    if notetype.cloze or ("{{c" in first and has_anki_cloze(first)):
        text = first  # Anki's numbered deletions, read as Anki reads them (`cloze`)
        extra = "\n".join(value for value in fields[1:] if value)
        return Note(note_id, Kind.CLOZE, text, "", extra, tags, line)
    second = fields[1] if len(fields) > 1 else ""
    if notetype.optional_reverse:
        reverse = len(fields) > 2 and bool(fields[2])
        rest = fields[3:]
    else:
        reverse, rest = notetype.reverse, fields[2:]
    extra = "\n".join(value for value in rest if value) if rest else ""
    return Note(note_id, Kind.BASIC, first, second, extra, tags, line, reverse, notetype.typed)


def _decks(path: Path, decks: dict[str, list[CardSpec]], problems: list[str]) -> list[DeckSpec]:
    found: list[DeckSpec] = []
    seen: dict[str, str] = {}
    for name, cards in decks.items():
        slug = slugify(name)
        if slug in seen:
            problems.append(
                f"{path}:1: decks {seen[slug]!r} and {name!r} would both get the id {slug!r}; "
                "rename one"
            )
            continue
        seen[slug] = name
        found.append(foreign_deck(slug, name, path, cards))
    return found
