"""The lines printed when a session ends."""

from __future__ import annotations

from datetime import datetime

from stalindeck.review.session import ReviewSession
from stalindeck.ui.format import duration, when
from stalindeck.words import joined, plural


def summary_lines(session: ReviewSession, now: datetime) -> list[str]:
    """What was done, and when the next card is due."""
    done = session.summary
    lines = []
    if done.answered:
        percent = done.percent_correct or 0.0
        lines.append(
            f"Reviewed {plural(done.cards, 'card')} ({plural(done.answered, 'answer')}) · "
            f"{percent:.0f}% correct · {duration(done.time_ms)}"
            + (f" · {done.new_learned} of them new" if done.new_learned else "")
        )
    else:
        lines.append("Nothing reviewed.")
    # Left in a review-ahead session; otherwise left for today, past this session's own bounds
    # (`--limit`, `--new`, `--minutes` stop a session while the day still holds cards).
    counts = session.counts() if session.ahead else session.left_today()
    left = []
    if counts.review:
        left.append(plural(counts.review, "review"))
    if counts.new:
        left.append(plural(counts.new, "new card"))
    if counts.learning:
        left.append(f"{counts.learning} in learning")
    listed = joined(left)
    # Learning steps left, and nothing else: a review now shows them only once one is due
    # within the learn-ahead window; otherwise say when the first one is.
    only_steps = counts.learning and not (counts.review or counts.new)
    step = session.learning_due() if only_steps else None
    if left and session.ahead:
        lines.append(f"Left to review ahead: {listed}; `--ahead` again goes on.")
    elif left and (step is None or step <= now + session.learn_ahead):
        lines.append(f"Left for today: {listed}; `stalindeck review` goes on.")
    elif left and step is not None:
        lines.append(f"Left for today: {listed}, the first due {when(step, now)}.")
    upcoming = session.next_due()
    # The time the next card falls due matters when nothing is left today, or when reviewing
    # ahead; what is left today says so itself.
    if upcoming is not None and (session.ahead or not left):
        lines.append(f"Next card due {when(upcoming, now)}.")
    new_today = session.left_today().new if session.ahead else 0
    if new_today:
        lines.append(f"New today: {plural(new_today, 'card')}; `stalindeck review` shows them.")
    elif not left and session.new_waiting():
        lines.append("More new cards come with tomorrow's allowance (setting new_per_day).")
    elif not left and upcoming is None:
        suspended = session.suspended()
        lines.append(
            f"All {plural(suspended, 'card')} here are suspended: `stalindeck cards --state "
            "suspended` lists them, `stalindeck unsuspend ID...` brings them back."
            if suspended
            else "No cards here: `stalindeck import FILE` adds a deck (`stalindeck import "
            "--bundled`, the 9HI0 deck)."
        )
    return lines
