"""What a card asks the student to type, and the grade a typed answer proposes."""

from __future__ import annotations

from collections.abc import Sequence

from stalindeck.review.matcher import Match, Verdict, check_answer
from stalindeck.store.queue import CardView


def expected_answer(card: CardView, force: bool) -> str | None:
    """The answer to type for `card`, or None if it is a reveal-only card.

    With `force` (``review --type``), every card is typed: against its answer key if it has
    one, else against its back.
    """
    if card.answer:
        return card.answer
    return card.back if force else None


def check(card: CardView, typed: str, expected: str, own: Sequence[str] = ()) -> Match:
    """Check `typed` against the expected answer, the card's accepted aliases and the
    answers the student accepted as right for it (`own`)."""
    return check_answer(typed, expected, (*card.accept, *own))


def proposed_grade(match: Match) -> int:
    """Right → Good; almost (a one-letter slip) → Hard; wrong → Again."""
    return {Verdict.CORRECT: 3, Verdict.ALMOST: 2, Verdict.WRONG: 1}[match.verdict]
