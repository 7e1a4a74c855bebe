"""What a card asks the student to type, and the grade a typed answer proposes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from stalindeck.review.matcher import Match, Verdict, check_answer
from stalindeck.review.order import check_order, order_grade
from stalindeck.store.models import ACCEPTED_LENGTH
from stalindeck.store.queue import CardView


def expected_answer(card: CardView, force: bool) -> str | None:
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


def check(card: CardView, typed: str, expected: str, own: Sequence[str] = ()) -> Match:
    """Check `typed` against the expected answer, the card's accepted aliases and the
    answers the student accepted as right for it (`own`). Typed on a reveal card (``review
    --type``), its whole back counts as well as its short answer."""
    if card.kind == "chronology":  # letters in order: one right answer, nothing to accept
        return check_order(typed, expected)
    whole = (card.back,) if not card.answer and card.kind != "cloze" else ()
    return check_answer(typed, expected, (*card.accept, *whole, *own))


def proposed_grade(match: Match) -> int:
    """Right → Good; almost (a one-letter slip) → Hard; wrong → Again. An order (chronology
    card) proposes from how many events are in place (`order_grade`)."""
    if match.placed is not None:
        return order_grade(match)
    return {Verdict.CORRECT: 3, Verdict.ALMOST: 2, Verdict.WRONG: 1}[match.verdict]


def to_accept(match: Match | None, typed: str) -> str:
    """The answer the student may accept as right (`ReviewSession.answer`'s `accept`): a typed
    answer the check did not find correct, stripped, if it can be kept; "" otherwise."""
    if match is not None and match.placed is not None:
        return ""  # an order is right or not: a wrong one is never accepted
    mine = typed.strip() if match is not None and match.verdict is not Verdict.CORRECT else ""
    return mine if acceptable(mine) else ""


def acceptable(typed: str) -> bool:
    """Whether a typed answer can be accepted as right: something, on one line, and at most
    `ACCEPTED_LENGTH` characters, exactly as it is to be stored (stripped)."""
    return (
        bool(typed)
        and typed == typed.strip()
        and "\n" not in typed
        and len(typed) <= ACCEPTED_LENGTH
    )
