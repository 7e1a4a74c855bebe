"""Writing rows as CSV or JSON, safely.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab, CR or NUL, per OWASP's CSV-injection guidance) get a leading apostrophe; numbers are
written as numbers and left alone. Quoting follows RFC 4180.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from stalindeck.errors import StalindeckError

FORMATS = ("csv", "json")
_DANGEROUS = frozenset("=+-@\t\r\0")


def safe_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet will execute."""
    # Type dispatch, cheapest first: an export writes millions of cells.
    kind = type(value)
    if kind is str:
        return "'" + value if value[:1] in _DANGEROUS else value
    if kind is int or kind is float:
        return value
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return safe_cell(" ".join(str(item) for item in value))
    return safe_cell(str(value))


def write_rows(
    rows: Iterable[dict[str, Any]], columns: Sequence[str], fmt: str, stream: IO[str]
) -> int:
    """Write `rows` to `stream` as ``csv`` or ``json``; returns how many were written."""
    count = 0
    if fmt == "csv":
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([safe_cell(row[column]) for column in columns])
            count += 1
        return count
    stream.write("[")
    for row in rows:
        stream.write(",\n  " if count else "\n  ")
        stream.write(json.dumps({column: row[column] for column in columns}, ensure_ascii=False))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


def write_csv_batches(
    batches: Iterable[Sequence[Sequence[Any]]], columns: Sequence[str], stream: IO[str]
) -> int:
    """Write rows already made safe (as `safe_cell` makes them) as CSV, a batch at a time;
    returns how many were written."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for batch in batches:
        writer.writerows(batch)
        count += len(batch)
    return count


def check_output(path: Path, force: bool) -> None:
    """Refuse, in one line, a file to write that is a folder, is in no folder, or exists
    (without `force`): before any work is done."""
    if path.is_dir():
        raise StalindeckError(
            f"{path} is a folder; give a file name in it, e.g. {path / ('NAME' + path.suffix)}"
            if path.suffix
            else f"{path} is a folder; give a file name in it"
        )
    if path.exists() and not force:
        raise StalindeckError(f"{path} already exists; pass --force to overwrite it")
    if not path.absolute().parent.is_dir():
        raise StalindeckError(f"cannot write {path}: there is no folder {path.absolute().parent}")


@contextmanager
def atomic_output(path: Path, force: bool) -> Iterator[IO[str]]:
    """A text stream that becomes `path` only once fully written, so a failure leaves no
    half-written file; an existing file is replaced only with `force`."""
    check_output(path, force)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as stream:
            yield stream
        os.replace(partial, path)
    except OSError as error:
        raise StalindeckError(f"cannot write {path}: {error.strerror or error}") from error
    finally:
        partial.unlink(missing_ok=True)
