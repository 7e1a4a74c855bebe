"""What a card asks the student to type: light on imports, so that `review` can say whether
its first question is typed before loading the rest (see `review.first`)."""

from __future__ import annotations

import re
from typing import Protocol


class Typed(Protocol):
    """What decides a card's expected answer (a `CardView` has it, and so does the quick first
    card)."""

    @property
    def answer(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def front(self) -> str: ...
    @property
    def back(self) -> str: ...


def expected_answer(card: Typed, force: bool) -> str | None:
    """The answer to type for `card`, or None if it is a reveal-only card.

    With `force` (``review --type``), every card is typed: against its answer key if it has
    one, else against its back (for a cloze, the part its gap hides).
    """
    if card.answer:
        return card.answer
    if not force:
        return None
    return hidden_part(card.front, card.back) if card.kind == "cloze" else short_answer(card.back)


# A back that glosses its answer: "KGB (what it became)", "Brezhnev - who ...", "Lenin's: ...".
_GLOSSED = re.compile(
    r"(?P<short>[^()]+?)(?:\s*\([^()]*\)|\s+[-\u2013\u2014]\s.*|:\s.*)", re.DOTALL
)


def short_answer(back: str) -> str:
    """The answer a reveal card's back gives, without the gloss after it: what ``review
    --type`` checks against ("KGB" for "KGB (what Khrushchev reorganised it into)"). The
    whole back is accepted too (see `check`)."""
    glossed = _GLOSSED.fullmatch(back.strip())
    return glossed.group("short").strip() if glossed else back


def hidden_span(front: str, back: str) -> tuple[int, int]:
    """Where in the back (a cloze's whole text) the part its front hides is: the back less
    what it shares with the front (the text with this deletion's gap) at either end."""
    start = 0
    while start < min(len(front), len(back)) and front[start] == back[start]:
        start += 1
    end = 0
    while end < min(len(front), len(back)) - start and front[-1 - end] == back[-1 - end]:
        end += 1
    return start, len(back) - end


def hidden_part(front: str, back: str) -> str:
    """What a cloze card hides (`hidden_span`); the whole back if that leaves nothing."""
    start, stop = hidden_span(front, back)
    return back[start:stop].strip() or back
