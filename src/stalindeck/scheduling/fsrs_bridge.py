"""The one place that converts between store rows and `fsrs.Card`, and builds the scheduler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

import fsrs

from stalindeck.store.models import NEW, REVIEW


@dataclass(frozen=True, slots=True)
class SchedulerSettings:
    """FSRS settings, with Anki's defaults."""

    desired_retention: float = 0.9
    learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10))
    relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),)
    maximum_interval: int = 36500
    enable_fuzzing: bool = True
    parameters: tuple[float, ...] | None = None  # the 21 FSRS-6 weights; None: FSRS's defaults


def make_scheduler(settings: SchedulerSettings | None = None) -> fsrs.Scheduler:
    """An FSRS-6 scheduler with `settings` (defaults when None)."""
    settings = settings or SchedulerSettings()
    return fsrs.Scheduler(
        parameters=settings.parameters or fsrs.scheduler.DEFAULT_PARAMETERS,
        desired_retention=settings.desired_retention,
        learning_steps=settings.learning_steps,
        relearning_steps=settings.relearning_steps,
        maximum_interval=settings.maximum_interval,
        enable_fuzzing=settings.enable_fuzzing,
    )


class Memory(NamedTuple):
    """A card's scheduling state as the store keeps it (state 0 = never reviewed)."""

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime | None
    last_review: datetime | None
    reps: int
    lapses: int


def to_fsrs(card_id: int, memory: Memory, now: datetime) -> fsrs.Card:
    """The `fsrs.Card` for a stored state; a new card is FSRS's fresh Learning card."""
    if memory.state == NEW:
        return fsrs.Card(card_id=card_id, state=fsrs.State.Learning, step=0, due=now)
    step = memory.step
    if step is None and memory.state != REVIEW:
        step = 0  # a learning card stored without its step (an old or hand-made store)
    return fsrs.Card(
        card_id=card_id,
        state=fsrs.State(memory.state),
        step=step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due or now,
        last_review=memory.last_review,
    )


def after_review(before: Memory, reviewed: fsrs.Card, grade: int) -> Memory:
    """The stored state after FSRS returned `reviewed` for an answer of `grade`."""
    lapsed = before.state == REVIEW and grade == int(fsrs.Rating.Again)
    return Memory(
        state=int(reviewed.state),
        step=reviewed.step,
        stability=reviewed.stability,
        difficulty=reviewed.difficulty,
        due=reviewed.due,
        last_review=reviewed.last_review,
        reps=before.reps + 1,
        lapses=before.lapses + (1 if lapsed else 0),
    )


def shifted(memory: Memory, delta: timedelta) -> Memory:
    """`memory` moved later by `delta`: an outcome computed at reveal, applied at the answer."""
    if not delta:
        return memory
    due, last = memory.due, memory.last_review
    return Memory(
        memory.state, memory.step, memory.stability, memory.difficulty,
        None if due is None else due + delta, None if last is None else last + delta,
        memory.reps, memory.lapses,
    )  # fmt: skip
