"""Each card's FSRS memory (stability, difficulty) worked out again from its reviews.

Stability and difficulty mean something only under the weights that produced them: when the
weights change (`optimize`, or `settings fsrs_parameters`), the forgetting curve of the new
ones would otherwise be applied to stabilities worked out under the old. Anki recomputes the
memory state of every card whose weights change, from its review log; so does stalindeck, in
the transaction that stores the weights. Due dates, states and steps stay as they are (Anki
without "Reschedule cards on change"): each card's next interval comes from its new memory.

The replay is the answer path's own arithmetic (`Outcomes.next_memory`), from the card's last
answer as a new card (a reset starts it again), the time between answers counted in study days
as the answer path counts it: with the weights in force, every card's memory comes back exactly
as its answers left it (a card shown before the rollover and answered after it is worked out
again at the answer, so the log's times are the ones that count).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import tzinfo
from itertools import groupby
from operator import itemgetter

from stalindeck.scheduling.day import DEFAULT_ROLLOVER_HOUR, StudyDays
from stalindeck.scheduling.fsrs_bridge import SchedulerSettings, make_scheduler
from stalindeck.scheduling.outcomes import Outcomes
from stalindeck.store.values import NEW

# (card_id, reviewed_at epoch ms, grade, state_before): card by card, each card's reviews in
# the order they were given (`store.settings_store.review_log`).
LogRow = tuple[int, int, int, int]


def recomputed(
    rows: Iterable[LogRow],
    stored: Mapping[int, tuple[float | None, float | None]],
    parameters: Sequence[float] | None,
    rollover_hour: int = DEFAULT_ROLLOVER_HOUR,
    tz: tzinfo | None = None,
) -> list[tuple[float, float, int]]:
    """``(stability, difficulty, card_id)`` of each card in `stored` (its memory now, by card
    id) whose memory under `parameters` (None: FSRS's defaults) differs; study days start at
    `rollover_hour` in `tz` (None: the machine's zone).

    A card whose log does not start from new (its beginning is not here) keeps its memory.
    """
    weights = None if parameters is None else tuple(parameters)
    memory_after = Outcomes(
        make_scheduler(SchedulerSettings(parameters=weights, enable_fuzzing=False))
    ).next_memory
    study_day = StudyDays(rollover_hour, tz)
    changed = []
    for card_id, group in groupby(rows, key=itemgetter(0)):
        now = stored.get(card_id)
        if now is None:
            continue  # new (again): nothing to work out
        reviews = list(group)
        starts = [index for index, row in enumerate(reviews) if row[3] == NEW]
        if not starts:
            continue
        memory: tuple[float, float] | None = None
        last = 0
        for _card, at, grade, _before in reviews[starts[-1] :]:
            day = study_day(at)
            memory = memory_after(memory, day - last, grade)
            last = day
        if memory is not None and memory != now:
            changed.append((*memory, card_id))
    return changed
