"""Text from decks is data, never markup or terminal control.

`clean` strips what a terminal would act on (C0 controls but newline and tab, DEL, C1 controls,
bidi overrides and isolates); `safe_text` wraps the result in a `rich.text.Text`, which Rich
never parses for markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.text import Text

_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c"
    # Invisible: soft hyphen, zero-width space, byte-order mark, Unicode's tag characters (which
    # can spell hidden text); and a zero-width joiner between emoji, which a terminal draws as
    # one glyph where Rich counts each part (the panel's border would be pushed out of line).
    "\u00ad\u200b\ufeff\U000e0000-\U000e007f]|\u200d(?=[\u2600-\u27bf\U0001f000-\U0001faff])"
)
# Unicode's own line breaks: Python's splitlines() and some terminals break lines on them, so a
# "one line" of line mode could become two. They become plain newlines.
_LINE_BREAKS = re.compile("[\u2028\u2029]")
# In JSON, what `json.dumps` leaves raw that a terminal could act on; escaped, the data is the
# same once parsed.
_JSON_RAW = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\u2028\u2029]")


def clean(value: str) -> str:
    """`value` without control characters or bidi overrides (newline and tab kept)."""
    return _LINE_BREAKS.sub("\n", _UNSAFE.sub("", value))


_LONG_RUN = re.compile(r"\S{121,}")
LONGEST_MESSAGE = 600  # characters of a one-line message; what is longer is cut in the middle


def brief(message: str) -> str:
    """A message fit for one line: `clean`, with any echoed value longer than 120 characters
    shortened (a 100,000-character card id), and one longer than `LONGEST_MESSAGE`
    characters cut in the middle to about that length, its end kept (it says what to do)."""
    text = _LONG_RUN.sub(
        lambda found: f"{found.group()[:40]}… ({len(found.group()):,} characters)", clean(message)
    )
    if len(text) > LONGEST_MESSAGE:
        left_out = len(text) - LONGEST_MESSAGE
        text = f"{text[:400]} … ({left_out:,} characters left out) … {text[-200:]}"
    return text


def inert_json(text: str) -> str:
    """JSON text with DEL, C1 controls, bidi controls and line separators written as
    ``\\uXXXX`` escapes: the same data, nothing a terminal acts on."""
    return _JSON_RAW.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


class CleanWriter:
    """A text stream that passes everything written through `clean` (for a terminal)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(clean(text))

    def flush(self) -> None:
        self.stream.flush()


def for_terminal(stream: TextIO) -> TextIO:
    """`stream`, cleaned with `clean` when it is a terminal (a file or pipe gets the data)."""
    isatty = getattr(stream, "isatty", None)
    return CleanWriter(stream) if isatty is not None and isatty() else stream  # type: ignore[return-value]


def safe_text(value: str, style: str = "") -> Text:
    """A Rich `Text` that shows `value` literally, whatever brackets or escapes it holds."""
    from rich.text import Text  # imported here: `status` cleans names without loading Rich

    return Text(clean(value), style=style)


def append_scope(text: Text, decks: Sequence[str], tags: Sequence[str]) -> None:
    """Add " · decks …" and " · tags …" to a title line, the names shown literally."""
    for label, names in (("decks", decks), ("tags", tags)):
        if names:
            text.append(f" · {label} ")
            text.append_text(safe_text(", ".join(names)))
