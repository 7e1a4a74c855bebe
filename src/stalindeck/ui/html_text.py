"""An Anki field's HTML as Rich `Text`: its formatting kept, nothing in it ever interpreted.

The HTML is read with the standard library's `html.parser` (a maintained tokenizer that
decodes entities and copes with the broken HTML Anki fields often hold) and turned directly
into spans of a `Text`: bold, italics, underline, strike-through, line breaks, paragraphs,
lists (bullets or numbers) and tables (cells apart, rows on lines of their own). Images and
sounds are shown by name, ``[image: yezhov.png]``, as the terminal cannot show them (the review
screen's `m` key opens them). Scripts and styles are dropped, other tags ignored for their
text. Text is added as text, never as Rich markup, and control characters (escape sequences)
are removed, so a field holding ``[red]`` or an ESC shows it literally or not at all.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from rich.text import Text

from stalindeck.ui.safe import clean

_STYLES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "s": "strike",
    "strike": "strike",
    "del": "strike",
    "sup": "dim",
    "sub": "dim",
    "code": "bold cyan",
    "h1": "bold",
    "h2": "bold",
    "h3": "bold",
    "h4": "bold",
    "h5": "bold",
    "h6": "bold",
}
_BLOCKS = {"div", "p", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table"}
_SKIP = {"script", "style"}
_SPACES = re.compile(r"[ \t\r\n\u00a0]+")
_SOUND = re.compile(r"\[sound:([^\]]*)\]")


class _Builder(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = Text(style=base)
        self.open: list[tuple[str, int]] = []  # styled tags open: (tag, where they start)
        self.lists: list[int | None] = []  # for each list open: the next number, None: bullets
        self.skipping = 0
        self.cells = 0

    def _line(self) -> None:
        """Start a new line unless at the start of one."""
        plain = self.text.plain
        if plain and not plain.endswith("\n"):
            self.text.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag == "br":
            self.text.append("\n")
        elif tag == "img":
            source = next((value for name, value in attrs if name == "src" and value), "")
            self._marker(f"[image: {source}]" if source else "[image]")
        elif tag in {"ul", "ol"}:
            self._line()
            self.lists.append(1 if tag == "ol" else None)
        elif tag == "li":
            self._line()
            depth = max(len(self.lists) - 1, 0)
            number = self.lists[-1] if self.lists else None
            if number is None:
                marker = "• "
            else:
                marker = f"{number}. "
                self.lists[-1] = number + 1
            self.text.append("  " * depth + marker)
        elif tag in _BLOCKS:
            self._line()
        elif tag in {"td", "th"}:
            if self.cells:
                self.text.append("  ")
            self.cells += 1
        if tag in _STYLES:
            self.open.append((tag, len(self.text)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _STYLES:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(self.skipping - 1, 0)
            return
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                _, start = self.open.pop(index)
                self.text.stylize(_STYLES[tag], start, len(self.text))
                break
        if tag in {"ul", "ol"} and self.lists:
            self.lists.pop()
        if tag == "tr":
            self.cells = 0
        if tag in _BLOCKS:
            self._line()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        cursor = 0
        for match in _SOUND.finditer(data):
            self._words(data[cursor : match.start()])
            self._marker(f"[sound: {match.group(1)}]")
            cursor = match.end()
        self._words(data[cursor:])

    def _marker(self, label: str) -> None:
        """A picture's or sound's place, dim, apart from the words before it."""
        plain = self.text.plain
        if plain and not plain.endswith((" ", "\n")):
            self.text.append(" ")
        self._words(label, "dim")

    def _words(self, data: str, style: str = "") -> None:
        words = _SPACES.sub(" ", clean(data))
        if not words:
            return
        plain = self.text.plain
        if not plain or plain.endswith((" ", "\n")):
            words = words.lstrip()
        self.text.append(words, style)


def html_to_rich(field: str, style: str = "") -> Text:
    """The field's HTML as a `Text` with its formatting; `style` underlies it all."""
    builder = _Builder(style)
    builder.feed(field)
    builder.close()
    text = builder.text
    for tag, start in builder.open:  # left open in the field: styled to its end
        text.stylize(_STYLES[tag], start, len(text))
    # Lines are stripped at their end, and blank ones at the start and end dropped.
    kept = list(text.split("\n", allow_blank=True))
    for line in kept:
        line.rstrip()
    while kept and not kept[0].plain.strip():
        kept.pop(0)
    while kept and not kept[-1].plain.strip():
        kept.pop()
    return Text("\n", style=style).join(kept) if kept else Text("", style=style)
