"""`exam`'s forecast loop was rewritten for speed (100,000 cards): it must give the very same
figures, to the bit, as the plain loop it replaced, which is kept here as the reference (with
the scheduler's own `review_card` for every answer, no shortcut)."""

from __future__ import annotations

import json
import sys
from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from stalindeck.scheduling.day import study_date
from stalindeck.scheduling.fsrs_bridge import SchedulerSettings, make_scheduler
from stalindeck.stats import exam
from stalindeck.stats.days import window
from stalindeck.stats.figures import default_curve
from stalindeck.store.exam_queries import ExamCardRow, exam_cards
from stalindeck.store.models import to_millis
from stalindeck.store.open import open_store
from stalindeck.store.stats_queries import Curve, Scope

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from stats_bench import NOW, build

NO_FUZZ = SchedulerSettings(enable_fuzzing=False)


def reference_plan(
    rows: Sequence[ExamCardRow],
    exam_day: date,
    now: datetime,
    *,
    new_per_day: int,
    curve: Curve,
    settings: SchedulerSettings,
    rollover_hour: int,
) -> exam.ExamForecast:
    """`plan` as it was before the rewrite (one card at a time, every step a call)."""
    today = study_date(now, rollover_hour, UTC)
    days_left = (exam_day - today).days
    starts = window(today, exam_day - timedelta(days=1), rollover_hour, UTC).starts
    exam_ms = starts[days_left]
    now_ms = to_millis(now)
    simulator = exam._Simulator(
        make_scheduler(settings), curve, fast=False, rollover_hour=rollover_hour, tz=UTC
    )
    answers_per_day = [0] * days_left
    total, at_risk, seen, new_index = exam._Tally(), 0, 0, 0
    last_new_day: int | None = None
    topics: dict[str, exam._Tally] = {}
    sections: dict[tuple[str, str], exam._Tally] = {}
    for row in rows:
        if exam._never_reviewed(row):
            stop = 0.0
            day = new_index // new_per_day if new_per_day else days_left
            new_index += 1
            if day < days_left:
                last_new_day = day
                start_ms = now_ms if day == 0 else max(now_ms, starts[day])
                keep_up, offsets = simulator.run(row, start_ms, exam_ms)
            else:
                keep_up, offsets = 0.0, ()
        else:
            seen += 1
            stop = exam.recall_at(curve, row.stability, row.last_review_ms, exam_ms)
            start_ms = now_ms if row.due_ms is None else max(row.due_ms, now_ms)
            if start_ms < exam_ms:
                keep_up, offsets = simulator.run(row, start_ms, exam_ms)
            else:
                keep_up, offsets = stop, ()
        for offset in offsets:
            index = bisect_right(starts, start_ms + offset) - 1
            if 0 <= index < days_left:
                answers_per_day[index] += 1
        total.add(stop, keep_up)
        if keep_up < settings.desired_retention:
            at_risk += 1
        for tag in row.tags:
            topics.setdefault(tag, exam._Tally()).add(stop, keep_up)
        sections.setdefault((row.deck, row.section), exam._Tally()).add(stop, keep_up)
    stop_all, keep_up_all = total.recall()
    return exam.ExamForecast(
        now=now,
        today=today,
        exam_date=exam_day,
        exam_at=datetime.fromtimestamp(exam_ms / 1000, UTC),
        days_left=days_left,
        decks=(),
        tags=(),
        new_per_day=new_per_day,
        desired_retention=settings.desired_retention,
        cards=total.cards,
        seen=seen,
        stop=stop_all,
        keep_up=keep_up_all,
        at_risk=at_risk,
        topics=exam._topics(topics),
        sections=exam._sections(sections),
        workload=exam._workload(today, answers_per_day),
        new_cards=exam._new_cards(today, days_left, new_index, new_per_day, last_new_day),
    )


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list[ExamCardRow]:
    """A benchmark store's cards (new, learning, relearning, review; tags and decks), with a
    few sections and a second tag on some cards."""
    store = open_store(str(tmp_path_factory.mktemp("same") / "s.db"))
    try:
        build(store, 3000, 30000)
        raw = store.engine.raw_connection()
        try:
            raw.execute("UPDATE cards SET section = 'part ' || (id % 3) WHERE id % 5 = 0")
            raw.execute("INSERT INTO card_tags SELECT id, 'extra' FROM cards WHERE id % 7 = 0")
            raw.execute("INSERT INTO card_tags SELECT id, 'a-first' FROM cards WHERE id % 11 = 0")
            raw.execute("INSERT INTO card_tags SELECT id, 'leech' FROM cards WHERE id % 13 = 0")
            raw.execute("UPDATE decks SET tags = 'tag-03 exam-code' WHERE id = 4")
            raw.execute("INSERT INTO card_tags SELECT id, 'exam-code' FROM cards WHERE deck_id = 4")
            raw.execute("UPDATE card_states SET suspended = 1 WHERE card_id % 17 = 0")
            raw.commit()
        finally:
            raw.close()
        return exam_cards(store, Scope())
    finally:
        store.close()


def test_each_card_comes_once_with_its_topics_in_deck_order(rows: list[ExamCardRow]) -> None:
    # As the two queries before (cards, then every card's tags) gave them: sorted, the
    # `leech` mark and a deck's own tags left out, a card with none of its own has none.
    assert len(rows) == len({row.card_id for row in rows}) == 3000 - 3000 // 17
    by_id = {row.card_id: row for row in rows}
    assert by_id[14].tags == ("extra", "tag-14")
    assert by_id[11 * 7 * 13].tags == ("a-first", "extra", "tag-01")
    assert by_id[13].tags == ("tag-13",)
    # deck-03 gives its cards `tag-03` and `exam-code`: neither is a topic.
    assert (by_id[3].tags, by_id[23].tags, by_id[63].tags) == ((), ("tag-23",), ("extra", "tag-23"))
    assert not {"tag-03", "exam-code", "leech"} & {tag for row in rows for tag in row.tags}
    order = [(row.deck, row.card_id) for row in rows]
    assert order == sorted(order)


@pytest.mark.parametrize(
    ("days", "new_per_day", "settings", "hour"),
    [
        (180, 20, NO_FUZZ, 4),
        (1, 20, NO_FUZZ, 4),
        (30, 0, NO_FUZZ, 0),
        (900, 7, NO_FUZZ, 4),
        (
            60,
            50,
            SchedulerSettings(
                enable_fuzzing=False,
                desired_retention=0.85,
                learning_steps=(timedelta(minutes=5),),
                relearning_steps=(),
            ),
            4,
        ),
    ],
)
def test_the_forecast_is_the_reference_loops_to_the_bit(
    rows: list[ExamCardRow], days: int, new_per_day: int, settings: SchedulerSettings, hour: int
) -> None:
    exam_day = study_date(NOW, hour, UTC) + timedelta(days=days)
    curve = default_curve(settings.parameters)
    found = exam.plan(
        rows, exam_day, NOW, scope=Scope(), new_per_day=new_per_day, curve=curve,
        settings=settings, rollover_hour=hour, tz=UTC,
    )  # fmt: skip
    expected = reference_plan(
        rows, exam_day, NOW, new_per_day=new_per_day, curve=curve, settings=settings,
        rollover_hour=hour,
    )  # fmt: skip
    assert found.seen > 2000 and found.workload.total > 0
    assert json.dumps(exam.to_json(found)) == json.dumps(exam.to_json(expected))


def test_the_benchmarks_floor_runs_the_query_exam_runs(tmp_path: Path) -> None:
    # benchmarks/exam_floor.py times `exam`'s query with plain sqlite3: the same rows.
    import sqlite3

    from exam_floor import CARDS

    db = tmp_path / "floor.db"
    store = open_store(str(db))
    try:
        build(store, 300, 3000)
        with sqlite3.connect(db) as raw:
            raw.execute("INSERT INTO card_tags SELECT id, 'extra' FROM cards WHERE id % 7 = 0")
            raw.execute("INSERT INTO card_tags SELECT id, 'leech' FROM cards WHERE id % 5 = 0")
            raw.execute("UPDATE card_states SET suspended = 1 WHERE card_id % 9 = 0")
        found = exam_cards(store, Scope())
    finally:
        store.close()
    with sqlite3.connect(db) as raw:
        plain = raw.execute(CARDS).fetchall()
    merged: dict[int, tuple[object, ...]] = {}
    for *card, tag in plain:
        seen = merged.get(card[0])
        tags = () if tag is None else (tag,)
        merged[card[0]] = (*card, tags) if seen is None else (*seen[:-1], (*seen[-1], *tags))
    expected = [
        (row.card_id, row.deck, row.section, row.state, row.step, row.stability,
         row.difficulty, row.due_ms, row.last_review_ms, row.tags)
        for row in found
    ]  # fmt: skip
    assert list(merged.values()) == expected and len(expected) == 300 - 300 // 9
