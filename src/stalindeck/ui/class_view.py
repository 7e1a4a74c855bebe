"""The `stalindeck class` screen: the students, who needs help first; the class's topics,
weakest first; the cards the class forgets most."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from stalindeck.stats.classroom import ClassView, Student
from stalindeck.ui.safe import append_scope, clean, safe_text
from stalindeck.ui.stats_view import percent
from stalindeck.words import plural

TOPICS_SHOWN = 15
PROFILE_WIDTH = 24  # a longer name is cut with "…"
_DASH = "-"


def _card_label(ident: str, front: str) -> Group:
    """A card id (folded if long) over the first line of its front (cut to fit)."""
    first_line = safe_text(" ".join(clean(front).split()), "dim")
    first_line.no_wrap = True
    first_line.overflow = "ellipsis"
    return Group(safe_text(ident, "bold"), first_line)


def _heading(title: str) -> Rule:
    return Rule(Text(title, style="bold"), align="left", style="dim")


def days_ago(moment: datetime | None, now: datetime) -> str:
    """``today``, ``1d ago``, ``12d ago`` or ``never`` (whole days of 24 hours)."""
    if moment is None:
        return "never"
    days = max(0, (now - moment).days)
    return "today" if days == 0 else f"{days}d ago"


def _students(view: ClassView) -> RenderableType:
    if not view.students:
        return Text(
            "No students yet: each one studies with --profile NAME on this store.", style="dim"
        )
    exams = any(student.exam_recall is not None for student in view.students)
    names = ["profile", "mastery", "due", "late", "7d", "days", "streak", "last", "reviews"]
    names += ["seen", "exam"] if exams else ["seen"]
    rows = [[Text(name, style="bold") for name in names]]
    for student in view.students:
        profile = safe_text(student.profile)
        profile.truncate(PROFILE_WIDTH, overflow="ellipsis")
        cells = [
            profile,
            _mastery(student),
            Text(f"{student.due_now:,}"),
            Text(f"{student.overdue:,}", style="red" if student.overdue else ""),
            Text(f"{student.reviews_7d:,}"),
            Text(f"{student.days_studied_7d}/7"),
            Text(str(student.current_streak)),
            Text(days_ago(student.last_review, view.now)),
            Text(f"{student.reviews:,}"),
            Text(f"{student.seen:,}"),
        ]
        if exams:
            cells.append(Text(percent(student.exam_recall)))
        rows.append(cells)
    caption = Text(
        "Who needs help first: lowest mastery, then the biggest backlog. due: cards due now "
        "(late: since before today); 7d: answers in the last 7 days, on how many days; seen: "
        "cards reviewed" + ("; exam: recall on exam day if they stopped now." if exams else "."),
        style="dim",
    )
    return Group(_aligned(rows, left={0, 7}), caption)


def _aligned(rows: list[list[Text]], left: set[int]) -> Text:
    """Rows of cells as one block of aligned lines (columns `left` aligned left, the others
    right): a Rich table measures every cell again and took seconds for a class of 1,000."""
    widths = [max(cell.cell_len for cell in column) for column in zip(*rows, strict=True)]
    block = Text(no_wrap=True, overflow="ellipsis")
    for number, row in enumerate(rows):
        if number:
            block.append("\n")
        for index, (cell, width) in enumerate(zip(row, widths, strict=True)):
            pad = " " * (width - cell.cell_len)
            if index:
                block.append(" ")
            if index not in left:
                block.append(pad)
            block.append_text(cell)
            if index in left and index < len(row) - 1:
                block.append(pad)
    return block


def _mastery(student: Student) -> Text:
    if student.mastery is None:
        return Text(_DASH)
    return Text(percent(student.mastery), style="red" if student.mastery < 0.5 else "")


def _topics(view: ClassView) -> RenderableType:
    if not view.topics:
        return Text("No tags.", style="dim")
    table = Table(box=None, padding=(0, 1), show_edge=False)
    table.add_column("topic", overflow="fold", max_width=30)
    table.add_column("mastery", no_wrap=True)
    table.add_column("cards", justify="right", no_wrap=True)
    table.add_column("weakest students", overflow="fold", ratio=1)
    for topic in view.topics[:TOPICS_SHOWN]:
        filled = round(10 * topic.mastery)
        bar = Text()
        bar.append("█" * filled, style="green")
        bar.append("░" * (10 - filled), style="dim")
        bar.append(f" {percent(topic.mastery):>4}")
        weakest = Text()
        for index, weak in enumerate(topic.weakest):
            if index:
                weakest.append(", ")
            weakest.append_text(safe_text(weak.profile))
            weakest.append(f" {percent(weak.mastery)}", style="dim")
        table.add_row(safe_text(topic.tag), bar, f"{topic.cards:,}", weakest)
    parts: list[RenderableType] = [table]
    if len(view.topics) > TOPICS_SHOWN:
        more = len(view.topics) - TOPICS_SHOWN
        parts.append(Text(f"… and {more} more (see --json)", style="dim"))
    return Group(*parts)


def _hardest(view: ClassView) -> RenderableType:
    if not view.hardest:
        return Text("No lapses yet.", style="dim")
    table = Table(box=None, padding=(0, 1), show_edge=False)
    table.add_column("card", overflow="fold", ratio=1)
    table.add_column("lapses", justify="right", no_wrap=True)
    table.add_column("forgot it", justify="right", no_wrap=True)
    table.add_column("R", justify="right", no_wrap=True)
    for card in view.hardest:
        table.add_row(
            _card_label(card.card, card.front),
            f"{card.lapses:,}",
            f"{card.lapsed:,} of {card.students:,}",
            percent(card.retrievability),
        )
    return table


def class_screen(view: ClassView) -> Group:
    """The whole `class` screen."""
    title = Text("Class", style="bold")
    append_scope(title, view.decks, view.tags)
    title.append(f" · {plural(len(view.students), 'student')}", style="dim")
    return Group(
        title,
        _heading("Students"),
        _students(view),
        _heading("Topics, weakest first"),
        _topics(view),
        _heading("Hardest cards for the class"),
        _hardest(view),
    )
