"""The line-based review mode, used when standard input is not a terminal.

One line in, one action. The output is plain text with a fixed prefix per line, so a script
can read it back. See "Scripting a session" in the README for the protocol.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from stalindeck.review.matcher import Match
from stalindeck.review.order import order_problem
from stalindeck.review.session import GRADE_NAMES, GRADES, ReviewSession, Shown
from stalindeck.review.typed import check, expected_answer, proposed_grade, to_accept
from stalindeck.ui.format import interval
from stalindeck.ui.line_text import TYPE_NOTE as TYPE_NOTE
from stalindeck.ui.line_text import Printed, opening, said

_COMMANDS = {"q", "u", "s", "b"}


class LineMode:
    """Drives a session from lines of text."""

    def __init__(
        self,
        session: ReviewSession,
        read_line: Callable[[], str | None],
        out: TextIO,
        *,
        force_type: bool = False,
        printed: Printed | None = None,
    ) -> None:
        self.session = session
        self._printed = printed
        self.read_line = read_line
        self.out = out
        self.force_type = force_type

    def _say(self, prefix: str, text: str) -> None:
        self.out.write(said(prefix, text))
        self.out.flush()

    def _ask(self) -> str | None:
        line = self.read_line()
        return None if line is None else line.rstrip("\r\n")

    def run(self) -> None:
        """Review until the queue is empty, the input ends, or it says ``q``."""
        shown = self.session.next_card()
        while shown is not None:
            step = self._card(shown)
            if step is False:
                return
            shown = step if step is not True else self.session.next_card()

    def _card(self, shown: Shown) -> Shown | bool:
        """One card. True: go on to the next; False: stop; a Shown: show that one now."""
        counts = self.session.counts()
        card = shown.card
        expected = expected_answer(card, self.force_type)
        text = opening(
            card.deck_slug,
            card.key,
            shown.source.value,
            (counts.new, counts.learning, counts.review),
            card.front,
            expected is not None,
        )
        printed, self._printed = self._printed, None
        # The first question may be on screen already, printed while this session was made:
        # the student has been reading it since. Another card (the store changed meanwhile) is
        # put on screen as any other.
        already = printed is not None and printed.text == text
        if not already:
            self.out.write(text)
            self.out.flush()
        self.session.idle()  # the student reads now: housekeeping costs them nothing
        started = printed.at if printed is not None and already else time.monotonic()
        match: Match | None = None
        while True:
            line = self._ask()
            if line is None:
                return False
            # On a typed card a bare letter could be an answer: commands need their colon.
            command = _command(line, bare=expected is None)
            if command:
                return self._command(shown, command)
            slip = _slip(line, typed=expected is not None)
            if slip is None and expected is not None and card.kind == "chronology":
                slip = order_problem(line, len(expected.split()))  # typed again, not graded
            if slip is None:
                break
            self._say("error", slip)
        if expected is not None:
            match = check(card, line, expected, self.session.accepted(card.card_id))
        elif line.strip() in {str(grade) for grade in GRADES}:
            return self._grade(shown, int(line.strip()), started)
        self._say("answer", card.back)
        if card.extra:
            self._say("extra", card.extra)
        proposed = None
        mine = to_accept(match, line)  # `a` grades it Good and accepts it from now on
        if match is not None:
            proposed = proposed_grade(match)
            # A chronology card's order: how many events are in place, and the diff as text.
            placed = (
                f"; {match.placed[0]} of {match.placed[1]} in place; {_marked(match)}"
                if match.placed is not None
                else ""
            )
            self._say(
                "result",
                f"{match.verdict.value}; expected {match.expected}; proposed {proposed}{placed}",
            )
        self._say(
            "grades",
            "   ".join(
                f"{grade} {GRADE_NAMES[grade]} {interval(shown.interval(grade))}"
                for grade in GRADES
            ),
        )
        while True:
            line = self._ask()
            if line is None:
                return False
            command = _command(line, bare=True)
            if command:
                return self._command(shown, command)
            choice = line.strip()
            if choice in {str(grade) for grade in GRADES}:
                return self._grade(shown, int(choice), started)
            if not choice:
                return self._grade(shown, proposed or 3, started)
            if mine and choice.lower() in ("a", ":a"):
                self._say("accepted", mine)
                return self._grade(shown, 3, started, mine)
            also = ", a (it was right)" if mine else ""
            self._say("error", f"{choice!r} is not a grade; answer 1-4{also}, or u, s, b, q")

    def _grade(self, shown: Shown, grade: int, started: float, accept: str | None = None) -> bool:
        elapsed = int((time.monotonic() - started) * 1000)
        after = self.session.answer(grade, elapsed, accept=accept)
        due = interval(after.due - self.session.clock()) if after.due else "?"
        self._say("graded", f"{grade} {GRADE_NAMES[grade]}; next in {due}")
        return True

    def _command(self, shown: Shown, command: str) -> Shown | bool:
        if command == "q":
            return False
        if command == "s":
            self.session.suspend()
            self._say("suspended", f"{shown.card.deck_slug}/{shown.card.key}")
            return True
        if command == "b":
            self.session.bury()
            self._say("buried", f"{shown.card.deck_slug}/{shown.card.key}")
            return True
        restored = self.session.undo()
        if restored is None:
            self._say("error", "nothing to undo")
            return shown
        self._say("undone", f"{restored.card.deck_slug}/{restored.card.key}")
        return restored


def _marked(match: Match) -> str:
    """The order typed, each event out of place marked with the one that belongs there:
    ``C A [B→D] [D→B]``."""
    words: list[str] = []
    pending = ""
    for segment in match.diff:
        if segment.kind == "extra":
            pending += segment.text
        elif segment.kind == "missing":
            words.append(f"[{pending.strip() or '-'}→{segment.text.strip()}]")
            pending = ""
        else:
            if pending:
                words.append(f"[{pending.strip()}→-]")
                pending = ""
            words.extend(segment.text.split())
    if pending:
        words.append(f"[{pending.strip()}→-]")
    return " ".join(words)


def _slip(line: str, *, typed: bool) -> str | None:
    """Why `line`, not a command, is no action on the card's question; None if it is one."""
    word = line.strip().lower()
    if typed:  # an answer, unless it is a colon and a letter that names no command
        if len(word) == 2 and word.startswith(":"):
            return f"{line.strip()!r} is not a command; :u, :s, :b or :q, or type the answer"
        return None
    if word in ("", "show") or word in {str(grade) for grade in GRADES}:
        return None
    return (
        f"{line.strip()!r} is no action here; an empty line shows the answer, 1-4 grade, "
        "or u, s, b, q"
    )


def _command(line: str, *, bare: bool) -> str | None:
    """The command on `line` (``q``, ``u``, ``s``, ``b``): ``:q`` always, ``q`` when `bare`."""
    word = line.strip().lower()
    if word.startswith(":"):
        word = word[1:]
    elif not bare:
        return None
    return word if word in _COMMANDS else None
