"""Text from decks is data, never markup or terminal control.

`clean` strips what a terminal would act on (C0 controls but newline and tab, DEL, C1 controls,
bidi overrides and isolates); `safe_text` wraps the result in a `rich.text.Text`, which Rich
never parses for markup.
"""

from __future__ import annotations

import re

from rich.text import Text

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")


def clean(value: str) -> str:
    """`value` without control characters or bidi overrides (newline and tab kept)."""
    return _UNSAFE.sub("", value)


def safe_text(value: str, style: str = "") -> Text:
    """A Rich `Text` that shows `value` literally, whatever brackets or escapes it holds."""
    return Text(clean(value), style=style)
