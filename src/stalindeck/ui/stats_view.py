"""Rich rendering of `stats`, `cards` and `card`. Every string that comes from a deck (tags,
card ids, fronts and backs) goes through `safe_text`/`clean`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from stalindeck.stats.cards import CardDetail
from stalindeck.stats.figures import Retention, Stats
from stalindeck.store.models import STATE_NAMES
from stalindeck.store.stats_queries import CardRow
from stalindeck.store.values import LEECH_LAPSES
from stalindeck.ui.charts import Widest, bar_chart, heatmap, histogram
from stalindeck.ui.format import duration, interval, local_time
from stalindeck.ui.safe import append_scope, clean, safe_text
from stalindeck.words import plural

GRADE_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
TOPICS_SHOWN = 15
_DASH = "-"


def percent(value: float | None) -> str:
    """``87%``, or ``-`` when there is nothing to measure."""
    return _DASH if value is None else f"{100 * value:.0f}%"


class _Heading:
    """A section's title on a rule; `short` instead where the title would be cut."""

    def __init__(self, title: str, short: str | None = None) -> None:
        self.title = title
        self.short = short or title

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        title = self.title if len(self.title) + 4 <= options.max_width else self.short
        yield Rule(Text(title, style="bold"), align="left", style="dim")


def _heading(title: str, short: str | None = None) -> _Heading:
    return _Heading(title, short)


def _scope_line(stats: Stats) -> Text:
    text = Text("Progress", style="bold")
    append_scope(text, stats.decks, stats.tags)
    text.append(f" · study day {stats.today_date.isoformat()}", style="dim")
    return text


def _today(stats: Stats) -> RenderableType:
    today = stats.today
    lines = Text()
    if today.answers:
        passed = (today.answers - today.again) / today.answers
        lines.append(
            f"Studied {plural(today.cards, 'card')} ({plural(today.answers, 'answer')}) "
            f"in {duration(today.time_ms)}\n"
            f"Again {today.again} ({percent(passed)} passed) · "
            f"true retention {percent(today.retention)}\n"
        )
    else:
        lines.append("Nothing studied yet today.\n", style="dim")
    lines.append(
        f"Due now {today.due_now:,} · later today {today.due_later_today:,} · "
        f"tomorrow {today.due_tomorrow:,}"
    )
    return lines


def _cards(stats: Stats) -> RenderableType:
    cards = stats.cards
    # One space between columns, none at the edges: the eight fit in 60 columns.
    table = Table(box=None, padding=(0, 1), collapse_padding=True, pad_edge=False)
    names = ("new", "learning", "young", "mature", "relearn", "suspended", "buried", "total")
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)
    table.add_row(
        *(
            f"{value:,}"
            for value in (
                cards.new,
                cards.learning,
                cards.young,
                cards.mature,
                cards.relearning,
                cards.suspended,
                cards.buried,
                cards.total,
            )
        )
    )
    return table


def _forecast(stats: Stats) -> RenderableType:
    values = [day.due for day in stats.forecast]
    total = sum(values)
    if not total:
        return Text(f"Nothing due in the next {len(values)} days.", style="dim")
    caption = Text(
        f"{total:,} due in the next {len(values)} days, {total / max(len(values), 1):.1f} a day",
        style="dim",
    )
    return Group(_Bars(values), caption)


class _Bars:
    """The forecast's bars, two columns a day where the width allows, else one."""

    def __init__(self, values: Sequence[int]) -> None:
        self.values = values

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        axis = len(str(max(self.values, default=0))) + 2
        wide = axis + 2 * len(self.values) <= options.max_width
        yield bar_chart(self.values, width=2 if wide else 1)


def _calendar(stats: Stats) -> RenderableType:
    calendar = stats.calendar
    counts = {day.date: day.reviews for day in calendar.days}
    span = (calendar.last - calendar.first).days + 1
    caption = Text(
        f"Studied {calendar.days_studied} of {span} days · "
        f"streak {plural(calendar.current_streak, 'day')} "
        f"(longest {calendar.longest_streak}) · {plural(calendar.total_reviews, 'answer')}",
        style="dim",
    )
    return Group(heatmap(counts, calendar.first, calendar.last), caption)


def _retention_cell(passed: int, failed: int, value: float | None) -> str:
    total = passed + failed
    return _DASH if not total else f"{percent(value)} of {total:,}"


_PERIOD_NAMES = {
    "today": "Today",
    "yesterday": "Yesterday",
    "week": "Last 7 days",
    "month": "Last 30 days",
    "year": "Last year",
}


def _retention(rows: Sequence[Retention]) -> RenderableType:
    table = Table(box=None, padding=(0, 2), show_edge=False)
    table.add_column("", no_wrap=True)
    for name in ("young", "mature", "all"):
        table.add_column(name, justify="right", no_wrap=True)
    for row in rows:
        table.add_row(
            _PERIOD_NAMES.get(row.period, row.period),
            _retention_cell(row.young_passed, row.young_failed, row.young),
            _retention_cell(row.mature_passed, row.mature_failed, row.mature),
            _retention_cell(
                row.young_passed + row.mature_passed,
                row.young_failed + row.mature_failed,
                row.total,
            ),
        )
    return table


def _memory(stats: Stats) -> RenderableType:
    memory = stats.memory
    if not memory.seen:
        return Text("No card reviewed yet.", style="dim")
    summary = Text(
        f"Estimated knowledge: {memory.knowledge:,.0f} of {memory.seen:,} seen cards "
        f"(average retrievability {percent(memory.average_retrievability)})"
    )
    averages = Text(
        "Average stability "
        + (
            _DASH
            if memory.average_stability is None
            else interval(timedelta(days=memory.average_stability))
        )
        + " · difficulty "
        + (
            _DASH
            if memory.average_difficulty is None
            else f"{100 * (memory.average_difficulty - 1) / 9:.0f}%"
        ),
        style="dim",
    )
    grid = Table.grid(padding=(0, 2))
    for _ in range(3):
        grid.add_column(vertical="top")
    grid.add_row(
        histogram([(b.label, b.count) for b in memory.stability], width=8, title="stability"),
        histogram([(b.label, b.count) for b in memory.difficulty], width=8, title="difficulty"),
        histogram(
            [(b.label, b.count) for b in memory.retrievability], width=8, title="retrievability"
        ),
    )
    return Group(summary, averages, grid)


def _topics(stats: Stats) -> RenderableType:
    if not stats.topics:
        return Text("No tags.", style="dim")
    table = Table(box=None, padding=(0, 1), show_edge=False)
    table.add_column("topic", overflow="fold", max_width=30)
    table.add_column("mastery", no_wrap=True)
    for name in ("cards", "seen", "lapses"):
        table.add_column(name, justify="right", no_wrap=True)
    for topic in stats.topics[:TOPICS_SHOWN]:
        bar = Text()
        if topic.seen:
            filled = round(10 * topic.mastery)
            bar.append("█" * filled, style="green")
            bar.append("░" * (10 - filled), style="dim")
            bar.append(f" {percent(topic.mastery):>4}")
        else:
            bar.append("not started", style="dim")
        table.add_row(
            safe_text(topic.tag), bar, f"{topic.cards:,}", f"{topic.seen:,}", f"{topic.lapses:,}"
        )
    parts: list[RenderableType] = [table]
    if len(stats.topics) > TOPICS_SHOWN:
        more = len(stats.topics) - TOPICS_SHOWN
        parts.append(Text(f"… and {more} more (see --json)", style="dim"))
    return Group(*parts)


def _hardest(stats: Stats) -> RenderableType:
    """Each card's id on a line of its own (whole down to 60 columns, as in `cards`), then its
    front with its lapses and retrievability."""
    if not stats.hardest:
        return Text("No lapses yet.", style="dim")

    def line(*cells: Text) -> Table:
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(width=6, justify="right", no_wrap=True)
        grid.add_column(width=4, justify="right", no_wrap=True)
        grid.add_row(*cells)
        return grid

    parts: list[RenderableType] = [
        line(*(Text(name, style="bold") for name in ("card / front", "lapses", "R")))
    ]
    for card in stats.hardest:
        ident = safe_text(card.card, "bold")
        ident.overflow = "fold"
        if card.leech:
            ident.append(" leech", style="red")
        front = safe_text("  " + " ".join(clean(card.front).split()), "dim")
        parts += [ident, line(front, Text(str(card.lapses)), Text(percent(card.retrievability)))]
    parts.append(Text(f"{plural(stats.leeches, 'leech')} (8 lapses or more)", style="dim"))
    return Group(*parts)


def _exam(stats: Stats) -> RenderableType:
    exam = stats.exam
    assert exam is not None
    line = Text(f"{exam.date.isoformat()} ({exam.date:%a}) · {plural(exam.days_left, 'day')} left")
    line.append("\nRecall if you stop reviewing now: ")
    if exam.recall_if_stopped is None:
        line.append("no cards")
    else:
        line.append(percent(exam.recall_if_stopped), style="bold")
        line.append(f" of {plural(exam.cards, 'card')}")
    hint = Text("stalindeck exam: what keeping up gives, per topic, and the work", style="dim")
    return Group(line, hint)


def stats_screen(stats: Stats) -> Group:
    """The whole `stats` screen."""
    sections: list[RenderableType] = [_scope_line(stats)]
    exam: list[tuple[str | _Heading, RenderableType]] = (
        [("Exam", _exam(stats))] if stats.exam is not None else []
    )
    for title, body in (
        ("Today", _today(stats)),
        *exam,
        ("Cards", _cards(stats)),
        ("Due in the next 30 days", _forecast(stats)),
        ("Reviews in the last year", _calendar(stats)),
        (
            _heading(
                "True retention (first answer of the day; pass = Hard or better)",
                "True retention",
            ),
            _retention(stats.retention),
        ),
        ("Memory (FSRS)", _memory(stats)),
        ("Topics, weakest first", _topics(stats)),
        ("Hardest cards", _hardest(stats)),
    ):
        sections.append(_heading(title) if isinstance(title, str) else title)
        sections.append(body)
    return Group(*sections)


def _due(card: CardRow, now: datetime, *, short: bool = False) -> Text:
    # Buried means one thing: held back until the next study day, whatever the card's due.
    if card.buried and not card.suspended:
        return Text("buried" if short else "buried until tomorrow", style="dim")
    if card.due is None or card.state == 0:
        return Text(_DASH, style="dim")
    if card.due <= now:
        late = now - card.due
        return Text("now" if late < timedelta(days=1) else f"{interval(late)} late", "yellow")
    return Text(f"in {interval(card.due - now)}")


def _state(card: CardRow, *, short: bool = False) -> Text:
    """The card's state (new, learning, review, relearning) or "suspended"; a buried card
    keeps its state (its due says it is buried), and `short` (a table column) leaves that
    out."""
    name = STATE_NAMES.get(card.state, str(card.state))
    if card.suspended:
        return Text("suspended", style="yellow")
    if card.buried and not short:
        return Text(f"{name}, buried until tomorrow", style="dim")
    return Text(name)


_CARD_COLUMNS = (("state", 10, "left"), ("due", 9, "left"), ("S", 6, "right"), ("R", 4, "right"))


def _card_line(*cells: Text | str, header: bool = False) -> Table:
    # One grid per line, all with the same fixed widths, so the columns line up under ids
    # that take the whole width above them.
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    for _name, width, justify in _CARD_COLUMNS:
        grid.add_column(width=width, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    grid.add_column(width=6, justify="right", no_wrap=True)
    grid.add_row(
        *(
            Text(cell, style="bold" if header else "") if isinstance(cell, str) else cell
            for cell in cells
        )
    )
    return grid


def cards_table(rows: Sequence[CardRow], total: int, now: datetime) -> Group:
    """The `cards` list: each card's id on its own line (ids are long and must stay whole to
    be copied), then its front, state, due, stability, retrievability and lapses."""
    parts: list[RenderableType] = [
        _card_line("card / front", *(name for name, _w, _j in _CARD_COLUMNS), "lapses", header=True)
    ]
    for card in rows:
        ident = safe_text(card.ident, "bold")
        ident.overflow = "fold"
        if card.lapses >= LEECH_LAPSES:
            ident.append(" leech", style="red")
        stability = _DASH if card.stability is None else interval(timedelta(days=card.stability))
        front = safe_text("  " + " ".join(clean(card.front).split()), "dim")
        parts.append(ident)
        parts.append(
            _card_line(
                front,
                _state(card, short=True),
                _due(card, now, short=True),
                stability,
                percent(card.retrievability),
                str(card.lapses),
            )
        )
    parts.append(
        Text(
            plural(total, "card") + (f", first {len(rows):,} shown" if len(rows) < total else ""),
            style="dim",
        )
    )
    return Group(*parts)


def card_view(detail: CardDetail, now: datetime) -> Group:
    """The `card` screen: content, state, what FSRS expects, and the review history."""
    card = detail.card
    head = safe_text(card.ident, "bold")
    head.append(
        f"  ({_state(card)}{', leech' if card.lapses >= LEECH_LAPSES else ''})", style="dim"
    )
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim", no_wrap=True)
    facts.add_column(overflow="fold")
    facts.add_row("front", safe_text(card.front))
    facts.add_row("back", safe_text(detail.back))
    if detail.extra:
        facts.add_row("extra", safe_text(detail.extra))
    if detail.answer is not None:
        facts.add_row("typed", safe_text(detail.answer))
    if detail.media:
        listed = Text()
        for index, (name, size) in enumerate(detail.media):
            listed.append("; " if index else "")
            listed.append_text(safe_text(name))
            listed.append(
                " (not in the store)" if size is None else f" ({human_bytes(size)})", "dim"
            )
        facts.add_row("media", listed)
    if detail.accept or detail.yours:
        accepted = safe_text("; ".join(detail.accept))
        if detail.yours:
            accepted.append("; " if detail.accept else "")
            accepted.append_text(safe_text("; ".join(detail.yours)))
            accepted.append(" (yours)", "dim")
        facts.add_row("also right", accepted)
    if card.tags:
        facts.add_row("tags", safe_text(card.tags))
    facts.add_row("due", _due(card, now))
    facts.add_row(
        "memory",
        _DASH
        if card.stability is None
        else (
            f"stability {interval(timedelta(days=card.stability))} · difficulty "
            f"{card.difficulty:.2f} · retrievability now {percent(card.retrievability)}"
        ),
    )
    if detail.below_target is not None:
        when = detail.below_target
        relation = "fell" if when <= now else "falls"
        span = interval(abs(when - now))
        ago = f"{span} ago" if when <= now else f"in {span}"
        facts.add_row(
            "forgetting",
            f"{relation} below {percent(detail.target)} on {local_time(when)} ({ago})",
        )
    facts.add_row("reviews", f"{card.reps} · lapses {card.lapses}")
    parts: list[RenderableType] = [head, facts]
    if detail.history:
        history = Widest(_history(detail, narrow=False), _history(detail, narrow=True))
        parts += [_heading("History"), history]
    else:
        parts.append(Text("Never reviewed.", style="dim"))
    return Group(*parts)


def human_bytes(size: int) -> str:
    """A file size for people: 812 B, 14 KB, 3.1 MB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024**2:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024**2:.1f} MB"


_SHORT_STATES = {"learning": "learn", "relearning": "relearn"}


def _history(detail: CardDetail, *, narrow: bool) -> Table:
    """The card's reviews; `narrow` (60 columns): dates without the time of day, the grade's
    initial, shorter state names, "ivl" for the interval, no padding at the edges."""
    history = Table(box=None, padding=(0, 1), show_edge=False, pad_edge=not narrow)
    for name, justify in (
        ("date", "left"),
        ("grade", "left"),
        ("state", "left"),
        ("ivl" if narrow else "interval", "right"),
        ("S", "right"),
        ("D", "right"),
        ("time", "right"),
    ):
        history.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]

    def state(number: int) -> str:
        name = STATE_NAMES.get(number, "?")
        return _SHORT_STATES.get(name, name) if narrow else name

    for row in detail.history:
        grade = GRADE_NAMES.get(row.grade, "?")
        history.add_row(
            local_time(row.reviewed_at)[: 10 if narrow else None],
            f"{row.grade} {grade[0] if narrow else grade}",
            f"{state(row.state_before)}→{state(row.state_after)}",
            interval(timedelta(milliseconds=row.interval_ms)),
            _DASH if row.stability is None else f"{row.stability:.1f}",
            _DASH if row.difficulty is None else f"{row.difficulty:.2f}",
            duration(row.duration_ms),
        )
    return history
