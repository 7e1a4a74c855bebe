"""Which reader reads which file: by extension, or as the user says with ``--format``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from stalindeck.decks.foreign import CardHistory
from stalindeck.decks.model import DeckSpec
from stalindeck.errors import DeckError, StalindeckError

FORMATS = ("toml", "csv", "markdown", "apkg")
_BY_SUFFIX = {
    ".toml": "toml",
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".md": "markdown",
    ".markdown": "markdown",
    ".apkg": "apkg",
    ".colpkg": "apkg",
}


# Workbooks people keep decks in, which need saving as CSV first.
_SPREADSHEETS = frozenset({".xlsx", ".xls", ".xlsm", ".ods", ".numbers"})


def format_of(path: Path, fmt: str | None) -> str:
    """The format to read `path` as: `fmt` when given, else from its extension.

    Raises:
        StalindeckError: the format is unknown or cannot be told from the extension.
    """
    if fmt is not None:
        name = {"tsv": "csv", "md": "markdown", "colpkg": "apkg"}.get(fmt.lower(), fmt.lower())
        if name not in FORMATS:
            raise StalindeckError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        return name
    found = _BY_SUFFIX.get(path.suffix.lower())
    if found is None and path.suffix.lower() in _SPREADSHEETS:
        raise StalindeckError(
            f"{path}: a spreadsheet workbook, which stalindeck does not read; save the sheet "
            "as 'CSV UTF-8' (File > Save as / Download) and import the .csv"
        )
    if found is None:
        raise StalindeckError(
            f"{path}: cannot tell the format from the extension {path.suffix or '(none)'!r}; "
            f"rename the file or pass --format ({', '.join(FORMATS)})"
        )
    return found


def load_files(
    files: Sequence[Path],
    *,
    fmt: str | None = None,
    deck_name: str | None = None,
    with_history: bool = False,
    skipped: list[str] | None = None,
) -> tuple[list[DeckSpec], list[CardHistory]]:
    """Read and validate every file, reporting the problems of all of them together.

    Args:
        skipped: when given, the rows of CSV files that have a problem of their own are left
            out and their problems put here; the other rows are read.

    Returns:
        the decks, and (for Anki packages read `with_history`) the review history to import.

    Raises:
        DeckError: any file has a problem, or two files define the same deck.
    """
    from stalindeck.decks.toml_deck import load_decks

    formats = [format_of(path, fmt) for path in files]
    problems: list[str] = []
    row_problems: list[str] = []  # of single CSV rows: left out with `skipped`
    rows_skippable = False
    # An option that would be ignored is a slip, not a no-op.
    for path, name in zip(files, formats, strict=True):
        if deck_name is not None and name in ("toml", "apkg"):
            itself = "a TOML deck names itself (its id and name)"
            brings = "an Anki package brings its own decks"
            raise StalindeckError(
                f"{path}: --deck names the deck of a spreadsheet or Markdown file; "
                f"{itself if name == 'toml' else brings}. Nothing was imported"
            )
    if with_history and "apkg" not in formats:
        raise StalindeckError(
            "--with-history imports the review log of Anki packages (.apkg, .colpkg); "
            "spreadsheets, Markdown and TOML decks have none. Nothing was imported"
        )
    decks: list[DeckSpec] = []
    history: list[CardHistory] = []
    tomls = [path for path, name in zip(files, formats, strict=True) if name == "toml"]
    if tomls:
        try:
            decks.extend(load_decks(tomls))
        except DeckError as error:
            problems.extend(error.problems)
    for path, name in zip(files, formats, strict=True):
        if name == "csv":
            from stalindeck.decks.csv_deck import read_csv

            decks.extend(read_csv(path, deck_name, problems, row_problems))
            if skipped is None:
                problems.extend(row_problems)
                rows_skippable = rows_skippable or bool(row_problems)
            else:
                skipped.extend(row_problems)
            row_problems.clear()
        elif name == "markdown":
            from stalindeck.decks.markdown_deck import read_markdown

            decks.extend(read_markdown(path, deck_name, problems))
        elif name == "apkg":
            from stalindeck.decks.anki_package import read_package

            package = read_package(path, problems, with_history=with_history)
            decks.extend(package.decks)
            history.extend(package.history)
    seen: dict[str, Path] = {}
    for deck in decks:
        if deck.slug in seen:
            problems.append(
                f"{deck.path}:1: deck id {deck.slug!r} is also used by {seen[deck.slug]}; "
                "import them separately or rename one"
            )
        seen.setdefault(deck.slug, deck.path)
    if problems:
        raise DeckError(problems, rows_skippable=rows_skippable)
    return decks, history
