"""Small terminal charts built from Rich `Text`: a bar chart, a calendar heatmap and
horizontal histograms. Each fits in 80 columns and stays readable without colour (the glyphs
carry the levels; colour only helps)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

_EIGHTHS = " ▁▂▃▄▅▆▇█"
_LEVELS = ("·", "░", "▒", "▓", "█")
_LEVEL_STYLES = ("dim", "green", "green", "bold green", "bold green")
_WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")


def bar_rows(
    values: Sequence[float], *, height: int, width: int, label: str, bottom: str = ""
) -> Text:
    """The bars of a vertical bar chart, scaled to the largest value, with a y-axis that shows
    `label` at the top (and `bottom` on the last row); each bar `width` columns, the last of
    them a gap when there are several. In eighths of a row, so small differences show."""
    top = max(values, default=0)
    chart = Text()
    for row in range(height, 0, -1):
        axis = label if row == height else (bottom if row == 1 else "")
        chart.append(f"{axis:>{len(label)}} │", style="dim")
        for value in values:
            eighths = 0 if not top else round(value * height * 8 / top)
            filled = eighths - (row - 1) * 8
            glyph = _EIGHTHS[max(0, min(8, filled))]
            if value and row == 1 and filled <= 0:
                glyph = _EIGHTHS[1]  # a non-zero value is never drawn empty
            chart.append((glyph * (width - 1) + " ") if width > 1 else glyph, style="cyan")
        chart.append("\n")
    return chart


def bar_chart(values: Sequence[int], *, height: int = 8, width: int = 2) -> Text:
    """Vertical bars, one per value, `width` columns each, scaled to the largest; a y-axis
    with the maximum and an x-axis marking every seventh bar (``+7``, ``+14`` …)."""
    top = max(values, default=0)
    label_width = max(len(str(top)), 1)
    chart = bar_rows(values, height=height, width=width, label=str(top), bottom="" if top else "0")
    chart.append(" " * label_width + " └" + "─" * (len(values) * width) + "\n", style="dim")
    axis = [" "] * (len(values) * width)
    for index in range(0, len(values), 7):
        mark = "today" if index == 0 else f"+{index}"
        start = index * width
        if start + len(mark) > len(axis):  # the last mark may run past the bars, never cut
            axis += [" "] * (start + len(mark) - len(axis))
        if all(char == " " for char in axis[max(0, start - 1) : start + len(mark)]):
            axis[start : start + len(mark)] = mark
    chart.append(" " * (label_width + 2) + "".join(axis).rstrip(), style="dim")
    return chart


def _level(count: int, cuts: Sequence[int]) -> int:
    if count <= 0:
        return 0
    for level, cut in enumerate(cuts, start=1):
        if count < cut:
            return level
    return len(cuts) + 1


def heatmap(counts: Mapping[date, int], first: date, last: date) -> Text:
    """A year-at-a-glance calendar like Anki's: one column per week (Monday on top), one cell
    per day, darker for more answers (levels cut at the quartiles of the days studied: the
    busiest quarter of them is darkest)."""
    studied = sorted(n for n in counts.values() if n > 0)
    cuts = (
        [studied[(len(studied) * k) // 4 - (1 if k == 4 else 0)] for k in (1, 2, 3)]
        if studied
        else []
    )
    start = first - timedelta(days=first.weekday())
    weeks = (last - start).days // 7 + 1
    text = Text()
    months = [" "] * weeks
    for week in range(weeks):
        monday = start + timedelta(days=7 * week)
        month_start = next(
            (monday + timedelta(days=i) for i in range(7) if (monday + timedelta(days=i)).day == 1),
            None,
        )
        if month_start is not None and week + 3 <= weeks:
            for offset, char in enumerate(month_start.strftime("%b")):
                if week + offset < weeks and months[week + offset] == " ":
                    months[week + offset] = char
    text.append("    " + "".join(months).rstrip() + "\n", style="dim")
    for weekday in range(7):
        text.append(f"{_WEEKDAYS[weekday]:<3} ", style="dim")
        for week in range(weeks):
            day = start + timedelta(days=7 * week + weekday)
            if day < first or day > last:
                text.append(" ")
                continue
            level = _level(counts.get(day, 0), cuts)
            text.append(_LEVELS[level], style=_LEVEL_STYLES[level])
        text.append("\n")
    text.append("    less ", style="dim")
    for level, glyph in enumerate(_LEVELS):
        text.append(glyph, style=_LEVEL_STYLES[level])
    text.append(" more", style="dim")
    return text


def histogram(bins: Sequence[tuple[str, int]], *, width: int = 12, title: str = "") -> Table:
    """Horizontal bars: one row per bin with its label, a bar scaled to the largest bin, and
    its count."""
    table = Table.grid(padding=(0, 1))
    table.title = title
    table.title_justify = "left"
    table.add_column(justify="right", style="dim", no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    top = max((count for _label, count in bins), default=0)
    for label, count in bins:
        eighths = 0 if not top else round(count * width * 8 / top)
        full, part = divmod(eighths, 8)
        bar = "█" * full + (_EIGHTHS[part] if part else "")
        if count and not bar:
            bar = _EIGHTHS[1]
        table.add_row(label, Text(bar.ljust(width), style="magenta"), str(count))
    return table


class Widest:
    """The first of `choices` that fits the width whole (the last where none does): a table
    or chart in full where the terminal allows, a narrower form of it where it does not.
    `needs`: the width each choice needs, where that is not all of it (a column of prose
    that may wrap at its spaces)."""

    def __init__(self, *choices: RenderableType, needs: Sequence[int] | None = None) -> None:
        self.choices = choices
        self.needs = needs

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        wide = options.update_width(1000)
        for at, choice in enumerate(self.choices[:-1]):
            needs = (
                self.needs[at]
                if self.needs is not None
                else console.measure(choice, options=wide).maximum
            )
            if needs <= options.max_width:
                yield choice
                return
        yield self.choices[-1]
