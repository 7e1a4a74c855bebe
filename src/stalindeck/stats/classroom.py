"""`stalindeck class`: every profile of a shared store at once, as a teacher sees a class.

One row per student with the figures their own `stats` shows (reviews, the last seven days,
the streak, the backlog, mastery, recall on their exam day), then the class's topics, weakest
first, and the cards the class forgets most. Each student's figures are computed with that
student's own settings (study-day start, FSRS parameters, exam date), so they agree with
``stalindeck --profile NAME stats --json`` to the last digit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from stalindeck.scheduling.day import study_date
from stalindeck.scheduling.settings import Settings, settings_from_rows
from stalindeck.stats.days import start_of, window
from stalindeck.stats.figures import (
    CALENDAR_DAYS,
    HARDEST,
    Topic,
    _streaks,
    default_curve,
    jsonable,
)
from stalindeck.store.models import DEFAULT_PROFILE_NAME
from stalindeck.store.open import Store
from stalindeck.store.settings_store import read_all_settings
from stalindeck.store.stats_queries import Curve, Scope
from stalindeck.store.stats_queries import classes as cq
from stalindeck.store.stats_queries.topics import recall_by_profile, topics_by_profile

SCHEMA_VERSION = 1
RECENT_DAYS = 7
WEAKEST_STUDENTS = 3


@dataclass(frozen=True, slots=True)
class Student:
    """One profile's figures (see docs/class.md for each).

    Attributes:
        profile: the profile's name.
        reviews: answers in scope, all time.
        reviews_7d: answers in the last seven study days, today included.
        days_studied_7d: of those seven days, how many had answers.
        current_streak: consecutive study days with answers up to today (or yesterday).
        last_review: the last answer in scope.
        due_now: seen cards due by now: the backlog.
        overdue: of those, the ones due before today's study day began.
        cards: cards in scope.
        seen: cards reviewed at least once.
        mastery: the share of the cards they would recall now (unseen count 0); None
            without cards.
        exam_date: their `exam_date` setting, when after today.
        exam_recall: their mean recall on exam day if they stopped reviewing now.
        topics: per tag, as `stats` gives them, weakest first.
    """

    profile: str
    reviews: int
    reviews_7d: int
    days_studied_7d: int
    current_streak: int
    last_review: datetime | None
    due_now: int
    overdue: int
    cards: int
    seen: int
    mastery: float | None
    exam_date: date | None
    exam_recall: float | None
    topics: tuple[Topic, ...]


@dataclass(frozen=True, slots=True)
class WeakStudent:
    profile: str
    mastery: float


@dataclass(frozen=True, slots=True)
class ClassTopic:
    """One tag across the class: the mean of the students' mastery, and the weakest ones."""

    tag: str
    cards: int
    students: int
    mastery: float
    weakest: tuple[WeakStudent, ...]


@dataclass(frozen=True, slots=True)
class ClassCard:
    """A card the class forgets: lapses over every student, and how many forgot it."""

    card: str
    front: str
    students: int
    lapsed: int
    lapses: int
    retrievability: float | None


@dataclass(frozen=True, slots=True)
class ClassView:
    """Everything `stalindeck class` reports."""

    now: datetime
    decks: tuple[str, ...]
    tags: tuple[str, ...]
    students: tuple[Student, ...]
    topics: tuple[ClassTopic, ...]
    hardest: tuple[ClassCard, ...]


def _group_key(settings: Settings) -> tuple[int, tuple[float, ...] | None]:
    parameters = settings.fsrs_parameters
    return settings.rollover_hour, None if parameters is None else tuple(parameters)


# The study days read per student: the last week first; wider only for the students whose
# current streak reaches back to the first day read (up to the year `stats` reads), so a class
# of a thousand does not read a year of answers to count a week and a few short streaks.
STREAK_WINDOWS = (8, 32, CALENDAR_DAYS)


def _recent_days(
    store: Store, scope: Scope, today: date, hour: int, tz: tzinfo | None, members: list[int]
) -> dict[int, dict[int, int]]:
    """Answers per study day (profile → {date ordinal: answers}) for the last week and as far
    back as each profile's current streak goes, within `CALENDAR_DAYS`."""
    found: dict[int, dict[int, int]] = {}
    todo = members
    for length in STREAK_WINDOWS:
        first = today - timedelta(days=length - 1)
        days = cq.days_by_profile(store, scope, window(first, today, hour, tz), todo)
        found.update(days)
        if length == CALENDAR_DAYS:
            break
        todo = []
        for ident, per_day in days.items():
            streak = _streaks(set(per_day), today.toordinal())[0]
            latest = today.toordinal() if today.toordinal() in per_day else today.toordinal() - 1
            if streak and latest - streak + 1 <= first.toordinal():
                todo.append(ident)  # the streak may go on before the first day read
        if not todo:
            break
    return found


def compute_class(
    store: Store,
    now: datetime,
    *,
    scope: Scope | None = None,
    tz: tzinfo | None = None,
    leave_out: int | None = None,
) -> ClassView:
    """The class view of every profile of the store but `leave_out` (the teacher's own) and
    a `default` profile that has never answered in scope.

    Profiles sharing a study-day start and FSRS parameters (a class usually shares them all)
    are read together, a few grouped queries for the lot.
    """
    scope = scope or Scope()
    names = cq.profile_names(store)
    reviews = cq.reviews_by_profile(store, scope, list(names)) if names else {}
    ids = sorted(
        ident
        for ident, name in names.items()
        # Every store has a `default` profile: a teacher working as another leaves it unused.
        if ident != leave_out and (name != DEFAULT_PROFILE_NAME or ident in reviews)
    )
    stored = read_all_settings(store)
    settings = {ident: settings_from_rows(stored.get(ident, {})) for ident in ids}
    groups: dict[tuple[int, tuple[float, ...] | None], list[int]] = {}
    for ident in ids:
        groups.setdefault(_group_key(settings[ident]), []).append(ident)

    students: list[Student] = []
    curves: list[tuple[Curve, list[int]]] = []
    for (hour, parameters), members in groups.items():
        curve = default_curve(parameters)
        curves.append((curve, members))
        today = study_date(now, hour, tz)
        today_n = today.toordinal()
        cards = cq.cards_by_profile(store, scope, now, start_of(today, hour, tz), curve, members)
        days = _recent_days(store, scope, today, hour, tz, members)
        topics = topics_by_profile(store, scope, now, curve, members)
        recall: dict[int, tuple[int, float]] = {}
        by_exam: dict[date, list[int]] = {}
        for ident in members:
            exam = settings[ident].exam_date
            if exam is not None and exam > today:
                by_exam.setdefault(exam, []).append(ident)
        for exam, takers in by_exam.items():
            found = recall_by_profile(store, scope, start_of(exam, hour, tz), curve, takers)
            recall.update(found)
        for ident in members:
            mine = cards.get(ident, cq.ProfileCards(0, 0, 0, 0, 0.0))
            per_day = days.get(ident, {})
            last_week = {d: n for d, n in per_day.items() if d > today_n - RECENT_DAYS}
            done = reviews.get(ident, cq.ProfileReviews(0, None))
            exam = settings[ident].exam_date
            exam_recall = None
            if ident in recall and recall[ident][0]:
                exam_recall = recall[ident][1] / recall[ident][0]
            students.append(
                Student(
                    profile=names[ident],
                    reviews=done.reviews,
                    reviews_7d=sum(last_week.values()),
                    days_studied_7d=len(last_week),
                    current_streak=_streaks(set(per_day), today_n)[0],
                    last_review=done.last_review,
                    due_now=mine.due_now,
                    overdue=mine.overdue,
                    cards=mine.total,
                    seen=mine.seen,
                    mastery=mine.knowledge / mine.total if mine.total else None,
                    exam_date=exam if exam is not None and exam > today else None,
                    exam_recall=exam_recall,
                    topics=tuple(
                        Topic(t.tag, t.cards, t.seen, t.average_retrievability, t.lapses, t.mastery)
                        for t in topics.get(ident, [])
                    ),
                )
            )
    students.sort(key=_needs_help)
    hardest = cq.hardest_for_class(store, scope, now, curves, HARDEST) if ids else []
    return ClassView(
        now=now,
        decks=scope.decks,
        tags=scope.tags,
        students=tuple(students),
        topics=class_topics(students),
        hardest=tuple(
            ClassCard(r.ident, r.front, r.students, r.lapsed, r.lapses, r.retrievability)
            for r in hardest
        ),
    )


def _needs_help(student: Student) -> tuple[Any, ...]:
    """Who needs help first: the lowest mastery, then the biggest backlog, then the fewest
    days studied this week; by name among equals."""
    mastery = -1.0 if student.mastery is None else student.mastery
    return (mastery, -student.overdue, -student.due_now, student.days_studied_7d, student.profile)


def class_topics(students: list[Student]) -> tuple[ClassTopic, ...]:
    """Each tag's mean mastery over the students who have its cards, weakest first, with
    the weakest students in it."""
    by_tag: dict[str, list[tuple[float, str, int]]] = {}
    for student in students:
        for topic in student.topics:
            by_tag.setdefault(topic.tag, []).append((topic.mastery, student.profile, topic.cards))
    found = [
        ClassTopic(
            tag=tag,
            cards=max(cards for _m, _p, cards in rows),
            students=len(rows),
            mastery=math.fsum(m for m, _p, _c in rows) / len(rows),
            weakest=tuple(WeakStudent(p, m) for m, p, _c in sorted(rows)[:WEAKEST_STUDENTS]),
        )
        for tag, rows in by_tag.items()
    ]
    found.sort(key=lambda topic: (topic.mastery, topic.tag))
    return tuple(found)


def to_json(view: ClassView) -> dict[str, Any]:
    """The documented `class --json` object (see docs/class.md), schema version 1."""
    return {
        "schema": SCHEMA_VERSION,
        "now": jsonable(view.now),
        "decks": list(view.decks),
        "tags": list(view.tags),
        "profiles": jsonable(view.students),
        "topics": jsonable(view.topics),
        "hardest": jsonable(view.hardest),
    }
