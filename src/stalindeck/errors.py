"""The exceptions stalindeck raises on purpose.

The CLI catches `StalindeckError` at the edge and prints its message as one line; anything else
reaching a user is a bug.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class StalindeckError(Exception):
    """Base class: the message says what was wrong, where, and what to do."""


class StoreError(StalindeckError):
    """The store cannot be opened, read or written."""


class DamagedStoreError(StoreError):
    """The store file is damaged (or is not a store); the edge names the backup to restore.

    Attributes:
        store: the store file, when it is one.
        hinted: the message already names the backup to restore.
    """

    def __init__(self, message: str, store: Path | None = None, *, hinted: bool = False) -> None:
        super().__init__(message)
        self.store = store
        self.hinted = hinted


class NotFoundError(StalindeckError):
    """A deck, card or file named by the user does not exist."""


class DeckError(StalindeckError):
    """One or more deck files are invalid; nothing was imported.

    Attributes:
        problems: every problem found, each already formatted as ``file:line: card: message``.
    """

    def __init__(self, problems: Sequence[str], *, rows_skippable: bool = False) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        # Importing the valid rows is offered (as Anki does) where some problems are rows'.
        skip = (
            ", or pass --skip-invalid to import the valid rows of CSV files and list the others"
            if rows_skippable
            else ""
        )
        super().__init__(
            f"{count} {noun} found; nothing was imported. Fix the deck file and import again{skip}."
        )
