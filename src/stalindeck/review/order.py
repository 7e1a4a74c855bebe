"""Check an order typed for a chronology card: letters ("CADB", "c a d b") or numbers ("3142")
naming the events as shown, earliest first."""

from __future__ import annotations

import re
from typing import Literal

from stalindeck.review.matcher import Match, Segment, Verdict

Kind = Literal["same", "missing", "extra"]

_LETTERS = "ABCDEFGHI"
# Separators a student may put between the letters or numbers: spaces, commas, dashes, arrows.
_SEPARATORS = re.compile(r"[\s,;./|>\-\u2013\u2014\u2192]+")


def typed_order(typed: str, count: int) -> list[str] | None:
    """The letters `typed` names, in order, or None if it is neither letters nor numbers for
    `count` events (a number 1-9 stands for the letter in its place: 3 = C)."""
    marks = _SEPARATORS.sub("", typed).upper()
    if not marks:
        return None
    if marks.isascii() and marks.isdigit():  # not "²", which str.isdigit takes for a digit
        if not all(1 <= int(digit) <= count for digit in marks):
            return None
        return [_LETTERS[int(digit) - 1] for digit in marks]
    if all(mark in _LETTERS[:count] for mark in marks):
        return list(marks)
    return None


def order_problem(typed: str, count: int) -> str | None:
    """Why `typed` is no order of `count` events, to be typed again (one line); None if it
    names each of the events once. An empty answer is no problem: it reveals the card."""
    if not typed.strip():
        return None
    got = typed_order(typed, count)
    if got is not None and sorted(got) == list(_LETTERS[:count]):
        return None
    return (
        f"{typed.strip()!r} is not an order of the {count} events: type the letters "
        f"A-{_LETTERS[count - 1]}, each once, earliest first, or their numbers 1-{count}"
    )


def check_order(typed: str, expected: str) -> Match:
    """Check `typed` against a chronology card's answer, the letters in order ("C A D B").

    The verdict is CORRECT only when every event is in its place; otherwise WRONG, with
    `Match.placed` saying how many are. The diff is of the order as typed, written like the
    answer (letters and spaces): each letter in its place is ``same``; one out of place shows
    what was typed (``extra``) and what belongs there (``missing``).
    """
    wanted = expected.split()
    got = typed_order(typed, len(wanted))
    if got is None:
        diff = (Segment(typed, "extra"),) if typed.strip() else ()
        return Match(
            Verdict.WRONG,
            expected,
            typed,
            (*diff, Segment(expected, "missing")),
            placed=(0, len(wanted)),
        )
    segments: list[Segment] = []

    def add(text: str, kind: Kind) -> None:
        if segments and segments[-1].kind == kind:
            segments[-1] = Segment(segments[-1].text + text, kind)
        else:
            segments.append(Segment(text, kind))

    placed = 0
    both = min(len(wanted), len(got))
    for index in range(max(len(wanted), len(got))):
        if index:
            add(" ", "same" if index < both else "missing" if index < len(wanted) else "extra")
        mine = got[index] if index < len(got) else None
        right = wanted[index] if index < len(wanted) else None
        if mine is not None and mine == right:
            placed += 1
            add(mine, "same")
            continue
        if mine is not None:
            add(mine, "extra")
        if right is not None:
            add(right, "missing")
    verdict = Verdict.CORRECT if placed == len(wanted) == len(got) else Verdict.WRONG
    return Match(verdict, expected, typed, tuple(segments), placed=(placed, len(wanted)))


def order_grade(match: Match) -> int:
    """The grade a checked order proposes: all in place Good (3), at least half in place Hard
    (2), fewer Again (1)."""
    placed, total = match.placed or (0, 1)
    if match.verdict is Verdict.CORRECT:
        return 3
    return 2 if 2 * min(placed, total - 1) >= total else 1
