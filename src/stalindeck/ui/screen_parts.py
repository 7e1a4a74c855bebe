"""What the review screen draws around a card, apart from the session: its header, the
question's box, the keys' hints and the fitting to the terminal's height.

The screen (`ui.review_screen`) draws every frame with these; `draw_first` draws a session's
first card from `review.first`'s pick before SQLAlchemy, FSRS and the session load, the same
frame the screen then draws again over it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.padding import Padding
from rich.panel import Panel
from rich.text import Text

from stalindeck.ui.safe import safe_text

SOURCES = ("new", "learning", "review")  # the header's counts, in order


def header(
    deck_name: str,
    tags: Sequence[str],
    deck_tags: Sequence[str],
    counts: tuple[int, int, int],
    source: str,
) -> Header:
    """The deck's name and the card's first topic tag, today's counts (new, learning, due),
    the one `source` ("new", "learning" or "review") the card comes from picked out."""
    # Deck-wide tags (an exam code, say) tell nothing about this card's topic.
    topics = [tag for tag in tags if tag not in deck_tags]
    deck = Text(" ")
    deck.append_text(safe_text(deck_name, "bold"))
    title = deck.copy()
    if topics:
        title.append(" · ", "dim")
        title.append_text(safe_text(topics[0], "cyan"))
    numbers = zip(counts, SOURCES, ("new", "learn", "due"), ("blue", "red", "green"), strict=True)
    labelled, bare = Text(), Text()
    for value, name, label, colour in numbers:
        if labelled:
            labelled.append(" · ", "dim")
            bare.append(" ")
        style = "bold underline" if source == name else ""
        labelled.append(f"{label} {value}", style)
        bare.append(str(value), f"{style} {colour}".strip())
    return Header((title, deck), (labelled, bare))


def question(front: Text) -> Panel:
    """The question's box."""
    return Panel(front, border_style="cyan", padding=(1, 2))


def footer(
    first: str,
    short: str | None = None,
    *extra: tuple[str, str, str],
    media: bool = False,
    undo: bool = False,
) -> Fit:
    """The keys' hints: `first` (and `short`, its shorter form), then `extra` hints
    (key, what, shorter), then the usual ones (`m` with `media`, `u` with `undo`). Where the
    width is short the labels shorten, then the hints go, least needed first; `first` and the
    extra ones stay."""
    usual = [("s", "suspend", "susp"), ("b", "bury", "bury"), ("e", "edit", "edit")]
    if media:
        usual.append(("m", "media", "media"))
    if undo:
        usual.append(("u", "undo", "undo"))
    usual.append(("q", "quit", "quit"))
    wanted = list(extra)

    def line(lead: str, hint: str, hints: list[tuple[str, str, str]], full: bool) -> Text:
        words = [hint, *(f"{key} {what if full else brief}" for key, what, brief in hints)]
        return Text(lead + " · ".join(words), "dim")

    shorter = short or first
    fewer = [
        [*wanted, *usual],
        [*wanted, *[hint for hint in usual if hint[0] in "uq"]],
        [*wanted, *[hint for hint in usual if hint[0] == "q"]],
        wanted,
    ]
    return Fit(
        line("  ", first, fewer[0], True),
        line("  ", first, fewer[0], False),
        line("  ", shorter, fewer[0], False),
        *(line(" ", shorter, hints, False) for hints in fewer[1:]),
    )


def fitted(
    console: Console,
    parts: list[object],
    extra_steps: Sequence[Callable[[int, object], object | None]] = (),
) -> list[object]:
    """`parts` made to fit the terminal's height, less a line for the cursor (or the
    answer's prompt): past it, the counters at the top would scroll away. Step by step,
    until it fits: the boxes lose their blank lines; once the answer is shown, the
    question loses its box, then goes (the answer's box is what matters now); then
    `extra_steps`."""
    room = console.size.height - 1
    options = console.options.reset_height()
    boxes = [at for at, part in enumerate(parts) if isinstance(part, Panel)]
    asked = boxes[0] if len(boxes) > 1 else None  # the question, with the answer below

    def unbox(at: int, part: object) -> object:
        return Padding(part.renderable, (0, 1)) if at == asked and isinstance(part, Panel) else part

    steps: list[Callable[[int, object], object | None]] = [
        lambda _at, part: tight(part) if isinstance(part, Panel) else part,
        unbox,
        lambda at, part: None if at == asked else part,
        *extra_steps,
    ]
    candidate = parts
    for step in steps:
        drawn = Group(*(part for part in candidate if part is not None))  # type: ignore[arg-type]
        if len(console.render_lines(drawn, options, pad=False)) <= room:
            break
        candidate = [step(at, part) for at, part in enumerate(candidate)]
    return [part for part in candidate if part is not None]


def draw_first(
    console: Console,
    deck_name: str,
    tags: Sequence[str],
    deck_tags: Sequence[str],
    counts: tuple[int, int, int],
    source: str,
    front: str,
) -> None:
    """A session's first frame for a card asked without a typed answer, as the screen draws
    it (no message, nothing to undo, no media)."""
    console.clear()
    frame = [
        header(deck_name, tags, deck_tags, counts, source),
        question(safe_text(front)),
        footer("space show"),
    ]
    for part in fitted(console, frame):
        console.print(part)


class Fit:
    """One line drawn as the first of its `variants` that fits the width (the last one, cut
    short with an ellipsis, if none does): a line that wrapped would push the screen down."""

    def __init__(self, *variants: Text) -> None:
        self.variants = variants

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for variant in self.variants:
            if variant.cell_len <= options.max_width:
                yield variant
                return
        last = self.variants[-1].copy()
        last.no_wrap, last.overflow = True, "ellipsis"
        yield last


class Header:
    """The deck's name (and the card's topic) on the left, today's counts on the right, on
    one line at any width: the counts lose their labels, then the topic goes, then the name
    is cut short."""

    def __init__(self, titles: tuple[Text, Text], counts: tuple[Text, Text]) -> None:
        self.titles = titles
        self.counts = counts

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        full, deck = self.titles
        counts = self.counts[-1]
        title = deck
        for title, counts in ((t, c) for c in self.counts for t in (full, deck)):
            if title.cell_len + 1 + counts.cell_len <= width:
                break
        room = max(1, width - counts.cell_len - 1)
        left = title.copy()
        left.no_wrap, left.overflow = True, "ellipsis"
        left.truncate(room, overflow="ellipsis")
        line = left + Text(" " * max(1, width - left.cell_len - counts.cell_len)) + counts
        line.no_wrap, line.overflow = True, "ellipsis"
        yield line


def tight(panel: Panel) -> Panel:
    """The box without its blank lines, for a short terminal."""
    tight = copy.copy(panel)
    tight.padding = (0, 1)
    return tight
