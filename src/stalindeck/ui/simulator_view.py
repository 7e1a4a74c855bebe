"""Rich rendering of the workload simulator: a table of what each desired retention takes and
gives, a chart of minutes a day against retention, and how to set the best one. Fits 80
columns; nothing here comes from decks."""

from __future__ import annotations

from datetime import date

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from stalindeck.scheduling.simulator import RetentionOutcome, Simulation
from stalindeck.words import plural

CHART_WIDTH = 40


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _recall(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _per_hour(outcome: RetentionOutcome) -> str:
    value = outcome.remembered_per_hour
    return "-" if value is None else f"{value:.1f}"


def heading(simulation: Simulation, exam_date: date | None) -> Text:
    """What was simulated, and whose answers it stands on."""
    span = plural(simulation.days, "study day")
    until = f" (today to the exam on {exam_date.isoformat()})" if exam_date else ""
    text = Text(f"Simulated {span}{until}: {plural(simulation.cards, 'card')}, ")
    text.append(f"{simulation.new_per_day} new a day, ")
    text.append(f"each retention averaged over {plural(simulation.runs, 'run')}.")
    if simulation.simulated < simulation.cards:
        text.append(
            f" (An even sample of {simulation.simulated:,} cards was simulated, scaled up.)"
        )
    habits = simulation.habits
    if habits.own:
        text.append(
            f"\nGrades and answer times: yours, from {plural(habits.answers, 'answer')} in "
            "your log (drawn towards Anki's defaults while there are few)."
        )
    else:
        text.append(
            "\nGrades and answer times: Anki's defaults (your log has no timed answers yet)."
        )
    return text


def table(simulation: Simulation, current: float) -> Table:
    """One row per retention."""
    result = Table(box=None, pad_edge=False)
    result.add_column("retention")
    result.add_column("cards/day", justify="right")
    result.add_column("busiest", justify="right")
    result.add_column("min/day", justify="right")
    result.add_column("busiest", justify="right")
    result.add_column("recall at end", justify="right")
    result.add_column("per hour", justify="right")
    result.add_column("")
    for outcome in simulation.outcomes:
        marks = []
        if abs(outcome.retention - current) < 1e-9:
            marks.append("yours")
        if simulation.best is not None and outcome.retention == simulation.best:
            marks.append("best")
        result.add_row(
            f"{outcome.retention:.2f}",
            _number(outcome.cards_mean),
            _number(outcome.cards_peak),
            _number(outcome.minutes_mean),
            _number(outcome.minutes_peak),
            _recall(outcome.recall),
            _per_hour(outcome),
            ", ".join(marks),
            style="bold" if "best" in marks else None,
        )
    return result


def minutes_chart(simulation: Simulation) -> Text:
    """Minutes a day (mean, and the busiest day) against retention, as horizontal bars."""
    top = max((o.minutes_peak for o in simulation.outcomes), default=0.0)
    chart = Text("Minutes a day (█ mean, ░ up to the busiest day)\n", style="bold")
    for outcome in simulation.outcomes:
        mean = 0 if not top else round(CHART_WIDTH * outcome.minutes_mean / top)
        peak = 0 if not top else round(CHART_WIDTH * outcome.minutes_peak / top)
        chart.append(f"{outcome.retention:.2f} ", style="dim")
        chart.append("█" * mean, style="cyan")
        chart.append("░" * max(0, peak - mean), style="cyan dim")
        chart.append(f" {_number(outcome.minutes_mean)} / {_number(outcome.minutes_peak)} min\n")
    return chart


def advice(simulation: Simulation, current: float) -> Text:
    """Which retention gives the most for the time, and how to set it."""
    if simulation.best is None:
        return Text("Nothing to study in this span: no retention to recommend.")
    if abs(simulation.best - current) < 1e-9:
        return Text(
            f"Your desired retention, {current:.2f}, already gives the most cards remembered "
            "per hour of study of those simulated."
        )
    text = Text(
        f"Most cards remembered per hour of study: {simulation.best:.2f} (yours is "
        f"{current:.2f}). To use it:\n  "
    )
    text.append(f"stalindeck settings desired_retention {simulation.best:.2f}", style="bold")
    text.append(
        "\nA higher retention costs more minutes for a higher recall: choose by the recall "
        "column if the time is there."
    )
    return text


def simulator_screen(
    simulation: Simulation, current: float, exam_date: date | None = None
) -> RenderableType:
    """The whole simulator report."""
    return Group(
        heading(simulation, exam_date),
        Text(""),
        table(simulation, current),
        Text(
            "recall at end: expected recall of the cards in scope on the day after the last "
            "simulated (the exam's); per hour: cards remembered then per hour of study.",
            style="dim",
        ),
        Text(""),
        minutes_chart(simulation),
        advice(simulation, current),
    )
