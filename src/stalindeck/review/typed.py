"""What a card asks the student to type, and the grade a typed answer proposes."""

from __future__ import annotations

from collections.abc import Sequence

from stalindeck.review.expected import expected_answer as expected_answer
from stalindeck.review.expected import hidden_part as hidden_part
from stalindeck.review.expected import hidden_span as hidden_span
from stalindeck.review.expected import short_answer as short_answer
from stalindeck.review.matcher import Match, Verdict, check_answer
from stalindeck.review.order import check_order, order_grade
from stalindeck.store.models import ACCEPTED_LENGTH
from stalindeck.store.queue import CardView


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
