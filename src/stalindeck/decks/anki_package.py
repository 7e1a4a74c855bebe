"""Anki packages (.apkg, .colpkg) read into the deck model, treated as hostile input.

A package is a zip holding a SQLite collection: ``collection.anki21b`` (zstd-compressed, schema
18, what current Anki writes), or the legacy ``collection.anki21`` / ``collection.anki2``
(schema 11). Only the collection is extracted, into a temporary folder, after checking every
member name and size; the database is opened read-only and passes ``PRAGMA quick_check`` before
anything is read from it. Media files are read into memory, each up to its declared size and
within limits, and kept in the store; none is ever written to a path the package names.

Notes become cards as follows: a note whose type is a cloze type gives one card per cloze
number, as in Anki (``{{c1::a}} ... {{c1::b}}`` is one card hiding both); any other note gives a
basic card from its first two fields, plus the reverse when the note has a second card (Basic
(and reversed card) and the like) and a typed answer when its first template has
``{{type:...}}``. Further fields go into the card's extra line.

What Anki allows is allowed: a note with an empty back (its second field) gives a card whose
back is a dash (``EMPTY_BACK``; no deck format here has an empty back), with no reverse card
(Anki makes none whose question is empty) and no typed answer (Anki shows no box for an empty
field). An empty question and a malformed cloze are problems.
"""

from __future__ import annotations

import json
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import IO, Any

from stalindeck.decks.foreign import (
    CardHistory,
    Note,
    clean_tags,
    foreign_deck,
    guid_key,
    html_to_text,
    note_cards,
    note_problems,
    slugify,
)
from stalindeck.decks.model import (
    AnkiNoteSpec,
    AnkiNotetype,
    CardSpec,
    DeckSpec,
    Kind,
    note_digest,
)

MAX_PACKAGE_BYTES = 4 * 1024**3
MAX_MEMBERS = 100_000
MAX_MEMBER_BYTES = 2 * 1024**3
MAX_TOTAL_BYTES = 8 * 1024**3
MAX_RATIO = 200  # uncompressed / compressed, for members over RATIO_FROM bytes
RATIO_FROM = 1024 * 1024
_CHUNK = 1024 * 1024
COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
_FIELD_REF = re.compile(r"\{\{([^#^/!{}][^{}]*)\}\}")
_OUR_GUID = re.compile(r"([a-z0-9][a-z0-9-]{0,63})/([a-z0-9][a-z0-9-]{0,63})")
_NOT_EXTRA = frozenset({"section", "answer", "accept", "add reverse"})
_MANUAL = (4, 5)  # revlog types: manual, rescheduled — not answers
_SUSPENDED = -1  # cards.queue of a suspended card (buried ones are -2 and -3)
# The back of a card whose Anki note has an empty back: Anki allows it, a TOML deck does not.
EMPTY_BACK = "\u2014"


class PackageError(Exception):
    """A package that cannot be read; the message says which part and why."""


@dataclass
class Package:
    """What a package holds: its decks and, when asked for, the review history of its cards."""

    decks: list[DeckSpec] = field(default_factory=list)
    history: list[CardHistory] = field(default_factory=list)


def read_package(path: Path, problems: list[str], *, with_history: bool = False) -> Package:
    """Read and check an Anki package (unsafe, damaged or unimportable contents become
    problems, collected in `problems`; `formats.load_files` raises them all together)."""
    try:
        with _opened_collection(path) as (database, what, archive):
            try:
                package = _read(path, database, problems, with_history)
            except sqlite3.DatabaseError as error:  # `what` names the member and the package
                raise PackageError(f"{what}: {error}") from error
            if package.decks:
                media = read_media(archive, zstd=what.startswith("collection.anki21b"))
                first = replace(package.decks[0], media=tuple(media))
                package.decks[0:1] = [first]
            return package
    except PackageError as error:
        problems.append(f"{path}: {error}")
    except OSError as error:
        problems.append(f"{path}: cannot read the file: {error.strerror or error}")
    return Package()


MAX_MEDIA_FILE = 100 * 1024**2
MAX_MEDIA_TOTAL = 512 * 1024**2


def read_media(archive: zipfile.ZipFile, *, zstd: bool) -> list[tuple[str, bytes]]:
    """The package's media files, (name, content) each, as its ``media`` map names them: a
    JSON map in the legacy formats, a zstd-compressed protobuf (its files compressed too) in
    the current one. Each is read up to its declared size, within the limits."""
    names = set(archive.namelist())
    if "media" not in names:
        return []
    raw = _read_capped(archive, "media", 64 * 1024**2, zstd=zstd)
    entries: list[tuple[str, str, int]] = []  # (member, name, declared size)
    if zstd:
        for index, entry in enumerate(_protobuf_fields(raw).get(1, [])):
            fields = _protobuf_fields(bytes(entry))
            name = bytes(fields.get(1, [b""])[0]).decode(errors="replace")
            size = int(fields.get(2, [0])[0])
            member = str(fields[255][0]) if 255 in fields else str(index)
            entries.append((member, name, size))
    else:
        try:
            mapping = json.loads(raw or b"{}")
        except ValueError as error:
            raise PackageError(f"its media list is damaged ({error})") from error
        if not isinstance(mapping, dict):
            raise PackageError("its media list is damaged (not a map)")
        for member, name in mapping.items():
            info = archive.getinfo(str(member)) if str(member) in names else None
            entries.append((str(member), str(name), info.file_size if info else 0))
    found: list[tuple[str, bytes]] = []
    total = 0
    for member, name, size in entries:
        reason = media_name_problem(name)
        if reason:
            raise PackageError(f"media file {name[:80]!r} {reason}; refusing the package")
        if member not in names:
            continue  # listed but absent: Anki skips it too
        if size > MAX_MEDIA_FILE:
            raise PackageError(
                f"media file {name!r} is {size:,} bytes; the limit is {MAX_MEDIA_FILE:,}"
            )
        data = _read_capped(archive, member, MAX_MEDIA_FILE, zstd=zstd)
        total += len(data)
        if total > MAX_MEDIA_TOTAL:
            raise PackageError(f"its media unpack to more than {MAX_MEDIA_TOTAL:,} bytes")
        found.append((name, data))
    return found


def media_name_problem(name: str) -> str | None:
    """Why a media file name is unsafe to keep or write back, or None: Anki's media names are
    plain file names."""
    if not name or len(name) > 255:
        return "has an empty or overlong name"
    if any(ord(char) < 32 or char in "/\\" for char in name) or name in (".", ".."):
        return "has a path or control characters in its name"
    return None


def _read_capped(archive: zipfile.ZipFile, member: str, limit: int, *, zstd: bool) -> bytes:
    """A member's content, refused past `limit` bytes whatever its header says."""
    import io

    out = io.BytesIO()
    try:
        with archive.open(member) as source:
            if zstd:
                import zstandard

                reader = zstandard.ZstdDecompressor().stream_reader(source)
                _copy_capped(reader, out, limit, f"{member} (zstd)")
            else:
                _copy_capped(source, out, limit, member)
    except zipfile.BadZipFile as error:
        raise PackageError(f"{member}: damaged zip entry ({error})") from error
    except Exception as error:  # zstandard raises ZstdError, not an OSError
        if isinstance(error, PackageError | OSError):
            raise
        raise PackageError(f"{member} (zstd): cannot decompress ({error})") from error
    return out.getvalue()


def check_member_name(name: str) -> str | None:
    """Why a zip member name is unsafe (absolute, drive, ``..``, control characters), or None."""
    if not name or "\x00" in name or any(ord(char) < 32 for char in name):
        return "has control characters in its name"
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        return "has an absolute path"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "climbs out of the folder (..)"
    return None


def _check_members(archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise PackageError(f"has {len(members):,} entries; the limit is {MAX_MEMBERS:,}")
    total = 0
    for member in members:
        reason = check_member_name(member.filename)
        if reason:
            raise PackageError(f"entry {member.filename[:80]!r} {reason}; refusing the package")
        if member.file_size > MAX_MEMBER_BYTES:
            raise PackageError(
                f"entry {member.filename!r} unpacks to {member.file_size:,} bytes; "
                f"the limit is {MAX_MEMBER_BYTES:,}"
            )
        # Only what is read can do harm: the collection. A media file (a flat 3 MB bitmap
        # deflates 200:1) is never unpacked whole, so its ratio is no alarm.
        if (
            member.filename in COLLECTIONS
            and member.file_size > RATIO_FROM
            and member.file_size > MAX_RATIO * max(member.compress_size, 1)
        ):
            raise PackageError(
                f"entry {member.filename!r} is compressed more than {MAX_RATIO}:1 "
                "(a zip bomb?); refusing the package"
            )
        total += member.file_size
    if total > MAX_TOTAL_BYTES:
        raise PackageError(f"unpacks to {total:,} bytes; the limit is {MAX_TOTAL_BYTES:,}")


def _copy_capped(source: IO[bytes], target: IO[bytes], limit: int, what: str) -> None:
    """Copy at most `limit` bytes; a member that grows past what it declared is refused."""
    written = 0
    while chunk := source.read(_CHUNK):
        written += len(chunk)
        if written > limit:
            raise PackageError(f"{what} unpacks to more than {limit:,} bytes; refusing it")
        target.write(chunk)


@contextmanager
def _opened_collection(
    path: Path,
) -> Iterator[tuple[sqlite3.Connection, str, zipfile.ZipFile]]:
    size = path.stat().st_size
    if size > MAX_PACKAGE_BYTES:
        raise PackageError(f"is {size:,} bytes; the limit is {MAX_PACKAGE_BYTES:,}")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as error:
        raise PackageError(f"is not an Anki package (not a zip file: {error})") from error
    with archive, tempfile.TemporaryDirectory(prefix="stalindeck-apkg-") as folder:
        _check_members(archive)
        names = set(archive.namelist())
        member = next((name for name in COLLECTIONS if name in names), None)
        if member is None:
            raise PackageError(
                "holds no Anki collection (collection.anki21b, collection.anki21 or "
                "collection.anki2); is it an Anki package?"
            )
        info = archive.getinfo(member)
        target = Path(folder) / "collection.sqlite"
        what = f"{member} inside {path.name}"
        try:
            with archive.open(info) as source, target.open("wb") as out:
                if member.endswith("b"):
                    import zstandard

                    reader = zstandard.ZstdDecompressor().stream_reader(source)
                    limit = min(MAX_MEMBER_BYTES, max(RATIO_FROM, MAX_RATIO * info.file_size))
                    _copy_capped(reader, out, limit, f"{what} (zstd)")
                else:
                    _copy_capped(source, out, info.file_size, what)
        except zipfile.BadZipFile as error:
            raise PackageError(f"{what}: damaged zip entry ({error})") from error
        except Exception as error:  # zstandard raises ZstdError, not an OSError
            if isinstance(error, PackageError | OSError):
                raise
            raise PackageError(f"{what} (zstd): cannot decompress ({error})") from error
        database = _open_read_only(target, what)
        with closing(database):
            yield database, what, archive


def _open_read_only(path: Path, what: str) -> sqlite3.Connection:
    try:
        database = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
        # Current Anki indexes some columns with its own case-insensitive collation.
        database.create_collation("unicase", _unicase)
        database.execute("PRAGMA trusted_schema = OFF")
        result = database.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as error:
        raise PackageError(f"{what} is not a readable SQLite database ({error})") from error
    if result is None or result[0] != "ok":
        database.close()
        raise PackageError(f"{what} is damaged (quick_check: {result[0] if result else '?'})")
    return database


def _unicase(left: str, right: str) -> int:
    a, b = left.casefold(), right.casefold()
    return (a > b) - (a < b)


@dataclass(frozen=True, slots=True)
class _NoteType:
    name: str
    cloze: bool
    fields: tuple[str, ...]
    templates: tuple[str, ...]  # question formats, by ord
    answers: tuple[str, ...]  # answer formats, by ord
    kept: AnkiNotetype | None = None  # the definition, for the export back

    def used_fields(self) -> set[str]:
        used: set[str] = set()
        for template in self.templates + self.answers:
            for ref in _FIELD_REF.findall(template):
                used.add(ref.rsplit(":", 1)[-1].strip())
        return used


def _signed(value: int) -> int:
    """A protobuf varint read as the int64 it encodes."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _definition(
    cloze: bool,
    css: str,
    mod: int,
    sort_field: int,
    fields: list[tuple[str, int | None]],
    templates: list[tuple[str, str, str, int | None]],
) -> str:
    """A note type's definition as `AnkiNotetype.definition` holds it."""
    return json.dumps(
        {
            "type": 1 if cloze else 0,
            "css": css,
            "mod": mod,
            "sortf": sort_field,
            "flds": [{"name": name, "id": ident} for name, ident in fields],
            "tmpls": [
                {"name": name, "qfmt": question, "afmt": answer, "id": ident}
                for name, question, answer, ident in templates
            ],
        },
        ensure_ascii=False,
    )


def _protobuf_fields(blob: bytes) -> dict[int, list[Any]]:
    """The top-level fields of a protobuf message (varints and length-delimited only)."""
    found: dict[int, list[Any]] = {}
    index = 0

    def varint() -> int:
        nonlocal index
        shift = result = 0
        while True:
            byte = blob[index]
            index += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7

    while index < len(blob):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            found.setdefault(number, []).append(varint())
        elif wire == 2:
            length = varint()
            found.setdefault(number, []).append(blob[index : index + length])
            index += length
        elif wire == 1:
            index += 8
        elif wire == 5:
            index += 4
        else:
            break
    return found


def _note_types(database: sqlite3.Connection, schema: int) -> dict[int, _NoteType]:
    types: dict[int, _NoteType] = {}
    if schema >= 15:
        fields: dict[int, list[tuple[int, str, int | None]]] = {}
        for ntid, ordinal, name, config in database.execute(
            "SELECT ntid, ord, name, config FROM fields"
        ):
            ident = _protobuf_fields(bytes(config)).get(9)
            fields.setdefault(ntid, []).append(
                (ordinal, str(name), _signed(ident[0]) if ident else None)
            )
        templates: dict[int, list[tuple[int, str, str, str, int | None]]] = {}
        for ntid, ordinal, name, config in database.execute(
            "SELECT ntid, ord, name, config FROM templates"
        ):
            parsed = _protobuf_fields(bytes(config))
            question, answer = (
                bytes(parsed.get(number, [b""])[0]).decode(errors="replace") for number in (1, 2)
            )
            ident = parsed.get(8)
            templates.setdefault(ntid, []).append(
                (ordinal, str(name), question, answer, _signed(ident[0]) if ident else None)
            )
        for ntid, name, mtime, config in database.execute(
            "SELECT id, name, mtime_secs, config FROM notetypes"
        ):
            parsed = _protobuf_fields(bytes(config))
            cloze = parsed.get(1, [0])[0] == 1
            css = bytes(parsed.get(3, [b""])[0]).decode(errors="replace")
            own_fields = sorted(fields.get(ntid, []))
            own_templates = sorted(templates.get(ntid, []))
            definition = _definition(
                cloze,
                css,
                int(mtime),
                int(parsed.get(2, [0])[0]),
                [(name, ident) for _, name, ident in own_fields],
                [(n, q, a, ident) for _, n, q, a, ident in own_templates],
            )
            types[ntid] = _NoteType(
                name=str(name),
                cloze=cloze,
                fields=tuple(name for _, name, _ in own_fields),
                templates=tuple(q for _, _, q, _, _ in own_templates),
                answers=tuple(a for _, _, _, a, _ in own_templates),
                kept=AnkiNotetype(int(ntid), str(name), definition),
            )
        return types
    (models,) = database.execute("SELECT models FROM col").fetchone()
    for ntid, model in json.loads(models).items():
        flds = sorted(model["flds"], key=lambda f: f["ord"])
        tmpls = sorted(model["tmpls"], key=lambda t: t["ord"])
        cloze = model.get("type") == 1
        definition = _definition(
            cloze,
            str(model.get("css", "")),
            int(model.get("mod", 0) or 0),
            int(model.get("sortf", 0) or 0),
            [(str(f["name"]), f.get("id")) for f in flds],
            [
                (
                    str(t.get("name", "")),
                    str(t.get("qfmt", "")),
                    str(t.get("afmt", "")),
                    t.get("id"),
                )
                for t in tmpls
            ],
        )
        types[int(ntid)] = _NoteType(
            name=str(model.get("name", "")),
            cloze=cloze,
            fields=tuple(str(f["name"]) for f in flds),
            templates=tuple(str(t.get("qfmt", "")) for t in tmpls),
            answers=tuple(str(t.get("afmt", "")) for t in tmpls),
            kept=AnkiNotetype(int(ntid), str(model.get("name", "")), definition),
        )
    return types


def _deck_names(database: sqlite3.Connection, schema: int) -> dict[int, str]:
    if schema >= 15:
        return {
            did: str(name).replace("\x1f", "::")
            for did, name in database.execute("SELECT id, name FROM decks")
        }
    (decks,) = database.execute("SELECT decks FROM col").fetchone()
    return {int(did): str(deck.get("name", "")) for did, deck in json.loads(decks).items()}


def _read(
    path: Path, database: sqlite3.Connection, problems: list[str], with_history: bool
) -> Package:
    (schema,) = database.execute("SELECT ver FROM col").fetchone()
    types = _note_types(database, int(schema))
    deck_names = _deck_names(database, int(schema))
    cards_of: dict[int, list[tuple[int, int, int]]] = {}  # nid -> [(ord, did, cid)]
    suspended: set[int] = set()  # cids
    due: dict[int, tuple[int, int, int]] = {}  # cid -> (type, due, left) as Anki has them
    for cid, nid, did, odid, ordinal, queue, kind, due_value, odue, left in database.execute(
        "SELECT id, nid, did, odid, ord, queue, type, due, odue, left FROM cards ORDER BY nid, ord"
    ):
        cards_of.setdefault(nid, []).append((ordinal, odid or did, cid))
        if queue == _SUSPENDED:
            suspended.add(cid)
        due[cid] = (int(kind), int(odue if odid else due_value), int(left))
    by_deck: dict[str, tuple[str, list[CardSpec]]] = {}  # slug -> (name, cards)
    kept: dict[str, list[AnkiNoteSpec]] = {}  # slug -> the notes' Anki side
    anki_cards: dict[int, tuple[str, list[str]]] = {}  # cid -> (deck id, our keys)
    start = len(problems)
    for nid, guid, mid, tags_raw, flds in database.execute(
        "SELECT id, guid, mid, tags, flds FROM notes ORDER BY id"
    ):
        where = f"{path}: note {nid}"
        note_type = types.get(mid)
        cards = cards_of.get(nid, [])
        if note_type is None or not cards:
            problems.append(f"{where}: {'has no note type' if note_type is None else 'no cards'}")
            continue
        if "image occlusion" in note_type.name.lower():
            problems.append(f"{where}: note type {note_type.name!r} is not supported")
            continue
        fields = [html_to_text(value) for value in str(flds).split("\x1f")]
        tags, _ = clean_tags(str(tags_raw), shorten=True)
        deck_name = deck_names.get(cards[0][1]) or "Default"
        ours = _OUR_GUID.fullmatch(str(guid))
        slug, note_id = (
            (ours.group(1), ours.group(2)) if ours else (slugify(deck_name), guid_key(str(guid)))
        )
        note, section = _note(note_type, fields, note_id, tags, cards)
        messages = note_problems(note)
        if messages:
            label = (fields[0] if fields else "")[:40]
            problems.extend(
                f"{where} ({label!r}): {message}; fix the note in Anki and export it again"
                for message in messages
            )
            continue
        _, deck_cards = by_deck.setdefault(slug, (deck_name, []))
        made = note_cards(note, len(deck_cards), section)
        deck_cards.extend(made)
        if note_type.kept is not None:
            content = note_digest([(c.key, c.front, c.back, c.answer) for c in made])
            raw = tuple(str(flds).split("\x1f"))
            kept.setdefault(slug, []).append(
                AnkiNoteSpec(note_id, str(guid), note_type.kept, raw, content)
            )
        if with_history:
            for ordinal, _, cid in cards:
                if note.kind is Kind.CLOZE:  # Anki's card n is the deletions numbered cn
                    keys = [c.key for c in made if c.key.endswith(f"/c{ordinal + 1}")]
                else:
                    keys = [made[ordinal].key] if ordinal < len(made) else []
                anki_cards[cid] = (slug, keys)
    if len(problems) > start:
        return Package()
    decks = [
        replace(
            foreign_deck(slug, name, path, cards),
            whole=False,
            anki_notes=tuple(kept.get(slug, ())),
        )
        for slug, (name, cards) in by_deck.items()
    ]
    history = (
        _history(database, anki_cards, suspended, due, _day_zero(database, int(schema)))
        if with_history
        else []
    )
    return Package(decks=decks, history=history)


def _note(
    note_type: _NoteType,
    fields: list[str],
    note_id: str,
    tags: tuple[str, ...],
    cards: list[tuple[int, int, int]],
) -> tuple[Note, str]:
    """The note and its section."""
    used = note_type.used_fields()
    names = list(note_type.fields) + [""] * max(0, len(fields) - len(note_type.fields))
    names = names[: len(fields)]
    lower = [name.lower() for name in names]

    def named(name: str) -> str:
        return fields[lower.index(name)] if name in lower else ""

    section = named("section")
    if note_type.cloze:
        source = next(
            (
                ref.split(":")[-1].strip()
                for ref in _FIELD_REF.findall(note_type.templates[0] if note_type.templates else "")
                if ref.startswith(("cloze:", "type:cloze:"))
            ),
            names[0] if names else "",
        )
        index = names.index(source) if source in names else 0
        text = fields[index] if index < len(fields) else ""
        extra = "\n".join(
            value
            for i, value in enumerate(fields)
            if i != index and value and names[i] in used and lower[i] != "section"
        )
        typed = bool(note_type.templates) and "{{type:" in note_type.templates[0]
        note = Note(note_id, Kind.CLOZE, text, "", extra, tags, 0, typed=typed)
        return note, section
    front = fields[0] if fields else ""
    back = fields[1] if len(fields) > 1 else ""
    extra = "\n".join(
        value
        for i, value in enumerate(fields[2:], 2)
        if value and names[i] in used and lower[i] not in _NOT_EXTRA
    )
    # Anki makes no card whose question is empty, but keeps a reverse card whose question (the
    # back) was emptied after it was made, as an "empty card": it is not imported.
    reverse = (
        bool(back) and len(note_type.templates) > 1 and any(ordinal == 1 for ordinal, _, _ in cards)
    )
    typed = bool(note_type.templates) and "{{type:" in note_type.templates[0]
    answer = named("answer") if typed else ""
    typed = typed and bool(answer or back)  # Anki shows no box to type an empty field into
    # A back every other format (and so `export deck`) can hold; shown, it reads as "nothing".
    back = back or EMPTY_BACK
    accept = tuple(line.strip() for line in named("accept").split("\n") if line.strip())
    note = Note(note_id, Kind.BASIC, front, back, extra, tags, 0, reverse, typed, answer, accept)
    return note, section


def _day_zero(database: sqlite3.Connection, schema: int) -> date:
    """The calendar date Anki counts a review card's due day from: the collection's creation
    day (in the time zone it was created in, when it says)."""
    (created,) = database.execute("SELECT crt FROM col").fetchone()
    offset: Any = None
    if schema >= 15:
        row = database.execute("SELECT val FROM config WHERE key = 'creationOffset'").fetchone()
        if row is not None:
            try:
                offset = json.loads(bytes(row[0]))
            except ValueError:
                offset = None
    else:
        (conf,) = database.execute("SELECT conf FROM col").fetchone()
        try:
            offset = json.loads(conf).get("creationOffset")
        except (ValueError, AttributeError):
            offset = None
    moment = datetime.fromtimestamp(int(created), UTC)
    if isinstance(offset, int) and abs(offset) < 24 * 60:
        return (moment - timedelta(minutes=offset)).date()
    return moment.astimezone().date()


def _anki_due(kind: int, due: int, left: int, day_zero: date) -> date | datetime | None:
    """When Anki has a card due: a study day for a review card (or one learning over days),
    a moment for a card in its (re)learning steps; None for a new card."""
    if kind == 2 or (kind in (1, 3) and due < 1_000_000_000):
        return day_zero + timedelta(days=due)
    if kind in (1, 3):
        return datetime.fromtimestamp(due, UTC)
    return None


def _history(
    database: sqlite3.Connection,
    anki_cards: dict[int, tuple[str, list[str]]],
    suspended: set[int],
    due: dict[int, tuple[int, int, int]],
    day_zero: date,
) -> list[CardHistory]:
    reviews: dict[int, list[tuple[datetime, int, int]]] = {}
    for rid, cid, ease, spent, kind in database.execute(
        "SELECT id, cid, ease, time, type FROM revlog ORDER BY cid, id"
    ):
        if cid not in anki_cards or not 1 <= ease <= 4 or kind in _MANUAL:
            continue
        spent = min(max(int(spent or 0), 0), 3_600_000)
        when = datetime.fromtimestamp(int(rid) / 1000, UTC)
        reviews.setdefault(cid, []).append((when, int(ease), spent))
    history: list[CardHistory] = []
    for cid, (deck, keys) in anki_cards.items():
        answers = reviews.get(cid, [])
        if answers or cid in suspended:
            kind, day, left = due.get(cid, (0, 0, 0))
            history.extend(
                CardHistory(
                    deck,
                    key,
                    tuple(answers),
                    suspended=cid in suspended,
                    due=_anki_due(kind, day, left, day_zero) if answers else None,
                    steps_left=left % 1000 if kind in (1, 3) else None,
                )
                for key in keys
            )
    return history
