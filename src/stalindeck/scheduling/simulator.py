"""Choosing a desired retention: the workload simulator Anki's FSRS settings run.

For each desired retention asked about, fsrs-rs (through fsrs-rs-python, the engine Anki's
simulator runs) plays the student's cards forward day by day until the exam (or for a number
of days): each due card is recalled with the probability FSRS gives it, graded with the
student's own mix of grades, and rescheduled at that retention; new cards come in
`new_per_day` a day in deck order. What comes out, averaged over many runs with different
random draws: cards a day (reviews, plus new cards introduced), minutes a day (the student's
own answer times, learning steps included) and the expected recall on the exam's day.

The student's habits come from their review log as fsrs-rs's `extract_simulator_config` (what
Anki calls) takes them: the first grade of a new card, the grade of a review recalled, the
grades through learning and relearning steps (as step-to-step transition tables) and the
seconds each grade takes in each state; each figure drawn towards Anki's default by
``n / (50 + n)`` so that a few answers move it only a little (and none leaves the default).

**Existing cards.** Anki's simulator starts from the cards as they are (their stability,
difficulty, last review and due day) and adds the new ones, each carrying the desired
retention it is simulated at. fsrs-rs-python 0.9's `simulate()` does not pass existing cards
to fsrs-rs; its `optimal_retention()` does, and runs fsrs-rs's simulation of them for many
seeds, handing each run to a `target` callback. Since every card passed carries its own
desired retention (new cards too, as Anki passes them: stability 1e-8, no last review), each
of those runs is a simulation at *that* retention whatever retention the search is trying: the
simulator keeps the distinct runs (one per seed: the search repeats its batch of seeds 42,
43, ... at every retention it tries) and averages them. `test_simulator.py` checks the figures
against a direct call of the library with the same inputs.

Cards are simulated without a daily review limit (as `exam`'s plan); a deck larger than
`MAX_SIMULATED` cards is simulated through an even sample of its cards, figures scaled up.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from stalindeck.errors import StalindeckError
from stalindeck.scheduling.day import study_date
from stalindeck.store.values import LEARNING, NEW, RELEARNING, REVIEW, from_millis

if TYPE_CHECKING:
    from stalindeck.store.exam_queries import ExamCardRow
    from stalindeck.store.open import Store
    from stalindeck.store.simulator_queries import AnswerRow
    from stalindeck.store.stats_queries import Scope

DEFAULT_RETENTIONS = (0.80, 0.85, 0.90, 0.95)
MIN_RETENTION, MAX_RETENTION = 0.70, 0.99  # the desired_retention setting's own bounds
MAX_DAYS = 3650
MAX_SIMULATED = 500
# Anki's answer times count only answers between 0 and 20 minutes.
_LONGEST_ANSWER_MS = 1_200_000
_SMOOTHING = 50  # a figure from n answers weighs n / (50 + n) against Anki's default
_SEED = 20_240_607  # the sample of a large deck: the same cards every time


@dataclass(frozen=True, slots=True)
class Habits:
    """How the student answers, in fsrs-rs's `SimulatorConfig` terms.

    Attributes:
        first_grade: chance of Again, Hard, Good, Easy as a new card's first grade.
        recalled_grade: chance of Hard, Good, Easy for a review recalled.
        learning_steps: per grade Again, Hard, Good, the chance of each next grade in
            learning steps (a row each, columns Again to Easy).
        relearning_steps: the same in relearning steps.
        seconds: seconds an answer takes, per state (learning, review, relearning) and grade.
        answers: answers of the log the figures were drawn from (0: Anki's defaults).
    """

    first_grade: tuple[float, ...]
    recalled_grade: tuple[float, ...]
    learning_steps: tuple[tuple[float, ...], ...]
    relearning_steps: tuple[tuple[float, ...], ...]
    seconds: tuple[tuple[float, ...], ...]
    answers: int

    @property
    def own(self) -> bool:
        """Some of the figures come from the student's log."""
        return self.answers > 0


def default_habits() -> Habits:
    """Anki's defaults (fsrs-rs's `SimulatorConfig::default`)."""
    import fsrs_rs_python

    config = fsrs_rs_python.default_simulator_config()
    return Habits(
        first_grade=tuple(config.first_rating_prob),
        recalled_grade=tuple(config.review_rating_prob),
        learning_steps=tuple(tuple(row) for row in config.learning_step_transitions),
        relearning_steps=tuple(tuple(row) for row in config.relearning_step_transitions),
        seconds=tuple(tuple(row) for row in config.state_rating_costs),
        answers=0,
    )


def _kind(state_before: int) -> int:
    """Anki's review kind of an answer: 0 learning (a new card's too), 1 review, 2 relearning."""
    if state_before == REVIEW:
        return 1
    if state_before == RELEARNING:
        return 2
    return 0  # NEW or LEARNING


def _lerp(own: float, default: float, weight: float) -> float:
    return weight * own + (1 - weight) * default


def _transitions(
    sequences: Iterable[Sequence[int]], defaults: Sequence[Sequence[float]]
) -> tuple[tuple[float, ...], ...]:
    """Step-to-step grade tables from each day's grades (Laplace-smoothed counts, then drawn
    towards `defaults` by how many transitions each row saw)."""
    counts = [[1.0] * 4 for _ in range(4)]  # Laplace smoothing, as fsrs-rs
    for grades in sequences:
        for current, following in itertools.pairwise(grades):
            counts[current - 1][following - 1] += 1
    rows = []
    for row, default in zip(counts[:3], defaults, strict=True):
        total = sum(row)
        weight = total / (_SMOOTHING + total)
        rows.append(tuple(_lerp(n / total, d, weight) for n, d in zip(row, default, strict=True)))
    return tuple(rows)


def habits_from_log(
    rows: Sequence[AnswerRow], rollover_hour: int, tz: tzinfo | None = None
) -> Habits:
    """The student's habits from their answers (see the module docstring).

    Args:
        rows: ``(card_id, reviewed_at ms, grade, state_before, duration_ms)``, card by card,
            each card's in time order (`store.simulator_queries.answer_log`).
        rollover_hour: the local hour study days start at.
        tz: the zone of study days (None: the machine's).
    """
    defaults = default_habits()
    timed = [row for row in rows if 0 < row[4] < _LONGEST_ANSWER_MS and 1 <= row[2] <= 4]
    if not timed:
        return defaults
    durations: dict[tuple[int, int], list[int]] = {}
    for _card, _at, grade, before, duration in timed:
        durations.setdefault((_kind(before), grade - 1), []).append(duration)
    seconds = []
    for kind, default_row in enumerate(defaults.seconds):
        row = []
        for grade, default in enumerate(default_row):
            found = durations.get((kind, grade), [])
            # fsrs-rs: the mean in whole milliseconds, then rounded to hundredths of a second.
            mean = sum(found) // len(found) / 1000 if found else 0.0
            weight = len(found) / (_SMOOTHING + len(found))
            row.append(round(_lerp(mean, default, weight) * 100) / 100)
        seconds.append(tuple(row))

    day_of: dict[int, int] = {}  # by quarter hour: every zone's offsets are multiples of 15 min

    def study_day(millis: int) -> int:
        quarter = millis // 900_000
        found = day_of.get(quarter)
        if found is None:
            found = study_date(from_millis(quarter * 900_000), rollover_hour, tz).toordinal()
            day_of[quarter] = found
        return found

    # Each card's answers of one study day: the first says what the day was (a new card's
    # learning, a review, a relearning), the rest are its steps.
    days: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for card, at, grade, before, _duration in timed:
        days.setdefault((card, study_day(at)), []).append((_kind(before) + 1, grade))
    first_counts = [0] * 4
    review_counts = [0] * 4
    learning: list[list[int]] = []
    relearning: list[list[int]] = []
    for answers in days.values():
        kind, grade = answers[0]
        grades = [g for _kind_, g in answers]
        if kind == 1:
            first_counts[grade - 1] += 1
            learning.append(grades)
        elif kind == 2:
            review_counts[grade - 1] += 1
            if grade == 1:
                relearning.append(grades)
    if not any(first_counts):
        first_counts = [1, 1, 1, 1]
    if not any(review_counts[1:]):
        review_counts = [review_counts[0], 1, 1, 1]
    first_total = sum(first_counts)
    first_weight = first_total / (_SMOOTHING + first_total)
    first_grade = tuple(
        _lerp(n / first_total, d, first_weight)
        for n, d in zip(first_counts, defaults.first_grade, strict=True)
    )
    recalled_total = sum(review_counts[1:])
    recalled_weight = recalled_total / (_SMOOTHING + recalled_total)
    recalled_grade = tuple(
        _lerp(n / recalled_total, d, recalled_weight)
        for n, d in zip(review_counts[1:], defaults.recalled_grade, strict=True)
    )
    return Habits(
        first_grade=first_grade,
        recalled_grade=recalled_grade,
        learning_steps=_transitions(learning, defaults.learning_steps),
        relearning_steps=_transitions(relearning, defaults.relearning_steps),
        seconds=tuple(seconds),
        answers=len(timed),
    )


@dataclass(frozen=True, slots=True)
class SimCard:
    """A card as the simulator starts from it, in study days from today.

    Attributes:
        stability, difficulty: its memory (None: never learnt; it comes in as a new card).
        last_day: the study day of its last review (0 today, negative before).
        due_day: the study day it is due (negative: overdue; it comes up today).
    """

    stability: float | None
    difficulty: float | None
    last_day: int | None
    due_day: int | None

    @property
    def new(self) -> bool:
        return self.stability is None


def sim_cards(
    rows: Sequence[ExamCardRow], today: date, rollover_hour: int, tz: tzinfo | None = None
) -> list[SimCard]:
    """The simulator's view of `exam`'s card rows (in deck order, the new cards' order)."""
    cards = []
    base = today.toordinal()
    for row in rows:
        learnt = (
            row.state != NEW
            and row.stability is not None
            and row.stability > 0
            and row.difficulty is not None
            and row.last_review_ms is not None
        )
        if not learnt:
            cards.append(SimCard(None, None, None, None))
            continue
        assert row.last_review_ms is not None
        last = study_date(from_millis(row.last_review_ms), rollover_hour, tz).toordinal() - base
        if row.state in (LEARNING, RELEARNING) or row.due_ms is None:
            due = 0  # in its steps: it comes up today (as Anki hands such cards over)
        else:
            due = study_date(from_millis(row.due_ms), rollover_hour, tz).toordinal() - base
        cards.append(SimCard(row.stability, row.difficulty, min(last, 0), due))
    return cards


@dataclass(frozen=True, slots=True)
class RetentionOutcome:
    """What studying at one desired retention takes and gives, averaged over the runs.

    Attributes:
        retention: the desired retention simulated.
        cards_mean: cards a day on average (reviews plus new cards introduced).
        cards_peak: the busiest day's cards (each day averaged over the runs first).
        minutes_mean: minutes of study a day on average (learning steps included).
        minutes_peak: the busiest day's minutes.
        minutes_total: minutes of study over the whole span.
        recall: expected recall on the last day (the exam's), the mean over the cards in scope
            (a card never learnt counts 0); None when there are no cards.
        remembered: the expected number of those cards recalled then.
    """

    retention: float
    cards_mean: float
    cards_peak: float
    minutes_mean: float
    minutes_peak: float
    minutes_total: float
    recall: float | None
    remembered: float

    @property
    def remembered_per_hour(self) -> float | None:
        """Cards remembered on the day per hour of study until then (None: no study)."""
        if self.minutes_total <= 0:
            return None
        return self.remembered / (self.minutes_total / 60)


@dataclass(frozen=True, slots=True)
class Simulation:
    """The simulator's answer for several retentions.

    Attributes:
        days: study days simulated (today first); recall is for the day after the last.
        cards: cards in scope (unsuspended).
        simulated: of those, how many were simulated (all, or an even sample of a large deck).
        new_per_day: new cards a day.
        runs: runs averaged per retention (one per seed of fsrs-rs's batch; 0: no cards).
        habits: the answer habits used.
        outcomes: one per retention, in ascending order.
        best: the retention with the most cards remembered per hour of study (None: no study).
    """

    days: int
    cards: int
    simulated: int
    new_per_day: int
    runs: int
    habits: Habits
    outcomes: tuple[RetentionOutcome, ...]
    best: float | None


def check_retentions(values: Sequence[float]) -> tuple[float, ...]:
    """`values` sorted and deduplicated, each within the desired_retention setting's bounds.

    Raises:
        StalindeckError: a value is out of bounds.
    """
    for value in values:
        if not (math.isfinite(value) and MIN_RETENTION <= value <= MAX_RETENTION):
            raise StalindeckError(
                f"--retention {value:g} is out of range: give a desired retention from "
                f"{MIN_RETENTION:.2f} to {MAX_RETENTION:.2f}, e.g. --retention 0.85"
            )
    return tuple(sorted(set(values))) or DEFAULT_RETENTIONS


def _sample(cards: Sequence[SimCard], limit: int) -> tuple[list[int], float]:
    """Indexes of the cards to simulate (an even, seeded sample when there are too many) and
    the scale from the sample back to the deck."""
    if len(cards) <= limit:
        return list(range(len(cards))), 1.0
    chosen = sorted(random.Random(_SEED).sample(range(len(cards)), limit))
    return chosen, len(cards) / limit


def library_inputs(
    cards: Sequence[SimCard],
    *,
    retention: float,
    days: int,
    parameters: Sequence[float],
    habits: Habits,
    new_per_day: int,
    learning_steps: int,
    relearning_steps: int,
    maximum_interval: int,
    limit: int = MAX_SIMULATED,
) -> tuple[Any, list[Any], float]:
    """fsrs-rs-python's `SimulatorConfig` and cards for one retention, and the sample's scale.

    New cards are due in deck order, `new_per_day` a day from today; every card carries
    `retention` (see the module docstring).
    """
    import fsrs_rs_python

    chosen, scale = _sample(cards, limit)
    filled = fsrs_rs_python.check_and_fill_parameters(list(parameters))
    # Each new card's place among the deck's new cards sets its day, sample or not.
    places: dict[int, int] = {}
    for index, card in enumerate(cards):
        if card.new:
            places[index] = len(places)
    out = []
    for index in chosen:
        card = cards[index]
        made = fsrs_rs_python.Card()
        made.id = index + 1
        made.desired_retention = retention
        made.parameters = filled
        if card.new:
            made.stability = 1e-8  # kept by fsrs-rs, which drops cards at 0; no last review
            made.due = float(places[index] // new_per_day) if new_per_day else float(days)
        else:
            assert card.stability is not None and card.difficulty is not None
            assert card.last_day is not None and card.due_day is not None
            made.stability = card.stability
            made.difficulty = card.difficulty
            made.last_date = float(card.last_day)
            made.due = float(max(card.due_day, 0))
            made.interval = float(max(card.due_day - card.last_day, 1))
        out.append(made)
    config = fsrs_rs_python.default_simulator_config()
    config.deck_size = len(out)
    config.learn_span = days
    config.max_cost_perday = math.inf
    config.max_ivl = float(maximum_interval)
    config.first_rating_prob = list(habits.first_grade)
    config.review_rating_prob = list(habits.recalled_grade)
    config.learning_step_transitions = [list(row) for row in habits.learning_steps]
    config.relearning_step_transitions = [list(row) for row in habits.relearning_steps]
    config.state_rating_costs = [list(row) for row in habits.seconds]
    config.learning_step_count = learning_steps
    config.relearning_step_count = relearning_steps
    config.learn_limit = max(new_per_day, 1)
    config.review_limit = 2**63
    config.new_cards_ignore_review_limit = True
    return config, out, scale


# One run's figures: cards per day, seconds per day, recall summed over the sampled cards.
_Run = tuple[tuple[int, ...], tuple[float, ...], float]


def library_runs(
    config: Any, cards: Sequence[Any], parameters: Sequence[float], days: int
) -> list[_Run]:
    """fsrs-rs's runs of `cards` under `config`, each as cards a day, seconds a day and the
    recall summed over the cards on day `days`: one per seed, sorted (so that the figures do
    not depend on the order the runs came back in).

    fsrs-rs's retention search simulates a batch of seeds (42, 43, ...) at each retention it
    tries; every card here carries its own retention, so each batch repeats the same runs: the
    distinct ones are kept.
    """
    import fsrs_rs_python

    runs: set[_Run] = set()

    def keep(result: Any, _parameters: Any) -> float:
        per_day = tuple(
            reviews + learnt
            for reviews, learnt in zip(
                result.review_cnt_per_day, result.learn_cnt_per_day, strict=True
            )
        )
        recall = math.fsum(
            card.retention_on(float(days)) for card in result.cards if card.last_date != -math.inf
        )
        runs.add((per_day, tuple(result.cost_per_day), recall))
        return 0.0  # the same for every retention tried: the search ends in a few batches

    try:
        fsrs_rs_python.optimal_retention(config, list(parameters), list(cards), keep)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # fsrs-rs reports a Rust panic as a BaseException
        raise StalindeckError(f"the simulator failed ({error}); nothing was changed") from error
    if not runs:
        raise StalindeckError("the simulator made no runs; nothing was changed")
    return sorted(runs)


def _outcome(retention: float, runs: Sequence[_Run], scale: float, cards: int) -> RetentionOutcome:
    count = len(runs)
    days = len(runs[0][0])
    per_day = [sum(run[0][day] for run in runs) / count * scale for day in range(days)]
    seconds = [sum(run[1][day] for run in runs) / count * scale for day in range(days)]
    remembered = sum(run[2] for run in runs) / count * scale
    return RetentionOutcome(
        retention=retention,
        cards_mean=sum(per_day) / days,
        cards_peak=max(per_day),
        minutes_mean=sum(seconds) / days / 60,
        minutes_peak=max(seconds) / 60,
        minutes_total=sum(seconds) / 60,
        recall=remembered / cards if cards else None,
        remembered=remembered,
    )


Stage = Callable[[str], None]


def simulate(
    cards: Sequence[SimCard],
    *,
    retentions: Sequence[float],
    days: int,
    parameters: Sequence[float],
    habits: Habits,
    new_per_day: int,
    learning_steps: int,
    relearning_steps: int,
    maximum_interval: int,
    stage: Stage | None = None,
) -> Simulation:
    """Simulate studying `cards` for `days` study days at each of `retentions`.

    Args:
        cards: the cards in scope, in deck order (`sim_cards`).
        retentions: desired retentions to compare (`check_retentions`).
        days: study days to simulate, today first (1 to `MAX_DAYS`).
        parameters: the FSRS-6 weights in force.
        habits: the student's answer habits (`habits_from_log` or `default_habits`).
        new_per_day: new cards introduced a day.
        learning_steps, relearning_steps: how many steps the settings have.
        maximum_interval: the longest interval, in days.
        stage: told what is being done, for a progress display.
    """
    if not 1 <= days <= MAX_DAYS:
        raise StalindeckError(f"simulate 1 to {MAX_DAYS} days, not {days}")
    tell = stage or (lambda _text: None)
    outcomes = []
    simulated = min(len(cards), MAX_SIMULATED)
    runs_made = 0
    for retention in retentions:
        tell(f"simulating {days} days at desired retention {retention:.2f}")
        if not cards:
            outcomes.append(RetentionOutcome(retention, 0, 0, 0, 0, 0, None, 0))
            continue
        config, made, scale = library_inputs(
            cards,
            retention=retention,
            days=days,
            parameters=parameters,
            habits=habits,
            new_per_day=new_per_day,
            learning_steps=learning_steps,
            relearning_steps=relearning_steps,
            maximum_interval=maximum_interval,
        )
        runs = library_runs(config, made, parameters, days)
        runs_made = len(runs)
        outcomes.append(_outcome(retention, runs, scale, len(cards)))
    rated = [(o.remembered_per_hour, o.retention) for o in outcomes if o.remembered_per_hour]
    best = max(rated)[1] if rated else None
    return Simulation(
        days=days,
        cards=len(cards),
        simulated=simulated,
        new_per_day=new_per_day,
        runs=runs_made,
        habits=habits,
        outcomes=tuple(outcomes),
        best=best,
    )


def simulate_store(
    store: Store,
    scope: Scope,
    *,
    now: datetime,
    days: int,
    retentions: Sequence[float] = DEFAULT_RETENTIONS,
    new_per_day: int | None = None,
    tz: tzinfo | None = None,
    stage: Stage | None = None,
) -> Simulation:
    """`simulate` the unsuspended cards in `scope` of the store's profile, with its settings
    and the habits in its log (see `simulate` for the arguments)."""
    from stalindeck.scheduling.fsrs_bridge import make_scheduler
    from stalindeck.scheduling.settings import load_settings
    from stalindeck.store.exam_queries import exam_cards
    from stalindeck.store.simulator_queries import answer_log

    settings = load_settings(store)
    today = study_date(now, settings.rollover_hour, tz)
    tell = stage or (lambda _text: None)
    tell("reading your cards and answers")
    cards = sim_cards(exam_cards(store, scope), today, settings.rollover_hour, tz)
    habits = habits_from_log(answer_log(store), settings.rollover_hour, tz)
    parameters = settings.fsrs_parameters or tuple(make_scheduler().parameters)
    return simulate(
        cards,
        retentions=retentions,
        days=days,
        parameters=parameters,
        habits=habits,
        new_per_day=settings.new_per_day if new_per_day is None else new_per_day,
        learning_steps=len(settings.learning_steps),
        relearning_steps=len(settings.relearning_steps),
        maximum_interval=settings.maximum_interval,
        stage=stage,
    )


SCHEMA_VERSION = 1


def to_json(
    simulation: Simulation, current: float, exam_date: date | None = None
) -> dict[str, Any]:
    """The simulation as `simulate --json` prints it (docs/simulate.md)."""
    habits = simulation.habits
    return {
        "schema": SCHEMA_VERSION,
        "days": simulation.days,
        "exam_date": None if exam_date is None else exam_date.isoformat(),
        "cards": simulation.cards,
        "simulated": simulation.simulated,
        "new_per_day": simulation.new_per_day,
        "runs": simulation.runs,
        "current_retention": current,
        "best": simulation.best,
        "habits": {
            "source": "log" if habits.own else "defaults",
            "answers": habits.answers,
            "first_grade": list(habits.first_grade),
            "recalled_grade": list(habits.recalled_grade),
            "seconds": [list(row) for row in habits.seconds],
        },
        "retentions": [
            {
                "retention": o.retention,
                "cards_per_day": o.cards_mean,
                "cards_busiest": o.cards_peak,
                "minutes_per_day": o.minutes_mean,
                "minutes_busiest": o.minutes_peak,
                "minutes_total": o.minutes_total,
                "recall": o.recall,
                "remembered": o.remembered,
                "remembered_per_hour": o.remembered_per_hour,
            }
            for o in simulation.outcomes
        ],
    }
