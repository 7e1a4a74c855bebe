"""Line mode's lines, light on imports: `review` prints its first question with these before
the session's modules are loaded (see `review.first`), and `LineMode` prints every card so."""

from __future__ import annotations

from typing import NamedTuple

from stalindeck.ui.safe import clean

TYPE_NOTE = " (type the answer)"  # ends the question line of a card that expects typing


class Printed(NamedTuple):
    """A first question printed before the session was ready (see `review.first`): its lines,
    and when they were printed (`time.monotonic()`)."""

    text: str
    at: float


def one_line(text: str) -> str:
    """`text` made safe and kept on one line (line breaks shown as `` / ``)."""
    return clean(text).replace("\n", " / ")


def said(prefix: str, text: str) -> str:
    """One line of line mode's output: its prefix, a colon, the text."""
    return f"{prefix}: {one_line(text)}\n"


def opening(
    deck_slug: str,
    key: str,
    source: str,
    counts: tuple[int, int, int],
    front: str,
    typed: bool,
) -> str:
    """The lines that put a card before the student: where it comes from with what is left
    (new, learning, due, the card counted), then its question. A typed card takes the next
    line as the answer, a reveal card as an action: the question line says which."""
    new, learning, due = counts
    return said(
        "card", f"{deck_slug}/{key} ({source}) new {new} · learn {learning} · due {due}"
    ) + said("question", front + (TYPE_NOTE if typed else ""))
