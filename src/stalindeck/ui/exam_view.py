"""Rich rendering of `exam`: recall on exam day under both plans, the workload until then,
and the weakest topics and deck sections. Fits 80 columns; tags, deck slugs and section
titles come from decks and go through `safe_text`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from stalindeck.stats.exam import ExamForecast, Recall, SectionForecast, TopicForecast, Workload
from stalindeck.ui.charts import Widest, bar_rows
from stalindeck.ui.safe import append_scope, safe_text
from stalindeck.words import plural

GROUPS_SHOWN = 12
CHART_COLUMNS = 66
CHART_HEIGHT = 6
_DASH = "-"


def _percent(value: float | None) -> str:
    return _DASH if value is None else f"{100 * value:.0f}%"


def _bar(value: float | None, width: int, style: str) -> Text:
    """A bar of `width` cells filled in proportion to `value` (0 to 1), and its percentage."""
    bar = Text()
    if value is None:
        return bar.append("no cards", style="dim")
    filled = max(0, min(width, round(width * value)))
    bar.append("█" * filled, style=style)
    bar.append("░" * (width - filled), style="dim")
    bar.append(f" {_percent(value):>4}")
    return bar


def _heading(title: str) -> Rule:
    return Rule(Text(title, style="bold"), align="left", style="dim")


def _day(day: date) -> str:
    return f"{day.isoformat()} ({day.strftime('%a')})"


def _title(found: ExamForecast) -> Text:
    text = Text(f"Exam on {_day(found.exam_date)}", style="bold")
    text.append(f" · {plural(found.days_left, 'day')} left")
    text.append(f" · {plural(found.cards, 'card')}")
    append_scope(text, found.decks, found.tags)
    return text


def _plans(found: ExamForecast) -> RenderableType:
    if not found.cards:
        return Text("No cards in scope (suspended cards are left out).", style="dim")

    def table(bar: int, remembered: str) -> Table:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True)
        grid.add_column(no_wrap=True)
        grid.add_column(justify="right", no_wrap=True)
        for label, plan, style in (
            ("If you stop now", found.stop, "red"),
            ("If you keep reviewing", found.keep_up, "green"),
        ):
            grid.add_row(
                label,
                _bar(plan.recall, bar, style),
                f"≈ {plan.remembered:,.0f} of {found.cards:,}{remembered}",
            )
        return grid

    # At 60 columns: shorter bars, and "remembered" goes.
    plans = Widest(table(20, " remembered"), table(10, ""))
    risk = Text(
        f"At risk even if you keep reviewing: {plural(found.at_risk, 'card')} below "
        f"{_percent(found.desired_retention)} on exam day",
        style="yellow" if found.at_risk else "green",
    )
    unreached = found.new_cards.count - found.new_cards.introduced
    if unreached:
        risk.append(f"\n{unreached:,} of them are new cards the daily limit reaches too late.")
    parts: list[RenderableType] = [plans, risk]
    if found.seen < found.cards:
        unseen = found.cards - found.seen
        verb = "counts" if unseen == 1 else "count"
        parts.append(
            Text(f"{plural(unseen, 'card')} never reviewed {verb} as forgotten if you stop.", "dim")
        )
    return Group(*parts)


def workload_chart(workload: Workload, width: int = CHART_COLUMNS) -> Text:
    """Answers a day as vertical bars: a few columns per day for a short run, one column for
    several days (their mean) for a long one; the y-axis shows the tallest bar, the x-axis
    the first and last day."""
    days = workload.days
    span = max(1, math.ceil(len(days) / width))
    cell = max(1, min(4, width // max(len(days), 1)))
    values = [
        sum(day.reviews for day in days[i : i + span]) / len(days[i : i + span])
        for i in range(0, len(days), span)
    ]
    tallest = max(values, default=0.0)
    # Means of many quiet days may be under one: a label of "0" over a drawn bar reads wrong.
    fraction = 0 < tallest < 10 and tallest != round(tallest)
    label = f"{tallest:,.1f}" if fraction else f"{tallest:,.0f}"
    chart = bar_rows(values, height=CHART_HEIGHT, width=cell, label=label)
    columns = len(values) * cell
    indent = " " * (len(label) + 2)
    chart.append(" " * len(label) + " └" + "─" * columns + "\n", style="dim")
    if days:
        first, last = days[0].date.isoformat(), days[-1].date.isoformat()
        ends = first if len(days) == 1 else first + " " * max(1, columns - 20) + last
        chart.append(indent + ends, style="dim")
        if span > 1:
            chart.append(f"\n{indent}one column = {span} days (their mean)", style="dim")
    return chart


def _workload(found: ExamForecast) -> RenderableType:
    workload = found.workload
    parts: list[RenderableType] = []
    if workload.total and workload.peak is not None:
        # Narrower where the terminal is (60 columns): fewer columns, more days to one.
        parts.append(
            Widest(*(workload_chart(workload, width) for width in (CHART_COLUMNS, 50, 30)))
        )
        parts.append(
            Text(
                f"{workload.mean:,.1f} answers a day on average · busiest "
                f"{_day(workload.peak.date)}: {workload.peak.reviews:,} · "
                f"{workload.total:,} in all"
            )
        )
    else:
        parts.append(Text("Nothing to review before the exam.", style="dim"))
    new = found.new_cards
    if not new.count:
        parts.append(Text("No new cards left to learn."))
    elif new.all_introduced_on is not None:
        when = _day(new.all_introduced_on)
        parts.append(
            Text(
                f"New cards: 1 left, introduced on {when}."
                if new.count == 1
                else f"New cards: all {new.count:,} introduced by {when}, "
                f"at {found.new_per_day:,} a day."
            )
        )
    else:
        margin = (
            f"at least {plural(new.lead_days, 'day')} before it" if new.lead_days else "before it"
        )
        needed = new.needed_per_day or new.count
        advice = (
            f"learn all {new.count:,} today"
            if needed >= new.count
            else f"learn {needed:,} new cards a day"
        )
        parts.append(
            Text(
                f"New cards: only {new.introduced:,} of {new.count:,} seen before the exam at "
                f"{found.new_per_day:,} a day. To see every card {margin}, {advice}.",
                style="yellow",
            )
        )
    return Group(*parts)


def _groups(
    rows: Sequence[tuple[Text, int, Recall, Recall]], empty: str, label: str
) -> RenderableType:
    if not rows:
        return Text(empty, style="dim")

    def table(bar: int, names: bool = True) -> Table:
        grid = Table(box=None, padding=(0, 1), show_edge=False)
        grid.add_column(label, overflow="fold", ratio=1)
        grid.add_column("if you stop", no_wrap=True)
        grid.add_column("keep reviewing", no_wrap=True)
        grid.add_column("cards", justify="right", no_wrap=True)
        for name, cards, stop, keep_up in rows[:GROUPS_SHOWN]:
            grid.add_row(
                name if names else "",
                _bar(stop.recall, bar, "red"),
                _bar(keep_up.recall, bar, "green"),
                f"{cards:,}",
            )
        return grid

    # The long bars where the names keep their words whole beside them (wrapped at spaces);
    # shorter ones at 60 columns.
    shown = rows[:GROUPS_SHOWN]
    longest = max(len(word) for name, *_ in shown for word in [label, *name.plain.split()])
    bars = Console(width=1000).measure(table(10, names=False)).maximum
    parts: list[RenderableType] = [Widest(table(10), table(5), needs=[bars + longest])]
    if len(rows) > GROUPS_SHOWN:
        parts.append(Text(f"… and {len(rows) - GROUPS_SHOWN} more (see --json)", style="dim"))
    return Group(*parts)


def _topic_rows(topics: Sequence[TopicForecast]) -> list[tuple[Text, int, Recall, Recall]]:
    return [(safe_text(t.tag), t.cards, t.stop, t.keep_up) for t in topics]


def _section_rows(sections: Sequence[SectionForecast]) -> list[tuple[Text, int, Recall, Recall]]:
    # The deck is named only when the sections come from several.
    several = len({section.deck for section in sections}) > 1
    rows = []
    for section in sections:
        name = Text()
        if several:
            name.append_text(safe_text(section.deck, "dim"))
            name.append(" / ", style="dim")
        if section.section:
            name.append_text(safe_text(" ".join(section.section.split())))
        else:
            name.append("(no section)", style="dim")
        rows.append((name, section.cards, section.stop, section.keep_up))
    return rows


def exam_screen(found: ExamForecast) -> Group:
    """The whole `exam` screen."""
    sections: list[RenderableType] = [_title(found)]
    for title, body in (
        ("Expected recall on exam day", _plans(found)),
        (
            f"Until the exam, answering Good, {found.new_per_day:,} new cards a day",
            _workload(found),
        ),
        ("Topics, weakest first", _groups(_topic_rows(found.topics), "No tags.", "topic")),
        (
            "Deck sections, weakest first",
            _groups(
                _section_rows(found.sections),
                "No cards.",
                "deck / section" if len({s.deck for s in found.sections}) > 1 else "section",
            ),
        ),
    ):
        sections.append(_heading(title))
        sections.append(body)
    return Group(*sections)
