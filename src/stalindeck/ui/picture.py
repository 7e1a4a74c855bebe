"""Rich screens saved as pictures (`stats --svg`, `--html`) that look the same in any viewer."""

from __future__ import annotations

import io
import re

from rich.console import Console, RenderableType

# Rich draws each run of one style as an SVG <text> at its column, `textLength` wide, with
# its spaces as no-break spaces. Some renderers (librsvg's rsvg-convert, and so GNOME's
# viewers) drop the spaces at either end of a <text> and stretch what is left over
# `textLength`: right-aligned numbers moved left, the calendar's months several weeks early.
_TEXT = re.compile(
    r'(<text [^>]*?x=")([\d.]+)("[^>]*?textLength=")([\d.]+)("[^>]*>)'
    r"((?:&#160;)*)(.*?)((?:&#160;)*)</text>"
)
_SPACE = "&#160;"


def _trimmed(found: re.Match[str], char_width: float) -> str:
    start, x, middle, length, rest, leading, body, trailing = found.groups()
    if not body:  # spaces alone: nothing to draw
        return ""
    lead = len(leading) // len(_SPACE)
    trail = len(trailing) // len(_SPACE)
    if not lead and not trail:
        return found.group(0)
    new_x = float(x) + lead * char_width
    new_length = float(length) - (lead + trail) * char_width
    return f"{start}{new_x:g}{middle}{new_length:g}{rest}{body}</text>"


def svg_of(renderable: RenderableType, *, title: str, width: int = 80) -> str:
    """`renderable` drawn `width` columns wide as an SVG picture, every run of text placed at
    its own column with no spaces at its ends (see `_TEXT`)."""
    aspect = 0.61  # Rich's default width-to-height ratio of a character
    recorder = Console(
        record=True, width=width, highlight=False, soft_wrap=False, file=io.StringIO()
    )
    recorder.print(renderable)
    svg = recorder.export_svg(title=title, font_aspect_ratio=aspect)
    char_width = 20 * aspect  # Rich's characters are 20 units high
    return _TEXT.sub(lambda found: _trimmed(found, char_width), svg)


def html_of(renderable: RenderableType, *, width: int = 80) -> str:
    """`renderable` drawn `width` columns wide as an HTML page (a <pre>: spaces are kept)."""
    recorder = Console(
        record=True, width=width, highlight=False, soft_wrap=False, file=io.StringIO()
    )
    recorder.print(renderable)
    return recorder.export_html(inline_styles=True)
