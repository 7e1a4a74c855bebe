"""Progress figures, each checked against a small history worked out by hand (fixed clock, UTC
study days starting at 4 am unless a test says otherwise)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import fsrs
import pytest
from sqlalchemy import delete, func, insert, select, update

from stalindeck.decks.importing import import_paths
from stalindeck.review.session import ReviewSession
from stalindeck.scheduling.fsrs_bridge import SchedulerSettings
from stalindeck.stats.days import window
from stalindeck.stats.figures import Stats, compute, default_curve, to_json
from stalindeck.stats.progress import COLUMNS, progress_rows
from stalindeck.store import reviews as writes
from stalindeck.store import stats_queries as q
from stalindeck.store.engine import writing
from stalindeck.store.models import (
    LEARNING,
    NEW,
    RELEARNING,
    REVIEW,
    Card,
    CardState,
    CardTag,
    Deck,
    Review,
)
from stalindeck.store.open import Store

from .conftest import T0, FakeClock

DAY = timedelta(days=1)
DECK = """id = "hist"
name = "History"
tags = ["9hi0"]

[[cards]]
id = "a"
tags = ["beria"]
front = "A?"
back = "a"

[[cards]]
id = "b"
tags = ["beria"]
front = "B?"
back = "b"

[[cards]]
id = "c"
tags = ["malenkov"]
front = "C?"
back = "c"

[[cards]]
id = "d"
tags = ["malenkov"]
front = "D?"
back = "d"

[[cards]]
id = "e"
front = "E?"
back = "e"

[[cards]]
id = "f"
front = "F?"
back = "f"

[[cards]]
id = "g"
front = "G?"
back = "g"
"""


@pytest.fixture
def cards(store: Store, write_deck: Callable[..., Path]) -> dict[str, int]:
    """The deck above imported; card key → card id."""
    import_paths(store, [write_deck(DECK)], T0 - 100 * DAY)
    with writing(store.engine) as connection:
        rows = connection.execute(select(Card.key, Card.id)).all()
    return {key: card_id for key, card_id in rows}


def add_review(
    store: Store,
    card_id: int,
    at: datetime,
    grade: int,
    *,
    before: int = REVIEW,
    last: datetime | None = None,
    tested_days: float = 5,
    duration_ms: int = 10_000,
) -> None:
    """A review row as the session writes it: `last` is the card's previous review, and the
    interval the answer tested is `tested_days` (due before - last review before)."""
    with writing(store.engine) as connection:
        connection.execute(
            insert(Review).values(
                card_id=card_id,
                profile_id=store.profile_id,
                grade=grade,
                reviewed_at=at,
                duration_ms=duration_ms,
                state_before=before,
                last_review_before=last,
                due_before=None if last is None else last + timedelta(days=tested_days),
                stability_before=3.0,
                difficulty_before=5.0,
                state_after=REVIEW if grade > 1 else RELEARNING,
                stability_after=4.0,
                difficulty_after=5.0,
                due_after=at + DAY,
            )
        )


def set_state(store: Store, card_id: int, **values: Any) -> None:
    with writing(store.engine) as connection:
        connection.execute(
            update(CardState)
            .where(CardState.card_id == card_id, CardState.profile_id == store.profile_id)
            .values(**values)
        )


def stats_at(store: Store, now: datetime = T0, **kwargs: Any) -> Stats:
    return compute(store, now, tz=UTC, **kwargs)


def test_true_retention_counts_the_first_review_of_each_card_per_day(
    store: Store, cards: dict[str, int]
) -> None:
    # T0 is 2026-03-02 12:00 UTC: today's study day began at 04:00.
    today = T0.replace(hour=0)
    a, b, c, d = cards["a"], cards["b"], cards["c"], cards["d"]
    # a: failed this morning (young), then a relearning step and a second review-state
    # answer the same day: neither of those counts.
    add_review(store, a, today + timedelta(hours=5), 1, last=today - 10 * DAY)
    add_review(
        store, a, today + timedelta(hours=5, minutes=10), 3, before=RELEARNING,
        last=today + timedelta(hours=5),
    )  # fmt: skip
    add_review(store, a, today + timedelta(hours=6), 3, last=today + timedelta(hours=5, minutes=10))
    # b: passed yesterday, mature (30 days tested).
    add_review(
        store, b, today - DAY + timedelta(hours=10), 3, last=today - 31 * DAY, tested_days=30
    )
    # d: failed at 03:00 today, before the 4 am rollover: that is yesterday; mature.
    add_review(store, d, today + timedelta(hours=3), 1, last=today - 26 * DAY, tested_days=25)
    # c: Hard (a pass) three days ago, young; failed 40 days ago, mature.
    add_review(
        store, c, today - 3 * DAY + timedelta(hours=9), 2, last=today - 6 * DAY, tested_days=3
    )
    add_review(
        store, c, today - 40 * DAY + timedelta(hours=9), 1, last=today - 70 * DAY, tested_days=21
    )
    # A learning answer never counts.
    add_review(store, cards["e"], today + timedelta(hours=7), 1, before=LEARNING, last=None)

    stats = stats_at(store)
    by_period = {row.period: row for row in stats.retention}
    expected = {
        "today": (0, 1, 0, 0),
        "yesterday": (0, 0, 1, 1),
        "week": (1, 1, 1, 1),
        "month": (1, 1, 1, 1),
        "year": (1, 1, 1, 2),
    }
    for period, counts in expected.items():
        row = by_period[period]
        assert (row.young_passed, row.young_failed, row.mature_passed, row.mature_failed) == (
            counts
        ), period
    assert by_period["year"].mature == pytest.approx(1 / 3)
    assert by_period["today"].total == 0.0
    assert stats.today.retention == 0.0

    # Today: a's three answers and e's one.
    assert (stats.today.answers, stats.today.cards, stats.today.again) == (4, 2, 2)
    assert stats.today.time_ms == 40_000

    # Calendar: today 4 answers, yesterday 2 (b, and d at 03:00), 3 and 40 days ago 1 each.
    days = {day.date: day.reviews for day in stats.calendar.days}
    assert days == {
        date(2026, 3, 2): 4,
        date(2026, 3, 1): 2,
        date(2026, 2, 27): 1,
        date(2026, 1, 21): 1,
    }
    assert stats.calendar.days_studied == 4
    assert stats.calendar.total_reviews == 8
    assert (stats.calendar.current_streak, stats.calendar.longest_streak) == (2, 2)
    assert stats.calendar.first == date(2026, 3, 2) - timedelta(days=364)


def test_current_streak_counts_from_yesterday_when_today_is_empty(
    store: Store, cards: dict[str, int]
) -> None:
    for back in (1, 2, 3, 5, 6):
        add_review(store, cards["a"], T0 - back * DAY, 3, last=T0 - (back + 1) * DAY)
    calendar = stats_at(store).calendar
    assert (calendar.current_streak, calendar.longest_streak, calendar.days_studied) == (3, 3, 5)


def test_card_counts_due_times_and_forecast(store: Store, cards: dict[str, int]) -> None:
    b, c, d, e, f, g = (cards[key] for key in "bcdefg")
    seen = {"stability": 10.0, "difficulty": 5.0, "reps": 3}
    # a stays new.
    set_state(store, b, state=LEARNING, due=T0 + timedelta(minutes=10), last_review=T0, **seen)
    # c: young review card, overdue since yesterday: due now, forecast today.
    set_state(store, c, state=REVIEW, due=T0 - DAY, last_review=T0 - 6 * DAY, **seen)
    # d: mature review card (30-day interval) due tomorrow at 10:00.
    set_state(
        store, d, state=REVIEW, due=T0 + timedelta(hours=22), last_review=T0 - 29 * DAY, **seen
    )
    # e: suspended review card due now: counted as suspended, never as due.
    set_state(store, e, state=REVIEW, due=T0, last_review=T0 - 3 * DAY, suspended=True, **seen)
    # f: buried until tomorrow, due in five days.
    set_state(
        store, f, state=REVIEW, due=T0 + 5 * DAY, last_review=T0 - 5 * DAY,
        buried_until=T0 + DAY, **seen,
    )  # fmt: skip
    # g: relearning, due now.
    set_state(store, g, state=RELEARNING, due=T0, last_review=T0 - timedelta(minutes=10), **seen)

    stats = stats_at(store)
    cards_ = stats.cards
    assert (cards_.total, cards_.new, cards_.learning, cards_.review, cards_.relearning) == (
        7,
        1,
        1,
        2,
        1,
    )
    assert (cards_.suspended, cards_.buried, cards_.young, cards_.mature) == (1, 1, 1, 1)
    today = stats.today
    # Due now: c (overdue) and g; later today (before 04:00 tomorrow): b; tomorrow: d.
    assert (today.due_now, today.due_later_today, today.due_tomorrow) == (2, 1, 1)
    forecast = [day.due for day in stats.forecast]
    assert len(forecast) == 30 and stats.forecast[0].date == date(2026, 3, 2)
    assert forecast[0] == 3  # b, c, g
    assert forecast[1] == 1  # d
    assert forecast[5] == 1  # f
    assert sum(forecast) == 5
    assert stats.memory.seen == 6


def test_retrievability_is_fsrs_6_and_sums_to_knowledge(
    store: Store, cards: dict[str, int]
) -> None:
    scheduler = fsrs.Scheduler()
    cases = {"b": (5.3, 7.5), "c": (40.0, 0.2), "d": (0.5, 30.0)}  # key: (stability, days ago)
    expected = {}
    for key, (stability, ago) in cases.items():
        last = T0 - timedelta(days=ago)
        set_state(
            store, cards[key], state=REVIEW, stability=stability, difficulty=4.0,
            last_review=last, due=T0 + DAY, reps=1,
        )  # fmt: skip
        # Anki's card info and browser: the exact time since the last review, in days (py-fsrs's
        # `get_card_retrievability` counts whole days; the curve is its own).
        factor, decay = scheduler._FACTOR, scheduler._DECAY
        expected[key] = (1 + factor * ago / stability) ** decay
    found, total = q.find_cards(store, q.Scope(), T0, default_curve(), sort="retrievability")
    by_key = {row.ident.split("/")[1]: row.retrievability for row in found}
    for key, value in expected.items():
        assert by_key[key] == pytest.approx(value, rel=1e-12)
    assert by_key["a"] is None and total == 7
    # Weakest first, never-reviewed cards last.
    assert [row.ident.split("/")[1] for row in found[:3]] == sorted(expected, key=expected.get)

    memory = stats_at(store).memory
    assert memory.knowledge == pytest.approx(sum(expected.values()))
    assert memory.average_retrievability == pytest.approx(sum(expected.values()) / 3)
    assert memory.average_stability == pytest.approx((5.3 + 40 + 0.5) / 3)
    assert memory.average_difficulty == pytest.approx(4.0)
    assert [b.count for b in memory.stability] == [1, 1, 0, 1, 0, 0, 0, 0]
    assert [b.count for b in memory.difficulty] == [0, 0, 0, 3, 0, 0, 0, 0, 0, 0]
    r_bins = [0] * 10
    for value in expected.values():
        r_bins[min(9, math.floor(value * 10))] += 1
    assert [b.count for b in memory.retrievability] == r_bins


def test_a_buried_card_due_now_counts_tomorrow(store: Store, cards: dict[str, int]) -> None:
    # A sibling buried by today's answer waits for tomorrow, as `status` and `review` say.
    seen = {"stability": 5.0, "difficulty": 5.0, "reps": 1}
    set_state(
        store, cards["a"], state=REVIEW, due=T0 - DAY, last_review=T0 - 6 * DAY,
        buried_until=T0 + timedelta(hours=16), **seen,
    )  # fmt: skip
    today = stats_at(store).today
    assert (today.due_now, today.due_later_today, today.due_tomorrow) == (0, 0, 1)


def test_topics_weakest_first_and_hardest_cards(store: Store, cards: dict[str, int]) -> None:
    # beria: a (R high) and b (never seen); malenkov: c and d, both weak.
    set_state(
        store, cards["a"], state=REVIEW, stability=100.0, difficulty=5.0, last_review=T0 - DAY,
        due=T0 + 90 * DAY, reps=2, lapses=1,
    )  # fmt: skip
    for key, lapses in (("c", 9), ("d", 2)):
        set_state(
            store, cards[key], state=REVIEW, stability=1.0, difficulty=9.0,
            last_review=T0 - 20 * DAY, due=T0, reps=12, lapses=lapses,
        )  # fmt: skip
    with writing(store.engine) as connection:
        connection.execute(insert(CardTag).values(card_id=cards["c"], tag="leech"))
    stats = stats_at(store)
    curve = default_curve()
    weak, strong = ((1 + curve.factor * t) ** curve.decay for t in (20, 1 / 100))
    # Mastery counts every card of the tag (unseen ones as 0): beria has 1 of 2 seen. The
    # deck's own tag, 9hi0, on every card, is no topic.
    topics = [(t.tag, t.cards, t.seen, t.lapses, round(t.mastery, 6)) for t in stats.topics]
    assert topics == [
        ("beria", 2, 1, 1, round(strong / 2, 6)),
        ("malenkov", 2, 2, 11, round(weak, 6)),
    ]
    assert stats.topics[1].retrievability == pytest.approx(weak)  # of the seen cards
    assert [(h.card, h.lapses, h.leech) for h in stats.hardest] == [
        ("hist/c", 9, True),
        ("hist/d", 2, False),
        ("hist/a", 1, False),
    ]
    assert stats.leeches == 1
    # A tag scope keeps only those cards; the leech tag is a state, not a topic.
    scoped = stats_at(store, scope=q.Scope(tags=("beria",)))
    assert scoped.cards.total == 2
    assert {t.tag for t in scoped.topics} == {"beria"}


def test_exam_outlook_is_the_curve_at_the_exam(store: Store, cards: dict[str, int]) -> None:
    set_state(
        store, cards["a"], state=REVIEW, stability=10.0, difficulty=5.0, last_review=T0 - DAY,
        due=T0 + 9 * DAY, reps=1, lapses=0,
    )  # fmt: skip
    set_state(
        store, cards["b"], state=REVIEW, stability=30.0, difficulty=5.0, last_review=T0,
        due=T0 + 30 * DAY, reps=1, lapses=0, suspended=True,
    )  # fmt: skip
    assert stats_at(store).exam is None
    assert stats_at(store, exam=T0.date()).exam is None  # not after today: nothing to plan
    exam = stats_at(store, exam=T0.date() + timedelta(days=20)).exam
    assert exam is not None and exam.days_left == 20
    # From card a's last review (1 March, 12:00) to the start of the exam's day (22 March,
    # 04:00) is 20 days 16 hours. Card b is suspended; the 5 new cards count 0.
    curve = default_curve()
    assert exam.cards == 6
    t = 20 + 16 / 24
    assert exam.recall_if_stopped == pytest.approx((1 + curve.factor * t / 10) ** curve.decay / 6)
    data = to_json(stats_at(store, exam=T0.date() + timedelta(days=20)))
    assert data["exam"] == {
        "date": "2026-03-22", "days_left": 20, "cards": 6,
        "recall_if_stopped": pytest.approx(exam.recall_if_stopped),
    }  # fmt: skip


def test_leech_tag_at_the_eighth_lapse(store: Store, cards: dict[str, int]) -> None:
    card = cards["a"]
    set_state(
        store, card, state=REVIEW, stability=2.0, difficulty=8.0, due=T0 - DAY,
        last_review=T0 - 3 * DAY, reps=20, lapses=7,
    )  # fmt: skip
    clock = FakeClock(T0)
    session = ReviewSession(store, clock=clock, settings=SchedulerSettings(enable_fuzzing=False))
    shown = session.next_card()
    assert shown is not None and shown.card.card_id == card
    assert session.answer(1).lapses == 8
    with writing(store.engine) as connection:
        tags = connection.execute(select(CardTag.tag).where(CardTag.card_id == card)).scalars()
        assert "leech" in set(tags)
    # Again while relearning is no new lapse: the card keeps its one leech tag.
    clock.advance(minutes=11)
    session = ReviewSession(store, clock=clock, settings=SchedulerSettings(enable_fuzzing=False))
    assert session.next_card() is not None
    assert session.answer(1).lapses == 8  # still relearning: not a new lapse
    with writing(store.engine) as connection:
        count = connection.execute(
            select(func.count()).where(CardTag.card_id == card, CardTag.tag == "leech")
        ).scalar_one()
    assert count == 1
    found, _ = q.find_cards(store, q.Scope(), T0, default_curve(), state="leech")
    assert [row.card_id for row in found] == [card]
    # Undoing the answer that made the card a leech takes the tag away again.
    set_state(
        store, card, state=REVIEW, stability=2.0, difficulty=8.0, due=clock() - DAY,
        last_review=clock() - 3 * DAY, reps=21, lapses=7,
    )  # fmt: skip
    with writing(store.engine) as connection:
        connection.execute(delete(CardTag).where(CardTag.tag == "leech"))
    first = ReviewSession(store, clock=clock, settings=SchedulerSettings(enable_fuzzing=False))
    assert first.next_card() is not None and first.answer(1).lapses == 8
    first.undo()
    with writing(store.engine) as connection:
        tags = connection.execute(select(CardTag.tag).where(CardTag.card_id == card)).scalars()
        assert "leech" not in set(tags)


def test_reset_puts_cards_back_to_new_and_keeps_the_log(
    store: Store, cards: dict[str, int]
) -> None:
    a, b = cards["a"], cards["b"]
    for card in (a, b):
        set_state(
            store, card, state=REVIEW, stability=3.0, difficulty=6.0, due=T0 + DAY, step=None,
            last_review=T0 - DAY, reps=9, lapses=8, suspended=True, buried_until=T0 + DAY,
        )  # fmt: skip
        add_review(store, card, T0 - DAY, 3, last=T0 - 5 * DAY)
    with writing(store.engine) as connection:
        connection.execute(insert(CardTag).values(card_id=a, tag="leech"))
    writes.reset_cards(store, [a])
    with writing(store.engine) as connection:
        states = {
            row.card_id: row
            for row in connection.execute(select(CardState).where(CardState.card_id.in_([a, b])))
        }
        reviews = connection.execute(select(Review.card_id)).scalars().all()
        tags = set(connection.execute(select(CardTag.tag).where(CardTag.card_id == a)).scalars())
    reset = states[a]
    assert (reset.state, reset.stability, reset.difficulty, reset.due, reset.last_review) == (
        NEW,
        None,
        None,
        None,
        None,
    )
    assert (reset.reps, reset.lapses, reset.buried_until, reset.suspended) == (0, 0, None, 1)
    assert tags == {"9hi0", "beria"}
    assert states[b].state == REVIEW and states[b].lapses == 8  # the other card untouched
    assert sorted(reviews) == sorted([a, b])  # the log keeps both reviews


def test_study_days_follow_dst(store: Store, cards: dict[str, int]) -> None:
    london = ZoneInfo("Europe/London")
    # Clocks went forward on 2026-03-29: from then on, 4 am local is 03:00 UTC.
    days = window(date(2026, 3, 27), date(2026, 3, 31), 4, london)
    spans = [later - earlier for earlier, later in zip(days.starts, days.starts[1:], strict=False)]
    assert spans == [86_400_000, 82_800_000, 86_400_000, 86_400_000, 86_400_000]
    assert len(days.segments()) == 2
    now = datetime(2026, 3, 31, 12, tzinfo=UTC)
    # 03:30 UTC on 31 March is 04:30 BST: already the 31st; 02:30 UTC is 03:30 BST: the 30th.
    add_review(store, cards["a"], datetime(2026, 3, 31, 3, 30, tzinfo=UTC), 3, last=None)
    add_review(store, cards["b"], datetime(2026, 3, 31, 2, 30, tzinfo=UTC), 3, last=None)
    add_review(store, cards["c"], datetime(2026, 3, 28, 3, 30, tzinfo=UTC), 3, last=None)
    stats = compute(store, now, tz=london)
    assert {d.date: d.reviews for d in stats.calendar.days} == {
        date(2026, 3, 31): 1,
        date(2026, 3, 30): 1,
        date(2026, 3, 27): 1,  # 03:30 GMT on the 28th, before that day's 4 am
    }


def test_progress_rows_per_deck_and_tag(store: Store, cards: dict[str, int]) -> None:
    set_state(
        store, cards["c"], state=REVIEW, stability=50.0, difficulty=5.0,
        last_review=T0 - DAY, due=T0 + 30 * DAY, reps=3, lapses=2,
    )  # fmt: skip
    add_review(store, cards["c"], T0 - 2 * DAY, 3, last=T0 - 10 * DAY)
    add_review(store, cards["c"], T0 - DAY, 1, last=T0 - 2 * DAY)
    add_review(store, cards["c"], T0 - 40 * DAY, 1, last=T0 - 50 * DAY)  # too old to count
    add_review(store, cards["a"], T0 - DAY, 3, before=NEW, last=None)
    rows = {(row["kind"], row["name"]): row for row in progress_rows(store, T0, tz=UTC)}
    assert list(rows) == [  # 9hi0, the deck's own tag on every card, is no topic
        ("deck", "hist"),
        ("tag", "beria"),
        ("tag", "malenkov"),
    ]
    malenkov = rows[("tag", "malenkov")]
    assert {k: malenkov[k] for k in COLUMNS if k != "avg_retrievability"} == {
        "kind": "tag",
        "name": "malenkov",
        "cards": 2,
        "seen": 1,
        "mature": 1,
        "reviews": 3,
        "retention_30d": 0.5,
        "retention_answers_30d": 2,
        "lapses": 2,
    }
    assert malenkov["avg_retrievability"] == pytest.approx(
        (1 + default_curve().factor / 50) ** default_curve().decay
    )
    assert rows[("tag", "beria")]["retention_30d"] is None
    assert rows[("deck", "hist")]["reviews"] == 4


STATS_KEYS = {
    "schema",
    "now",
    "today_date",
    "decks",
    "tags",
    "today",
    "cards",
    "forecast",
    "calendar",
    "retention",
    "memory",
    "topics",
    "hardest",
    "leeches",
    "exam",
}


def test_stats_json_schema_is_stable(store: Store, cards: dict[str, int]) -> None:
    add_review(store, cards["a"], T0 - DAY, 3, last=T0 - 3 * DAY)
    data = json.loads(json.dumps(to_json(stats_at(store))))
    assert set(data) == STATS_KEYS and data["schema"] == 1
    assert set(data["today"]) == {
        "answers", "cards", "again", "time_ms", "retention", "due_now", "due_later_today",
        "due_tomorrow",
    }  # fmt: skip
    assert set(data["cards"]) == {
        "total", "new", "learning", "review", "relearning", "suspended", "buried", "young",
        "mature",
    }  # fmt: skip
    assert set(data["forecast"][0]) == {"date", "due"}
    assert set(data["calendar"]) == {
        "first", "last", "days", "days_studied", "current_streak", "longest_streak",
        "total_reviews",
    }  # fmt: skip
    assert data["calendar"]["days"] == [{"date": "2026-03-01", "reviews": 1}]
    assert [row["period"] for row in data["retention"]] == [
        "today",
        "yesterday",
        "week",
        "month",
        "year",
    ]
    assert set(data["retention"][0]) == {
        "period", "young_passed", "young_failed", "mature_passed", "mature_failed", "young",
        "mature", "total",
    }  # fmt: skip
    assert set(data["memory"]) == {
        "seen", "knowledge", "average_retrievability", "average_stability",
        "average_difficulty", "stability", "difficulty", "retrievability",
    }  # fmt: skip
    assert set(data["memory"]["stability"][0]) == {"label", "count"}
    assert set(data["topics"][0]) == {"tag", "cards", "seen", "retrievability", "lapses", "mastery"}
    assert data["now"] == "2026-03-02T12:00:00Z"


def test_an_unknown_deck_in_scope_and_empty_store(store: Store) -> None:
    stats = stats_at(store)
    assert stats.cards.total == 0 and stats.memory.knowledge == 0.0
    assert all(row.total is None for row in stats.retention)
    assert stats.topics == () and stats.hardest == ()


def test_benchmark_builder_smoke(store: Store) -> None:
    from benchmarks.stats_bench import NOW, build

    build(store, 200, 2_000)
    stats = compute(store, NOW, tz=UTC)
    assert stats.cards.total == 200 and stats.cards.new == 50
    assert 0 < stats.calendar.total_reviews <= 2_000
    with writing(store.engine) as connection:
        assert connection.execute(select(Deck.id)).all()


def test_an_in_memory_store_runs_the_queries_in_turn(write_deck: Callable[..., Path]) -> None:
    from stalindeck.store.open import open_store

    memory_store = open_store("sqlite://")
    try:
        import_paths(memory_store, [write_deck(DECK)], T0)
        # In threads, each query would see its own empty in-memory database.
        assert stats_at(memory_store).cards.total == 7
    finally:
        memory_store.close()


def test_charts_fit_80_columns_and_show_levels() -> None:
    from stalindeck.ui.charts import bar_chart, heatmap

    last = date(2026, 3, 2)
    first = last - timedelta(days=364)
    counts = {last: 40, last - DAY: 10, last - 2 * DAY: 5, last - 3 * DAY: 1}
    calendar = heatmap(counts, first, last).plain.splitlines()
    assert max(len(line) for line in calendar) <= 80
    assert len(calendar) == 9  # months, seven weekdays, legend
    cells = "".join(line[4:] for line in calendar[1:8])
    assert cells.count("·") == 365 - 4
    assert cells.count("█") == 1 and cells.count("░") == 1  # busiest and quietest days
    chart = bar_chart([0, 80, 40, 0, 1] + [0] * 25).plain.splitlines()
    assert max(len(line) for line in chart) <= 80
    assert chart[0].startswith("80 │") and chart[-1].strip().startswith("today")
    assert chart[7].split("│")[1].startswith("  █ █   ▁")  # bottom row: 1 of 80 still shows
    assert chart[4].split("│")[1].startswith("  █ █")  # 40 of 80: half the height
    assert chart[3].split("│")[1].startswith("  █   ")
