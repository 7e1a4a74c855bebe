"""A card's whole scheduling state worked out again from its review log.

`stalindeck check` uses it for a card whose state does not follow from its log (an answer
given from a stale state by another window, before answers were recomputed under the write
lock, or a state older than the newest review). Each answer is applied with the answer path's
own arithmetic (`Outcomes`), from the card's last start as a new card (a reset starts it
again), without fuzz: the repaired due date is the one FSRS gives, not a random neighbour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from stalindeck.scheduling.fsrs_bridge import Memory, SchedulerSettings, make_scheduler
from stalindeck.scheduling.outcomes import Outcomes
from stalindeck.store.values import NEW

# (reviewed_at, grade, the state the log says the answer started from)
Answer = tuple[datetime, int, Memory]


def replayed(answers: Sequence[Answer], settings: SchedulerSettings) -> Memory | None:
    """The state `answers` (one card's, oldest first) leave it in; None when there are none
    or one has an impossible grade.

    A log whose beginning is missing (no answer from new) starts from the first answer's
    logged state.
    """
    if not answers or any(grade not in (1, 2, 3, 4) for _at, grade, _before in answers):
        return None  # nothing to work from, or an impossible grade `check` reports
    starts = [index for index, (_at, _grade, before) in enumerate(answers) if before.state == NEW]
    first = starts[-1] if starts else 0
    outcomes = Outcomes(make_scheduler(replace(settings, enable_fuzzing=False)))
    memory = answers[first][2]
    if starts:
        memory = Memory(NEW, None, None, None, None, None, 0, 0)
    for at, grade, _before in answers[first:]:
        memory = outcomes(memory, at)[grade]
    return memory
