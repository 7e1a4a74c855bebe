"""The Rich review screen: a thin shell around `ReviewSession` that reads keys and draws.

Keys: Space/Enter reveal (and, on the answer, grade Good), 1-4 grade, u undo, s suspend,
b bury, e edit the card's deck file, m open the card's media in the viewer, q quit. Ctrl-C and
a closed terminal quit too; every grade is already committed by then.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from stalindeck.interop.formatting import AnkiHtml, card_html
from stalindeck.resources import is_shipped
from stalindeck.review.matcher import Match, Verdict
from stalindeck.review.order import order_problem
from stalindeck.review.session import (
    GRADE_NAMES,
    GRADES,
    ReviewSession,
    Shown,
)
from stalindeck.review.typed import (
    check,
    expected_answer,
    hidden_span,
    proposed_grade,
    to_accept,
)
from stalindeck.ui.format import interval
from stalindeck.ui.html_text import html_to_rich
from stalindeck.ui.safe import safe_text
from stalindeck.ui.screen_parts import Fit, Header, fitted, footer, header, question

GRADE_STYLES = {1: "red", 2: "yellow", 3: "green", 4: "blue"}
KeyReader = Callable[[], str]


class Quit(Exception):
    """The student asked to stop."""


class Keys:
    """One key press at a time from a terminal that hands over what has been typed in chunks.

    `typer.getchar` returns everything waiting (up to 32 bytes): keys typed ahead while the
    next card was drawn, or pasted, arrive together and would be read as one unknown "key"
    and lost. Here each character is a key of its own, in order; a chunk that starts with
    ESC and holds more (an arrow or function key's sequence) means nothing here and is
    skipped, while ESC alone still quits.

    Args:
        read_chunk: what the terminal has (by default `typer.getchar`).
    """

    def __init__(self, read_chunk: Callable[[], str] | None = None) -> None:
        self._read_chunk = read_chunk or _getchar
        self._pending = ""

    def take_ahead(self) -> str:
        """What was typed ahead and not yet read as keys, taken out (for a typed answer)."""
        ahead, self._pending = self._pending, ""
        return ahead

    def put_back(self, keys: str) -> None:
        """Keys typed ahead after a typed answer's Enter: they are read as keys again."""
        self._pending = keys + self._pending

    def __call__(self) -> str:
        while not self._pending:
            chunk = self._read_chunk()
            if not chunk:
                return chunk
            if not (chunk.startswith("\x1b") and len(chunk) > 1):
                self._pending = chunk
        key, self._pending = self._pending[0], self._pending[1:]
        return key


def _getchar() -> str:
    import sys

    try:
        fd = sys.stdin.fileno()
        terminal = os.isatty(fd)
    except (OSError, ValueError):
        terminal = False
    if not terminal or os.name != "posix":
        import typer

        return typer.getchar()
    return read_raw(fd, sys.stdin.encoding or "utf-8")


def read_raw(fd: int, encoding: str = "utf-8") -> str:
    """What the terminal `fd` has typed (up to 32 bytes), read in raw mode.

    As `typer.getchar`, but the switch to raw mode keeps what was typed before it (a key
    pressed while the screen was drawn): `getchar` switches with TCSAFLUSH, which throws
    such keys away. Ctrl-C raises KeyboardInterrupt, Ctrl-D EOFError, as there.
    """
    import termios
    import tty

    before = termios.tcgetattr(fd)
    try:
        tty.setraw(fd, termios.TCSANOW)
        chunk = os.read(fd, 32).decode(encoding, "replace")
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, before)
    if "\x03" in chunk:
        raise KeyboardInterrupt
    if "\x04" in chunk:
        raise EOFError
    return chunk


def _on_hangup(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


class _Resized(Exception):
    """The terminal changed size while a key was awaited: draw the screen again."""


class ReviewScreen:
    """Draws cards and turns keys into session actions.

    Args:
        session: the review session.
        console: where to draw.
        force_type: ask for a typed answer on every card.
        read_key: reads one key press (injected in tests).
        edit: re-imports the deck file after the editor closes; returns an error or None.
        first_drawn: the card drawn before the session was made (`screen_parts.draw_first`)
            and when (`time.monotonic`): if the session shows it first, the answer's time
            counts from then.
    """

    def __init__(
        self,
        session: ReviewSession,
        console: Console,
        *,
        force_type: bool = False,
        read_key: KeyReader | None = None,
        reimport: Callable[[Path, str], str | None] | None = None,
        first_drawn: tuple[int, float] | None = None,
    ) -> None:
        self.session = session
        self.console = console
        self.force_type = force_type
        self.read_key = read_key or Keys()
        self.reimport = reimport
        self.message: Text | None = None
        self._media: dict[int, list[str]] = {}  # the media of the card on screen
        self._formatting: tuple[int, AnkiHtml | None] | None = None  # the card on screen's
        self._drawn: tuple[Shown, tuple[object, ...], Text | None] | None = None
        self._awaiting_key = False
        self._resized = False
        self._first_drawn = first_drawn

    # -- drawing ---------------------------------------------------------------------------

    def _header(self, shown: Shown) -> Header:
        card = shown.card
        counts = self.session.counts()
        return header(
            card.deck_name,
            card.tags,
            card.deck_tags,
            (counts.new, counts.learning, counts.review),
            shown.source.value,
        )

    def _question(self, shown: Shown) -> Panel:
        html = self._html(shown)
        front = html_to_rich(html.front) if html and html.front else safe_text(shown.card.front)
        return question(front)

    def _answer(self, shown: Shown) -> Panel:
        html = self._html(shown)
        if html and html.front and html.back:  # as the note has it, formatting and all
            body = [_revealed_rich(html_to_rich(html.front), html_to_rich(html.back))]
        else:
            body = [_revealed(shown.card.front, shown.card.back)]
        if html and html.extra:
            body.append(html_to_rich(html.extra, "dim italic"))
        elif shown.card.extra:
            body.append(safe_text(shown.card.extra, "dim italic"))
        return Panel(Group(*body), border_style="green", padding=(1, 2))

    def _html(self, shown: Shown) -> AnkiHtml | None:
        """The HTML of the card's Anki note behind each side (asked once per card)."""
        card_id = shown.card.card_id
        if self._formatting is None or self._formatting[0] != card_id:
            self._formatting = (card_id, card_html(self.session.store, shown.card))
        return self._formatting[1]

    def _grades(self, shown: Shown, proposed: int | None) -> Fit:
        """The four grades with their intervals: names and wide gaps where the width allows,
        then closer, then the names' initials."""

        def line(lead: str, gap: str, names: bool | None) -> Text:
            text = Text(lead)
            for grade in GRADES:
                style = GRADE_STYLES[grade]
                marker = "reverse " if grade == proposed else ""
                text.append(f" {grade} ", f"bold {marker}{style}")
                name = GRADE_NAMES[grade] if names else GRADE_NAMES[grade][0]
                text.append(f"{name} ", style)
                text.append(interval(shown.interval(grade)), "bold")
                text.append(gap if grade != GRADES[-1] else "")
            return text

        return Fit(line("  ", "   ", True), line(" ", " ", True), line("", " ", False))

    def _footer(self, first: str, short: str | None = None, *extra: tuple[str, str, str]) -> Fit:
        """The keys' hints (see `screen_parts.footer`), `m` and `u` where they do something."""
        return footer(first, short, *extra, media=self._has_media(), undo=self.session.can_undo())

    def _has_media(self) -> bool:
        """Whether the card on screen shows media (asked once per card)."""
        current = self.session.current
        if current is None:
            return False
        card_id = current.card.card_id
        if card_id not in self._media:
            from stalindeck.interop.media import card_media

            self._media = {card_id: card_media(self.session.store, card_id)}
        return bool(self._media[card_id])

    def _draw(self, shown: Shown, *parts: object) -> None:
        self._drawn = (shown, parts, self.message)
        self.console.clear()
        message: list[object] = []
        if self.message is not None:  # a long one wraps under its own start, not at the edge
            indent = len(self.message.plain) - len(self.message.plain.lstrip(" "))
            message.append(Padding(self.message[indent:], (0, 0, 0, indent)))
        for part in self._fitted([self._header(shown), self._question(shown), *parts, *message]):
            self.console.print(part)
        self.message = None
        self.session.idle()  # the student reads now: housekeeping costs them nothing

    def _fitted(self, parts: list[object]) -> list[object]:
        """`parts` made to fit the terminal's height (see `screen_parts.fitted`); last, the
        typed answer's check loses its "expected" line (the answer's box shows it)."""
        return fitted(
            self.console,
            parts,
            [lambda _at, part: part.brief() if isinstance(part, _Checked) else part],
        )

    # -- the loop --------------------------------------------------------------------------

    def run(self) -> None:
        """Review until the queue is empty or the student quits.

        A closed terminal (SIGHUP) or a polite kill (SIGTERM) ends the session like `q`: the
        terminal is given back in its normal mode, and every grade given is already stored.
        """
        handlers = {
            getattr(signal, name): handler
            for name, handler in (
                ("SIGHUP", _on_hangup),
                ("SIGTERM", _on_hangup),
                ("SIGWINCH", self._on_resize),
            )
            if hasattr(signal, name)
        }
        previous = {number: signal.signal(number, handler) for number, handler in handlers.items()}
        try:
            shown = self.session.next_card()
            while shown is not None:
                shown = self._card(shown)
        except (Quit, KeyboardInterrupt, EOFError):
            pass
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def _on_resize(self, _signum: int, _frame: FrameType | None) -> None:
        # A wait for a key is cut short; a resize while drawing is drawn before the next wait,
        # one while typing an answer at the next drawing.
        self._resized = True
        if self._awaiting_key:
            raise _Resized

    def _key(self) -> str:
        """The next key; the screen is drawn again at the terminal's new size meanwhile."""
        while True:
            self._awaiting_key = True
            try:
                if not self._resized:
                    return self.read_key()
            except _Resized:
                pass
            finally:
                self._awaiting_key = False
            self._resized = False
            if self._drawn is not None:
                shown, parts, self.message = self._drawn
                self._draw(shown, *parts)

    def _card(self, shown: Shown) -> Shown | None:
        """Handle one card; returns the next card to show."""
        started = time.monotonic()
        if self._first_drawn is not None:
            if self._first_drawn[0] == shown.card.card_id:
                started = self._first_drawn[1]
            self._first_drawn = None
        expected = expected_answer(shown.card, self.force_type)
        match: Match | None = None
        typed = ""
        if expected is None:
            self._draw(shown, self._footer("space show"))
            while True:
                key = self._key()
                if key in (" ", "\r", "\n"):
                    break
                if key in GRADE_KEYS:  # grading straight away is allowed, as in Anki
                    return self._grade(shown, int(key), started)
                command = self._command(shown, key)
                if not isinstance(command, _Stay):
                    return command
        else:
            self._draw(
                shown,
                Fit(
                    Text(
                        "  type, then Enter · :s suspend · :b bury · :e edit · :u undo · :q quit",
                        "dim",
                    ),
                    Text("  type, then Enter · :s :b :e :u :q", "dim"),
                    Text(" type, then Enter · :q quit", "dim"),
                ),
            )
            typed = self._typed_answer()
            if typed.strip().startswith(":") and len(typed.strip()) == 2:
                command = self._command(shown, typed.strip()[1])
                if isinstance(command, _Stay):
                    self.message = safe_text(
                        f"  {typed.strip()} is not a command: :s :b :e :u :q, or type the answer",
                        "yellow",
                    )
                    return shown
                return command
            if shown.card.kind == "chronology":  # not an order of the events: typed again
                slip = order_problem(typed, len(expected.split()))
                if slip:
                    self.message = safe_text(f"  {slip}", "yellow")
                    return shown
            match = check(shown.card, typed, expected, self.session.accepted(shown.card.card_id))
        proposed = proposed_grade(match) if match else None
        mine = to_accept(match, typed)  # `a` grades it Good and accepts it from now on
        parts: list[object] = [self._answer(shown)]
        if match is not None:
            parts.append(_Checked(match))
        parts.append(self._grades(shown, proposed))
        grade = proposed or 3  # what Enter (or space) gives
        parts.append(
            self._footer(
                f"Enter = {grade} {GRADE_NAMES[grade]}",
                f"Enter {GRADE_NAMES[grade]}",
                *([("a", "it was right", "right")] if mine else []),
            )
        )
        self._draw(shown, *parts)
        while True:
            key = self._key()
            if key in GRADE_KEYS:
                return self._grade(shown, int(key), started)
            if mine and key in ("a", "A"):
                self.message = safe_text(
                    f'  "{mine}" is right for this card from now on (u to undo)', "yellow"
                )
                return self._grade(shown, 3, started, mine)
            if key in (" ", "\r", "\n"):
                return self._grade(shown, proposed or 3, started)
            command = self._command(shown, key)
            if not isinstance(command, _Stay):
                return command

    def _typed_answer(self) -> str:
        """A line typed at the prompt, begun with what was typed ahead while the card was
        drawn (a grade's key and then the start of an answer, pasted or typed fast): those
        characters are the answer's, not keys for the screen after it. Where Python has
        readline, the line can be edited with the arrow keys, Home and End."""
        keys = self.read_key if isinstance(self.read_key, Keys) else None
        ahead = keys.take_ahead() if keys is not None else ""
        ends = [at for at in (ahead.find("\r"), ahead.find("\n")) if at >= 0]
        if ends:  # a whole answer typed ahead, Enter included
            answer, rest = ahead[: min(ends)], ahead[min(ends) + 1 :]
            if keys is not None:
                keys.put_back(rest)
            self.console.print(f"  > {answer}", markup=False, highlight=False)
            return answer
        try:
            import readline
        except ImportError:  # Windows: the console's own line editing
            return input("  > ")
        readline.set_startup_hook(lambda: readline.insert_text(ahead))
        try:
            return input("  > ")
        finally:
            readline.set_startup_hook(None)

    def _grade(
        self, shown: Shown, grade: int, started: float, accept: str | None = None
    ) -> Shown | None:
        elapsed = int((time.monotonic() - started) * 1000)
        self.session.answer(grade, elapsed, accept=accept)
        return self.session.next_card()

    def _command(self, shown: Shown, key: str) -> Shown | _Stay | None:
        key = key.lower()
        if key in ("q", "\x03", "\x04", "\x1b"):
            raise Quit
        if key == "u":
            restored = self.session.undo()
            if restored is None:
                self.message = Text("  nothing to undo", "yellow")
                return shown
            self.message = Text("  undone", "yellow")
            return restored
        if key == "s":
            self.session.suspend()
            self.message = Text("  suspended (u to undo)", "yellow")
            return self.session.next_card()
        if key == "b":
            self.session.bury()
            self.message = Text("  buried until tomorrow (u to undo)", "yellow")
            return self.session.next_card()
        if key == "e":
            return self._edit(shown)
        if key == "m":
            self._open_media(shown)
            return shown
        return _STAY

    def _open_media(self, shown: Shown) -> None:
        from stalindeck.errors import StalindeckError
        from stalindeck.interop.media import open_card_media

        try:
            opened = open_card_media(self.session.store, shown.card.card_id)
        except StalindeckError as error:
            self.message = safe_text(f"  {error}", "red")
            return
        if not opened:
            self.message = Text("  this card has no media", "yellow")
            return
        self.message = Text("  opened in the viewer: ", "green")
        self.message.append_text(safe_text(", ".join(opened)))

    def _edit(self, shown: Shown) -> Shown | None:
        path = Path(shown.card.deck_path)
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        if not path.is_file():
            self.message = Text(f"  cannot edit: {path} is gone", "red")
            return shown
        if is_shipped(path):
            self.message = Text(
                "  this deck comes with stalindeck (an upgrade replaces it): `stalindeck export "
                f"deck {shown.card.deck_slug} -o FILE.toml`, then `stalindeck import FILE.toml`, "
                "gives you a copy to edit, history kept",
                "yellow",
            )
            return shown
        if path.suffix.lower() in (".apkg", ".colpkg"):
            self.message = Text(
                "  this deck came from an Anki package: `stalindeck export deck "
                f"{shown.card.deck_slug} -o FILE.toml` gives a file to edit",
                "yellow",
            )
            return shown
        self.console.clear()
        try:
            subprocess.run([*shlex.split(editor), f"+{shown.card.line}", str(path)], check=False)
        except OSError as error:
            self.message = Text(f"  cannot start the editor {editor!r}: {error.strerror}", "red")
            return shown
        problem = self.reimport(path, shown.card.deck_name) if self.reimport else None
        if problem:
            self.message = Text(f"  not re-imported: {problem}", "red")
            return shown
        reloaded = self.session.reload_current()
        arrived = self.session.take_new_arrivals()
        if reloaded is None:
            self.message = Text(
                "  a new card: this file's cards are known by their question, which you changed"
                if arrived and path.suffix.lower() in _MATCHED_BY_QUESTION
                else "  that card is no longer in the deck",
                "yellow",
            )
            return self.session.next_card()
        self.message = Text("  deck re-imported; the card keeps its history", "green")
        return reloaded


# Files whose cards are found again on re-import by their question (first field), unless a
# CSV row has a guid: editing the question makes a new card.
_MATCHED_BY_QUESTION = frozenset({".csv", ".tsv", ".txt", ".md"})


class _Stay:
    """The key changed nothing: keep waiting on the same card."""


_STAY = _Stay()
GRADE_KEYS = {str(grade) for grade in GRADES}


def _revealed_rich(front: Text, back: Text) -> Text:
    """`_revealed` for sides with their formatting: what the front hid picked out in bold."""
    start, stop = hidden_span(front.plain, back.plain)
    if 0 < start < stop < len(back.plain):
        back.stylize("bold green", start, stop)
    else:
        back.stylize("bold")
    return back


def _revealed(front: str, back: str) -> Text:
    """The back of the card with what the front hid picked out (a cloze deletion, say)."""
    text = safe_text(back)
    start, stop = hidden_span(front, back)
    if 0 < start < stop < len(back):
        text.stylize("bold green", start, stop)
    else:
        text.stylize("bold")
    return text


class _Checked:
    """A typed answer's verdict, the answer as typed and the expected one (`brief`: without
    the expected one, for a short terminal)."""

    def __init__(self, match: Match, *, brief: bool = False) -> None:
        self.match = match
        self._brief = brief

    def brief(self) -> _Checked:
        return _Checked(self.match, brief=True)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield _diff(self.match, self._brief)
        if self.match.placed is not None:  # an order typed on a chronology card
            placed, total = self.match.placed
            yield Padding(Text(f"{placed} of {total} in place", "dim"), (0, 2))


def _diff(match: Match, brief: bool = False) -> Padding:
    verdict_styles = {
        Verdict.CORRECT: ("correct", "bold green"),
        Verdict.ALMOST: ("almost", "bold yellow"),
        Verdict.WRONG: ("wrong", "bold red"),
    }
    label, style = verdict_styles[match.verdict]
    # The answer is shown exactly as typed (its own case: a letter of the expected answer in
    # its place would read as one the student never typed), the differences marked in place:
    # typed but not expected struck out, expected but not typed underlined. A wrong answer
    # that shares little with the expected one is not marked: letters it happens to share
    # (the "m" of "the army" and "MVD") are noise.
    marked = match.verdict is not Verdict.WRONG or match.placed is not None or _shares_much(match)
    typed, expected = Text(), Text()
    for segment in match.diff:
        if segment.kind == "same":
            typed.append_text(safe_text(segment.typed))
            expected.append_text(safe_text(segment.text))
        elif segment.kind == "extra":
            typed.append_text(safe_text(segment.text, "red strike" if marked else ""))
        else:
            expected.append_text(safe_text(segment.text, "green underline" if marked else ""))
    lines = Table.grid(padding=(0, 2, 0, 0))  # a long answer wraps under itself
    lines.add_column(style="dim", no_wrap=True)
    lines.add_column()
    lines.add_row("you typed", typed)
    if not brief:
        lines.add_row("expected", expected)
    return Padding(Group(Text(label, style), lines), (0, 2))


def _shares_much(match: Match) -> bool:
    """Whether at least half the expected answer's letters (spaces aside) were typed."""
    same = sum(len(s.text.replace(" ", "")) for s in match.diff if s.kind == "same")
    return 2 * same >= len(match.expected.replace(" ", ""))
