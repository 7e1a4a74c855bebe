"""Fitting FSRS-6 parameters to a profile's own review history, as Anki's "Optimize" does.

The review log becomes FSRS training items the way Anki builds them (rslib
``scheduler/fsrs/params.rs``): per card, its answers in time order, starting from its last
answer as a new card (a card reset to new starts again; a card whose history does not start
from new is skipped); ``delta_t`` is the number of study days between an answer and the one
before it (days start at the rollover hour, in local time); every answer after the first that
came on a later study day than the one before gives one item holding the history up to it.
Items are handed over in the order of their last answer, as Anki does: the fit weighs recent
ones more.

Like Anki, at least `MIN_ITEMS` such answers are needed. New parameters replace the old ones
only if they predict answers they were *not* fitted to better (lower log loss, the measure
srs-benchmark ranks by). Fitting to the same reviews it is then judged on flatters the fit: in
simulated histories of 60 and 200 days the fitted weights beat the defaults on later reviews
only half the time. So the comparison is made out of sample, on time-ordered splits as
fsrs-rs's `evaluate_with_time_series_splits` makes them: the items, in time order, are cut
into six equal segments; for each of the last five, parameters are fitted to every segment
before it and judged on it. The current parameters are judged on the same five segments (they
were not fitted to them here), every item weighing the same in both. The in-sample figures
are shown beside them, as Anki shows them. Storing new parameters recomputes every answered
card's stability and difficulty from its reviews, as Anki does (`scheduling.memory`); due
dates are kept (Anki without "reschedule cards on change").

fsrs-rs-python is imported only here, inside the functions: it is needed by no other command.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import tzinfo
from typing import TYPE_CHECKING

from stalindeck.errors import StalindeckError
from stalindeck.scheduling.day import StudyDays
from stalindeck.scheduling.settings import (
    SPECS,
    Settings,
    load_settings,
    parameter_bounds,
    reset_setting,
    save_value,
)
from stalindeck.store.values import NEW

if TYPE_CHECKING:
    from fsrs_rs_python import FSRSItem

    from stalindeck.store.open import Store

# Anki computes parameters only from 400 items on (`compute_params`). fsrs-rs raises no error
# below that: it quietly hands back its defaults, or refits only the four initial stabilities.
MIN_ITEMS = 400
# fsrs-rs's time-series evaluation: five folds over six segments, each fold tested on one.
SPLITS = 5

Item = tuple[tuple[int, int], ...]  # (rating, delta_t in study days) per answer, oldest first
Stage = Callable[[str], None]


class OptimizeError(StalindeckError):
    """The parameters could not be optimized; nothing was changed."""


@dataclass(frozen=True, slots=True)
class Fit:
    """How well parameters predict the items: lower is better for both.

    Attributes:
        log_loss: mean binary cross-entropy of predicted recall against pass/fail.
        rmse_bins: RMSE between predicted and actual recall over bins of similar reviews.
    """

    log_loss: float
    rmse_bins: float


@dataclass(frozen=True, slots=True)
class Outcome:
    """What `optimize` found and did.

    Attributes:
        reviews: answers in the profile's log.
        items: answers the fit used (see the module docstring).
        cards: cards those answers belong to.
        current: the parameters in force before (FSRS's defaults when none were set).
        current_is_default: no parameters of the profile's own were set.
        current_fit: how well `current` fits the items (in sample).
        new: the fitted parameters.
        new_fit: how well `new` fits the same items (in sample: flattering).
        held_out: answers the out-of-sample comparison was judged on.
        current_held_out: log loss of `current` on those answers.
        new_held_out: log loss on those answers of parameters fitted only to earlier ones
            (NaN when fsrs-rs could not fit the earliest splits).
        saved: `new` was stored.
        recomputed: cards whose memory state changed with `new` (0 unless saved).
    """

    reviews: int
    items: int
    cards: int
    current: tuple[float, ...]
    current_is_default: bool
    current_fit: Fit
    new: tuple[float, ...]
    new_fit: Fit
    held_out: int
    current_held_out: float
    new_held_out: float
    saved: bool
    recomputed: int = 0

    @property
    def improved(self) -> bool:
        """Fitting predicts answers it has not seen better than the current parameters do
        (False when that could not be judged: `judged`)."""
        return self.judged and self.new_held_out < self.current_held_out

    @property
    def judged(self) -> bool:
        """The out-of-sample comparison could be made (fsrs-rs fitted every split)."""
        return math.isfinite(self.new_held_out)


def training_items(
    rows: Iterable[tuple[int, int, int, int]], rollover_hour: int, tz: tzinfo | None = None
) -> tuple[list[Item], int]:
    """FSRS training items from review rows, and how many cards they come from.

    Args:
        rows: ``(card_id, reviewed_at epoch ms, grade, state_before)``, card by card, each
            card's in time order (`store.settings_store.review_history`).
        rollover_hour: the local hour at which study days start.
        tz: the zone of study days (None: the machine's).
    """
    timed: list[tuple[int, Item]] = []  # (when the item's last answer was given, the item)
    cards = 0
    study_day = StudyDays(rollover_hour, tz)

    def add(card: list[tuple[int, int, int, int]]) -> None:
        nonlocal cards
        starts = [index for index, row in enumerate(card) if row[3] == NEW]
        if not starts:
            return  # no first answer as a new card: its early history is not here
        history = card[starts[-1] :]
        days = [study_day(row[1]) for row in history]
        answers = tuple(
            (row[2], 0 if index == 0 else days[index] - days[index - 1])
            for index, row in enumerate(history)
        )
        before = len(timed)
        timed.extend(
            (history[index][1], answers[: index + 1])
            for index in range(1, len(answers))
            if answers[index][1] > 0
        )
        cards += len(timed) > before

    current: list[tuple[int, int, int, int]] = []
    for row in rows:
        if current and row[0] != current[0][0]:
            add(current)
            current = []
        current.append(row)
    if current:
        add(current)
    # In time order, as Anki hands them over: fsrs-rs weighs recent items more.
    timed.sort(key=lambda pair: pair[0])
    return [item for _, item in timed], cards


def _fit(parameters: Sequence[float], items: Sequence[FSRSItem]) -> Fit:
    import fsrs_rs_python

    found = fsrs_rs_python.FSRS(list(parameters)).evaluate(items)
    return Fit(log_loss=float(found.log_loss), rmse_bins=float(found.rmse_bins))


def held_out_segments(count: int) -> tuple[int, int]:
    """Where fsrs-rs's time-series splits test, for `count` items in time order: the test
    segments cover ``items[start:count]``; returns ``(start, count - start)``."""
    segment = count // (SPLITS + 1)
    return segment, count - segment


def fixed_log_loss(parameters: Sequence[float], items: Sequence[Item]) -> float:
    """Mean log loss of `parameters` predicting each item's last answer (pass: any grade but
    Again) from the answers before it, every item weighing the same (as fsrs-rs weighs the
    items of its time-series splits)."""
    import fsrs_rs_python

    model = fsrs_rs_python.FSRS(list(parameters))
    histories = [
        fsrs_rs_python.FSRSItem([fsrs_rs_python.FSRSReview(r, t) for r, t in item[:-1]])
        for item in items
    ]
    states = model.memory_state_batch(histories)
    decay = -float(parameters[20])
    factor = 0.9 ** (1 / decay) - 1
    total = 0.0
    for item, state in zip(items, states, strict=True):
        rating, delta_t = item[-1]
        recall = (1 + factor * delta_t / state.stability) ** decay
        recall = min(max(recall, 1e-7), 1 - 1e-7)
        total -= math.log(recall) if rating > 1 else math.log(1 - recall)
    return total / len(items)


def _within_bounds(values: Sequence[float]) -> tuple[float, ...]:
    # fsrs-rs works in float32: a weight at a bound can come back a hair outside py-fsrs's.
    lows, highs = parameter_bounds()
    return tuple(
        min(max(float(value), low), high)
        for value, low, high in zip(values, lows, highs, strict=True)
    )


def optimize(
    store: Store,
    *,
    force: bool = False,
    dry_run: bool = False,
    tz: tzinfo | None = None,
    stage: Stage | None = None,
) -> Outcome:
    """Fit FSRS-6 parameters to the profile's history; store them if fitting predicts reviews
    it has not seen better than the current parameters do (see the module docstring).

    Args:
        store: the open store (its profile's history and settings).
        force: store the new parameters even if they predict no better.
        dry_run: store nothing.
        tz: the zone of study days (None: the machine's).
        stage: told what is being done, for a progress display.

    Raises:
        OptimizeError: too little history, or the fit failed; nothing was changed.
    """
    import fsrs_rs_python

    from stalindeck.scheduling.fsrs_bridge import make_scheduler
    from stalindeck.store.settings_store import review_history

    tell = stage or (lambda _text: None)
    tell("reading the review log")
    settings: Settings = load_settings(store)
    rows = review_history(store)
    items, cards = training_items(rows, settings.rollover_hour, tz)
    if len(items) < MIN_ITEMS:
        raise OptimizeError(
            f"not enough history to optimize: {len(items)} usable reviews (of {len(rows)} in "
            f"all; answers on a later day than a card's previous one), at least {MIN_ITEMS} "
            "are needed. Keep reviewing and try again; nothing was changed"
        )
    fsrs_items = [
        fsrs_rs_python.FSRSItem([fsrs_rs_python.FSRSReview(r, t) for r, t in item])
        for item in items
    ]
    current = settings.fsrs_parameters or tuple(make_scheduler().parameters)
    tell(f"fitting parameters to {len(items):,} reviews of {cards:,} cards")
    try:
        fitted = fsrs_rs_python.FSRS(list(current)).compute_parameters(fsrs_items)
        if len(fitted) != len(current) or not all(math.isfinite(value) for value in fitted):
            raise ValueError(f"{len(fitted)} weights came back, not all of them finite")
        new = _within_bounds(fitted)
        tell("comparing the current and new parameters")
        current_fit, new_fit = _fit(current, fsrs_items), _fit(new, fsrs_items)
        tell("judging both on reviews each fit has not seen (5 time-ordered splits)")
        start, held_out = held_out_segments(len(fsrs_items))
        current_held_out = fixed_log_loss(current, items[start:])
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # fsrs-rs reports a Rust panic as a BaseException
        raise OptimizeError(
            f"the optimizer could not fit parameters to this history ({error}); nothing was changed"
        ) from error
    try:
        new_held_out = float(fsrs_rs_python.evaluate_with_time_series_splits(fsrs_items).log_loss)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:
        # fsrs-rs cannot fit the earliest splits (too few first answers of each grade to start
        # from): fitting has not been shown to predict better, so it is not taken for it.
        new_held_out = math.nan
    outcome = Outcome(
        reviews=len(rows),
        items=len(items),
        cards=cards,
        current=current,
        current_is_default=settings.fsrs_parameters is None,
        current_fit=current_fit,
        new=new,
        new_fit=new_fit,
        held_out=held_out,
        current_held_out=current_held_out,
        new_held_out=new_held_out,
        saved=False,
    )
    if not dry_run and (force or outcome.improved):
        recomputed = save_value(store, SPECS["fsrs_parameters"], new)
        outcome = replace(outcome, saved=True, recomputed=recomputed)
    return outcome


def reset_parameters(store: Store) -> int | None:
    """Go back to FSRS's default parameters; None if they were in force already, else how
    many cards' memory state changed."""
    return reset_setting(store, "fsrs_parameters")
