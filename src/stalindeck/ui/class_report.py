"""`export class`: the class view as spreadsheet rows (one per student) and as one
self-contained HTML page a teacher can open or mail.

The page fetches nothing: no scripts, fonts or pictures from anywhere (its Content Security
Policy forbids them); its charts are inline SVG. Every name and card text from the store is
escaped: data, never markup.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

from stalindeck.stats.classroom import ClassView, Student
from stalindeck.stats.figures import jsonable
from stalindeck.ui.format import local_time
from stalindeck.ui.safe import clean

STUDENT_COLUMNS = (
    "profile",
    "mastery",
    "due_now",
    "overdue",
    "reviews_7d",
    "days_studied_7d",
    "current_streak",
    "last_review",
    "reviews",
    "seen",
    "cards",
    "exam_date",
    "exam_recall",
)
TOPIC_PREFIX = "mastery:"


def columns(view: ClassView) -> list[str]:
    """The CSV columns: the students' figures, then each topic's mastery, class-weakest first."""
    return [*STUDENT_COLUMNS, *(TOPIC_PREFIX + topic.tag for topic in view.topics)]


def student_rows(view: ClassView) -> Iterator[dict[str, Any]]:
    """One row per student, needing help first; a topic they have no cards of is empty."""
    for student in view.students:
        row = {column: jsonable(getattr(student, column)) for column in STUDENT_COLUMNS}
        mastery = {topic.tag: topic.mastery for topic in student.topics}
        for topic in view.topics:
            row[TOPIC_PREFIX + topic.tag] = mastery.get(topic.tag)
        yield row


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _e(value: object) -> str:
    """Text from the store as inert HTML: control characters gone, markup escaped."""
    return html.escape(clean(str(value)), quote=True)


BAR_HEIGHT = 18
LABEL_WIDTH = 180
BAR_WIDTH = 360


def bar_chart(title: str, bars: list[tuple[str, float]]) -> str:
    """A horizontal bar chart as inline SVG: one bar per (label, share 0..1)."""
    height = BAR_HEIGHT * len(bars) + 8
    width = LABEL_WIDTH + BAR_WIDTH + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{_e(title)}</title>'
    ]
    for index, (label, share) in enumerate(bars):
        y = 4 + index * BAR_HEIGHT
        length = max(0.0, min(1.0, share)) * BAR_WIDTH
        colour = "#c0392b" if share < 0.5 else "#e67e22" if share < 0.8 else "#27ae60"
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end" '
            f'font-size="12">{_e(label[:28])}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{BAR_WIDTH}" height="{BAR_HEIGHT - 5}" '
            f'fill="#eee"/>'
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 2}" width="{length:.1f}" '
            f'height="{BAR_HEIGHT - 5}" fill="{colour}"/>'
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 13}" '
            f'font-size="12">{_percent(share)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _student_row(student: Student) -> str:
    cells = [
        _e(student.profile),
        _percent(student.mastery),
        f"{student.due_now:,}",
        f"{student.overdue:,}",
        f"{student.reviews_7d:,}",
        f"{student.days_studied_7d}/7",
        str(student.current_streak),
        "never" if student.last_review is None else _e(local_time(student.last_review)),
        f"{student.reviews:,}",
        f"{student.seen:,}/{student.cards:,}",
        _percent(student.exam_recall),
    ]
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 0.2em 0.6em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 2em; }
td.names { text-align: left; }
.note { color: #666; font-size: 0.9em; }
"""


def html_report(view: ClassView) -> str:
    """The class view as one HTML page that needs nothing else."""
    scope = ""
    if view.decks:
        scope += " · decks " + _e(", ".join(view.decks))
    if view.tags:
        scope += " · tags " + _e(", ".join(view.tags))
    students = "".join(_student_row(student) for student in view.students)
    mastery_chart = bar_chart(
        "Mastery per student",
        [(s.profile, s.mastery) for s in view.students if s.mastery is not None],
    )
    topic_chart = bar_chart("Mastery per topic", [(t.tag, t.mastery) for t in view.topics])
    topics = "".join(
        f"<tr><td>{_e(t.tag)}</td><td>{_percent(t.mastery)}</td><td>{t.cards:,}</td>"
        f'<td>{t.students:,}</td><td class="names">'
        + _e(", ".join(f"{w.profile} {_percent(w.mastery)}" for w in t.weakest))
        + "</td></tr>"
        for t in view.topics
    )
    hardest = "".join(
        f"<tr><td>{_e(c.card)}<br><small>{_e(' '.join(c.front.split())[:80])}</small></td>"
        f"<td>{c.lapses:,}</td><td>{c.lapsed:,} of {c.students:,}</td>"
        f"<td>{_percent(c.retrievability)}</td></tr>"
        for c in view.hardest
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Class report</title><style>{STYLE}</style></head>
<body>
<h1>Class report{scope}</h1>
<p class="note">{len(view.students):,} students · {_e(jsonable(view.now))} · made by stalindeck</p>
<h2>Students, who needs help first</h2>
<figure id="mastery-chart">{mastery_chart}</figure>
<table id="students"><thead><tr><th>profile</th><th>mastery</th><th>due now</th>
<th>overdue</th><th>answers, 7 days</th><th>days studied</th><th>streak</th>
<th>last review</th><th>reviews</th><th>seen</th><th>exam recall</th></tr></thead>
<tbody>{students}</tbody></table>
<p class="note">Mastery: the share of the cards a student would recall now (cards never seen
count 0). Exam recall: on their exam day, if they stopped reviewing now.</p>
<h2>Topics, weakest first</h2>
<figure id="topic-chart">{topic_chart}</figure>
<table id="topics"><thead><tr><th>topic</th><th>mastery</th><th>cards</th><th>students</th>
<th>weakest students</th></tr></thead><tbody>{topics}</tbody></table>
<h2>Hardest cards for the class</h2>
<table id="hardest"><thead><tr><th>card</th><th>lapses</th><th>forgot it</th>
<th>recall now</th></tr></thead><tbody>{hardest}</tbody></table>
</body></html>
"""
