"""The lines printed when a session ends."""

from __future__ import annotations

from datetime import datetime

from stalindeck.review.session import ReviewSession
from stalindeck.ui.format import duration, when


def summary_lines(session: ReviewSession, now: datetime) -> list[str]:
    """What was done, and when the next card is due."""
    done = session.summary
    lines = []
    if done.answered:
        percent = done.percent_correct or 0.0
        lines.append(
            f"Reviewed {_count(done.cards, 'card')} ({_count(done.answered, 'answer')}) · "
            f"{percent:.0f}% correct · {duration(done.time_ms)} · "
            f"{_count(done.new_learned, 'new card')} learned"
        )
    else:
        lines.append("Nothing reviewed.")
    upcoming = session.next_due()
    if upcoming is None:
        counts = session.counts()
        lines.append(
            "No card is scheduled yet."
            if not counts.new
            else f"{counts.new} new cards wait for tomorrow's limit."
        )
    else:
        lines.append(f"Next card due {when(upcoming, now)}.")
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
