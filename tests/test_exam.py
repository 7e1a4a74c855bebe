"""Exam-day planning: recall on exam day under both plans, checked against the forgetting curve
worked out by hand and against `fsrs.Scheduler.review_card` step by step (fixed clock, UTC
study days starting at 4 am, no fuzz)."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import fsrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.decks.importing import import_paths
from stalindeck.errors import NotFoundError, StalindeckError
from stalindeck.review.session import ReviewSession
from stalindeck.scheduling.day import study_date
from stalindeck.scheduling.fsrs_bridge import SchedulerSettings, make_scheduler
from stalindeck.scheduling.settings import save_value, spec_for
from stalindeck.stats.exam import (
    DAY_MS,
    ExamForecast,
    _Simulator,
    forecast,
    parse_exam_date,
    plan,
    recall_at,
    to_json,
)
from stalindeck.stats.figures import default_curve
from stalindeck.store.engine import reading
from stalindeck.store.exam_queries import ExamCardRow
from stalindeck.store.models import LEARNING, NEW, RELEARNING, REVIEW, Card, CardState, to_millis
from stalindeck.store.open import Store, open_store
from stalindeck.store.stats_queries import Scope

from .conftest import T0, FakeClock
from .test_stats import set_state

DAY = timedelta(days=1)
CURVE = default_curve()
NO_FUZZ = SchedulerSettings(enable_fuzzing=False)
# T0 is 2026-03-02 12:00 UTC; study days start at 04:00 UTC.
EXAM = date(2026, 4, 1)  # 30 days left
EXAM_AT = datetime(2026, 4, 1, 4, tzinfo=UTC)

DECK = """id = "hist"
name = "History"
tags = ["9hi0"]

[[cards]]
id = "a"
section = "Rise"
tags = ["beria"]
front = "A?"
back = "a"

[[cards]]
id = "b"
section = "Rise"
tags = ["beria"]
front = "B?"
back = "b"

[[cards]]
id = "c"
section = "Fall"
tags = ["malenkov"]
front = "C?"
back = "c"

[[cards]]
id = "d"
front = "D?"
back = "d"
"""

OTHER = """id = "other"
name = "Other"

[[cards]]
id = "x"
tags = ["beria"]
front = "X?"
back = "x"
"""


def big_deck(count: int, early: int) -> str:
    """A deck of `count` new cards: the first `early` in section "early", the rest "late"."""
    cards = "".join(
        f'\n[[cards]]\nid = "c{i:03d}"\nsection = "{"early" if i < early else "late"}"\n'
        f'front = "Q{i}?"\nback = "{i}"\n'
        for i in range(count)
    )
    return f'id = "big"\nname = "Big"\n{cards}'


@pytest.fixture
def cards(store: Store, write_deck: Callable[..., Path]) -> dict[str, int]:
    """The decks above imported; card key → card id."""
    import_paths(store, [write_deck(DECK), write_deck(OTHER, "other.toml")], T0 - 100 * DAY)
    with reading(store.engine) as connection:
        return {key: card_id for key, card_id in connection.execute(select(Card.key, Card.id))}


def review_state(
    store: Store, card_id: int, stability: float, last: datetime, due: datetime, d: float = 5.0
) -> None:
    set_state(
        store,
        card_id,
        state=REVIEW,
        step=None,
        stability=stability,
        difficulty=d,
        last_review=last,
        due=due,
        reps=3,
    )


def exam_at(store: Store, exam: date = EXAM, now: datetime = T0, **kwargs: Any) -> ExamForecast:
    return forecast(store, exam, now, tz=UTC, settings=NO_FUZZ, **kwargs)


def curve_r(days: float, stability: float) -> float:
    """FSRS-6 by hand: R = (1 + factor·t/S)^(-w20), factor = 0.9^(1/-w20) - 1."""
    w20 = fsrs.Scheduler().parameters[20]
    factor = 0.9 ** (1 / -w20) - 1
    return float((1 + factor * days / stability) ** -w20)


def by_hand(card: fsrs.Card, start: datetime, exam: datetime) -> tuple[float, list[datetime]]:
    """Good at every due time before `exam`, with the real scheduler; recall at the exam."""
    scheduler = make_scheduler(NO_FUZZ)
    moment, answers = start, []
    while moment < exam:
        card, _ = scheduler.review_card(card, fsrs.Rating.Good, moment)
        answers.append(moment)
        moment = card.due
    assert card.last_review is not None and card.stability is not None
    return curve_r((exam - card.last_review) / DAY, card.stability), answers


# -- the forgetting curve -----------------------------------------------------------------------


def test_recall_at_is_the_fsrs6_curve() -> None:
    last = to_millis(T0)
    assert recall_at(CURVE, 10.0, last, last) == 1.0
    # R falls to 90% after S days, by the definition of stability.
    assert recall_at(CURVE, 10.0, last, last + 10 * DAY_MS) == pytest.approx(0.9)
    assert recall_at(CURVE, 10.0, last, last + 40 * DAY_MS + 5) == pytest.approx(curve_r(40, 10))
    # The exact time, as Anki shows it: 23 hours after the review is 23/24 of a day.
    hours = recall_at(CURVE, 1.0, last, last + 23 * 3_600_000)
    assert hours == pytest.approx(curve_r(23 / 24, 1.0), rel=1e-12)
    assert recall_at(CURVE, None, None, last) == 0.0


def test_stop_plan_is_the_curve_at_the_exam(store: Store, cards: dict[str, int]) -> None:
    # a: S = 10, last reviewed 5 days ago at noon: 34 days 16 hours before the exam.
    review_state(store, cards["a"], 10.0, T0 - 5 * DAY, T0 + 5 * DAY)
    # b: S = 1000, due long after the exam: no review under either plan.
    review_state(store, cards["b"], 1000.0, T0 - 200 * DAY, T0 + 700 * DAY)
    # c: like a, but due after the exam (scheduled for a lower retention): not reviewed, and
    # at risk even if you keep up.
    review_state(store, cards["c"], 10.0, T0 - 5 * DAY, T0 + 100 * DAY)
    found = exam_at(store)
    assert (found.days_left, found.exam_at, found.today) == (30, EXAM_AT, T0.date())
    assert (found.cards, found.seen) == (5, 3)
    r_a, r_b = curve_r(34 + 16 / 24, 10.0), curve_r(229 + 16 / 24, 1000.0)
    assert r_a == pytest.approx(0.7958, abs=1e-4)  # (1 + 0.98035·3.4667)^-0.1542
    assert found.stop.remembered == pytest.approx(2 * r_a + r_b)  # d and x never reviewed: 0
    assert found.stop.recall == pytest.approx((2 * r_a + r_b) / 5)
    assert found.at_risk == 1  # c: a is reviewed, d and x are learnt before the exam
    malenkov = next(topic for topic in found.topics if topic.tag == "malenkov")
    assert malenkov.stop.remembered == malenkov.keep_up.remembered == pytest.approx(r_a)
    assert found.topics[0] == malenkov  # weakest first
    beria = next(topic for topic in found.topics if topic.tag == "beria")
    assert beria.cards == 3  # a, b and the other deck's x
    assert "9hi0" not in {topic.tag for topic in found.topics}  # the deck's own tag: no topic
    assert beria.stop.remembered == pytest.approx(r_a + r_b)
    rise = next(s for s in found.sections if (s.deck, s.section) == ("hist", "Rise"))
    assert rise.cards == 2
    assert rise.stop.recall == pytest.approx((r_a + r_b) / 2)
    assert rise.stop.recall is not None and rise.keep_up.recall is not None
    assert rise.keep_up.recall > rise.stop.recall


def test_keep_up_plan_matches_the_scheduler_step_by_step(
    store: Store, cards: dict[str, int]
) -> None:
    # a: overdue by 2 days: answered now, then at every due date before the exam.
    review_state(store, cards["a"], 4.0, T0 - 6 * DAY, T0 - 2 * DAY, d=6.5)
    # b: due long after the exam: its keep-up recall is its stop recall.
    review_state(store, cards["b"], 1000.0, T0 - 200 * DAY, T0 + 700 * DAY)
    # c: relearning, a step due in 10 minutes.
    set_state(
        store,
        cards["c"],
        state=RELEARNING,
        step=0,
        stability=1.5,
        difficulty=8.0,
        last_review=T0 - timedelta(minutes=5),
        due=T0 + timedelta(minutes=5),
        reps=4,
        lapses=1,
    )
    found = exam_at(store, scope=Scope(decks=("hist",)), new_per_day=1)

    a = fsrs.Card(
        card_id=1, state=fsrs.State.Review, stability=4.0, difficulty=6.5,
        due=T0 - 2 * DAY, last_review=T0 - 6 * DAY,
    )  # fmt: skip
    r_a, answers_a = by_hand(a, T0, EXAM_AT)
    c = fsrs.Card(
        card_id=2, state=fsrs.State.Relearning, step=0, stability=1.5, difficulty=8.0,
        due=T0 + timedelta(minutes=5), last_review=T0 - timedelta(minutes=5),
    )  # fmt: skip
    r_c, answers_c = by_hand(c, T0 + timedelta(minutes=5), EXAM_AT)
    # d, new, is introduced today (1 a day) and answered Good through its learning steps.
    d = fsrs.Card(card_id=3, state=fsrs.State.Learning, step=0, due=T0)
    r_d, answers_d = by_hand(d, T0, EXAM_AT)
    r_b = curve_r(229 + 16 / 24, 1000.0)

    assert found.keep_up.remembered == pytest.approx(r_a + r_b + r_c + r_d, rel=1e-12)
    assert found.new_cards.introduced == 1
    assert found.new_cards.all_introduced_on == T0.date()
    # The workload is every one of those answers, on its study day.
    expected: dict[date, int] = {}
    for moment in answers_a + answers_c + answers_d:
        day = (moment - timedelta(hours=4)).date()
        expected[day] = expected.get(day, 0) + 1
    assert {day.date: day.reviews for day in found.workload.days if day.reviews} == expected
    assert found.workload.total == len(answers_a) + len(answers_c) + len(answers_d)
    assert len(found.workload.days) == 30
    assert found.workload.mean == pytest.approx(found.workload.total / 30)
    assert found.workload.peak == max(found.workload.days, key=lambda day: day.reviews)


def test_answers_through_a_session(store: Store, cards: dict[str, int], clock: FakeClock) -> None:
    session = ReviewSession(store, clock=clock, settings=NO_FUZZ)
    grades = iter([3, 3, 1, 3, 4, 3, 3, 3, 3, 3, 3, 3])
    for _ in range(12):
        if session.next_card() is None:
            clock.advance(minutes=11)
            continue
        session.answer(next(grades, 3))
        clock.advance(seconds=30)
    session.close()
    clock.advance(days=3)
    with reading(store.engine) as connection:
        states = connection.execute(
            select(CardState.stability, CardState.last_review).where(CardState.state != NEW)
        ).all()
    assert states
    found = exam_at(store, now=clock.now)
    expected = 0.0
    for stability, last in states:
        assert stability is not None and last is not None
        expected += curve_r((EXAM_AT - last) / DAY, stability)
    assert found.seen == len(states)
    assert found.stop.remembered == pytest.approx(expected)
    assert found.keep_up.remembered > found.stop.remembered


# -- plan 2 is never worse than plan 1 ----------------------------------------------------------

_states = st.sampled_from([LEARNING, REVIEW, RELEARNING])


@st.composite
def card_rows(draw: st.DrawFn) -> ExamCardRow:
    state = draw(_states)
    now_ms = to_millis(T0)
    last = now_ms - draw(st.integers(0, 400 * DAY_MS))
    stability = draw(st.floats(0.01, 5000, allow_nan=False))
    interval = draw(st.integers(60_000, 800 * DAY_MS))
    return ExamCardRow(
        card_id=1,
        deck="d",
        section="",
        tags=(),
        state=state,
        step=None if state == REVIEW else draw(st.integers(0, 1)),
        stability=stability,
        difficulty=draw(st.floats(1, 10, allow_nan=False)),
        due_ms=last + interval,
        last_review_ms=last,
    )


@settings(max_examples=300, deadline=None)
@given(row=card_rows(), days=st.integers(1, 500))
def test_keeping_up_never_lowers_recall(row: ExamCardRow, days: int) -> None:
    found = plan(
        [row],
        T0.date() + timedelta(days=days),
        T0,
        scope=Scope(),
        new_per_day=20,
        curve=CURVE,
        settings=NO_FUZZ,
        rollover_hour=4,
        tz=UTC,
    )
    assert found.keep_up.remembered >= found.stop.remembered
    assert 0.0 < found.keep_up.remembered <= 1.0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row=card_rows(), remaining=st.integers(1, 500 * DAY_MS))
def test_fast_reviews_agree_exactly_with_review_card(row: ExamCardRow, remaining: int) -> None:
    scheduler = make_scheduler(NO_FUZZ)
    fast = _Simulator(scheduler, CURVE)
    slow = _Simulator(scheduler, CURVE, fast=False)
    start = to_millis(T0)
    assert fast.run(row, start, start + remaining) == slow.run(row, start, start + remaining)


_STEPS = st.sampled_from(
    [
        (),
        (timedelta(minutes=10),),
        (timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1)),
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    row=card_rows(),
    step=st.one_of(st.none(), st.integers(0, 4)),
    learning=_STEPS,
    relearning=_STEPS,
    since=st.one_of(st.integers(0, 3 * DAY_MS), st.integers(0, 400 * DAY_MS)),
    remaining=st.integers(-DAY_MS, 500 * DAY_MS),
)
def test_a_learning_card_graduating_agrees_exactly_with_review_card(
    row: ExamCardRow,
    step: int | None,
    learning: tuple[timedelta, ...],
    relearning: tuple[timedelta, ...],
    since: int,
    remaining: int,
) -> None:
    # Any step (none stored, past the last, on its way) under any steps, any time since the
    # last review (within a day: short-term stability), any time left: the shortcut for a
    # learning card's first answer gives the scheduler's outcome to the bit.
    scheduler = make_scheduler(
        SchedulerSettings(
            enable_fuzzing=False, learning_steps=learning, relearning_steps=relearning
        )
    )
    state = LEARNING if row.state == REVIEW else row.state
    key = (state, step, row.stability, row.difficulty, since, remaining)
    fast = _Simulator(scheduler, CURVE)._simulate(key)
    assert fast == _Simulator(scheduler, CURVE, fast=False)._simulate(key)


# -- new cards ----------------------------------------------------------------------------------


def test_new_cards_come_in_at_the_daily_rate(store: Store, write_deck: Callable[..., Path]) -> None:
    import_paths(store, [write_deck(big_deck(50, 40))], T0 - DAY)
    found = exam_at(store, T0.date() + 2 * DAY, new_per_day=20)
    assert found.days_left == 2
    assert (found.new_cards.count, found.new_cards.introduced) == (50, 40)
    assert found.new_cards.all_introduced_on is None
    # Closer than 7 days: the margin is what there is, one day; 50 cards in one day.
    assert (found.new_cards.lead_days, found.new_cards.needed_per_day) == (1, 50)
    sections = {s.section: s for s in found.sections}
    # Deck order: the first 40 cards are the ones seen.
    assert sections["late"].keep_up.remembered == 0.0
    assert sections["early"].keep_up.recall is not None and sections["early"].keep_up.recall > 0.9
    assert found.at_risk == 10
    assert [s.section for s in found.sections] == ["late", "early"]  # weakest first
    # Two answers a card (the learning steps), 20 cards a day; nothing else falls due.
    assert [day.reviews for day in found.workload.days] == [40, 40]
    assert found.workload.peak is not None and found.workload.peak.date == T0.date()


def test_new_cards_all_introduced(store: Store, write_deck: Callable[..., Path]) -> None:
    import_paths(store, [write_deck(big_deck(50, 50))], T0 - DAY)
    found = exam_at(store, EXAM, new_per_day=20)
    assert found.new_cards.introduced == 50
    assert found.new_cards.all_introduced_on == T0.date() + 2 * DAY
    assert found.new_cards.lead_days == 7
    assert found.new_cards.needed_per_day == math.ceil(50 / 23)
    assert found.at_risk == 0
    none = exam_at(store, EXAM, new_per_day=0)
    assert none.new_cards.introduced == 0 and none.keep_up.remembered == 0.0


# -- scope and errors ---------------------------------------------------------------------------


def test_scope_by_deck_and_tag(store: Store, cards: dict[str, int]) -> None:
    set_state(store, cards["d"], suspended=True)
    assert exam_at(store).cards == 4  # suspended cards are left out
    assert exam_at(store, scope=Scope(decks=("hist",))).cards == 3
    assert exam_at(store, scope=Scope(decks=("Other",))).cards == 1
    tagged = exam_at(store, scope=Scope(tags=("beria",)))
    assert tagged.cards == 3
    assert {s.deck for s in tagged.sections} == {"hist", "other"}
    both = exam_at(store, scope=Scope(decks=("hist",), tags=("beria",)))
    assert (both.cards, both.decks, both.tags) == (2, ("hist",), ("beria",))
    with pytest.raises(NotFoundError, match="no deck named 'nope'"):
        exam_at(store, scope=Scope(decks=("nope",)))


def test_exam_must_be_after_today(store: Store, cards: dict[str, int]) -> None:
    with pytest.raises(StalindeckError, match="is today"):
        exam_at(store, T0.date())
    with pytest.raises(StalindeckError, match=r"in the past .* e\.g\. 2026-06-05"):
        exam_at(store, T0.date() - DAY)
    with pytest.raises(StalindeckError, match="0 or more"):
        exam_at(store, new_per_day=-1)
    assert parse_exam_date(" 2027-06-05 ", T0.date()) == date(2027, 6, 5)
    for text in ("2027-13-01", "5 June 2027", "20270605", ""):
        with pytest.raises(StalindeckError, match=r"YYYY-MM-DD, e\.g\. 2026-06-05"):
            parse_exam_date(text, T0.date())


# -- the command --------------------------------------------------------------------------------

runner = CliRunner()


def run(db: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(
        app, ["--db", str(db), "exam", *args], env={"COLUMNS": "80", "NO_COLOR": "1"}
    )
    return result.exit_code, result.stdout, result.stderr


def study_today() -> date:
    """Today as the program counts it: before the 4 am rollover, still yesterday."""
    return study_date(datetime.now(UTC))


def future(days: int = 100) -> str:
    return (study_today() + timedelta(days=days)).isoformat()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_past_or_bad_date_writes_nothing(tmp_path: Path, db_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    for bad in ("2020-01-01", study_today().isoformat(), "2027-13-45"):
        code, out, err = run(fresh, bad)
        assert code == 1 and out == ""
        assert err.startswith("error: ") and err.count("\n") == 1
        assert "YYYY-MM-DD, e.g. " in err and "Traceback" not in err
        assert not fresh.exists()  # not even the first-run import of the bundled decks
    before = digest(db_path)
    assert run(db_path, "2020-01-01")[0] == 1
    assert digest(db_path) == before
    assert "is in the past" in run(db_path, "2020-01-01")[2]
    code, out, err = run(db_path, "9999-12-31")  # the plan walks every day up to it
    assert code == 1 and "is more than 10 years away; give a date up to " in err
    assert err.count("\n") == 1


JSON_KEYS = {
    "schema", "now", "today", "exam_date", "exam_at", "days_left", "decks", "tags",
    "new_per_day", "desired_retention", "cards", "seen", "stop", "keep_up", "at_risk",
    "topics", "sections", "workload", "new_cards",
}  # fmt: skip


def test_json_schema(db_path: Path) -> None:
    code, out, _err = run(db_path, future(40), "--json", "--new-per-day", "30")
    assert code == 0
    data = json.loads(out)
    assert set(data) == JSON_KEYS
    assert data["schema"] == 1 and data["days_left"] == 40 and data["new_per_day"] == 30
    assert set(data["stop"]) == set(data["keep_up"]) == {"recall", "remembered"}
    assert set(data["topics"][0]) == {"tag", "cards", "stop", "keep_up"}
    assert set(data["sections"][0]) == {"deck", "section", "cards", "stop", "keep_up"}
    assert set(data["workload"]) == {"days", "total", "mean", "peak"}
    assert set(data["workload"]["days"][0]) == {"date", "reviews"}
    assert set(data["new_cards"]) == {
        "count", "introduced", "all_introduced_on", "lead_days", "needed_per_day",
    }  # fmt: skip
    assert data["exam_at"].endswith("Z") and len(data["workload"]["days"]) == 40
    # The bundled deck's new cards, 30 a day: all introduced on the day the last 30 start.
    from stalindeck.decks.toml_deck import deck_files, load_deck
    from stalindeck.resources import bundled_decks_dir

    bundled = sum(len(load_deck(path).cards) for path in deck_files([bundled_decks_dir()]))
    assert data["new_cards"]["introduced"] == data["cards"] == bundled
    today = date.fromisoformat(data["today"])
    last_day = (bundled - 1) // 30
    assert data["new_cards"]["all_introduced_on"] == (today + last_day * DAY).isoformat()


def test_screen_fits_80_columns_and_shows_deck_text_literally(
    db_path: Path, write_deck: Callable[..., Path]
) -> None:
    hostile = (
        'id = "evil"\nname = "Evil"\n\n[[cards]]\nid = "x"\n'
        'section = "[bold red]Sec[/bold red] \\u001b[31m\\u202eTail"\nfront = "X?"\nback = "x"\n'
    )
    deck = write_deck(hostile)
    assert runner.invoke(app, ["--db", str(db_path), "import", str(deck)]).exit_code == 0
    code, out, err = run(db_path, future(200))
    assert code == 0, err
    assert all(len(line) <= 80 for line in out.splitlines())
    for phrase in ("If you stop now", "If you keep reviewing", "Topics, weakest first"):
        assert phrase in out
    assert "one column = 4 days (their mean)" in out  # 200 days in at most 66 columns
    assert "[bold red]Sec[/bold red]" in out
    assert "\x1b" not in out and "\u202e" not in out
    code, out, _err = run(db_path, future(200), "evil")
    assert code == 0 and "1 card" in out
    code, _out, err = run(db_path, future(200), "nope")
    assert code == 1 and "no deck named 'nope'" in err


def test_to_json_round_trips_dates(store: Store, cards: dict[str, int]) -> None:
    data = to_json(exam_at(store))
    assert data["exam_date"] == "2026-04-01" and data["exam_at"] == "2026-04-01T04:00:00Z"
    assert data["workload"]["days"][0] == {"date": "2026-03-02", "reviews": 10}
    json.dumps(data)


def test_the_stored_exam_date_is_the_default(db_path: Path) -> None:
    def settings(*args: str) -> None:
        result = runner.invoke(app, ["--db", str(db_path), "settings", *args])
        assert result.exit_code == 0, result.stderr

    code, _, err = run(db_path, "June")  # not a date: a deck name, and no date stored
    assert code == 1
    assert err.splitlines()[-1].startswith("error: no exam date") and "settings exam_date" in err
    settings("exam_date", future(30))
    code, out, err = run(db_path, "--json")
    assert code == 0, err
    assert json.loads(out)["exam_date"] == future(30)
    # A first word that is not shaped like a date is a deck; "1953-1964" is a name too.
    code, out, err = run(db_path, "khrushchev-destalinisation", "--json")
    assert code == 0, err
    assert json.loads(out)["exam_date"] == future(30)
    code, _, err = run(db_path, "1953-1964")
    assert code == 1 and "1953-1964" in err and "deck" in err
    # A date given wins over the stored one.
    code, out, _ = run(db_path, future(60), "--json")
    assert code == 0 and json.loads(out)["exam_date"] == future(60)
    # A stored date that has since passed (`settings` refuses a past date when it is set).
    store = open_store(str(db_path))
    save_value(store, spec_for("exam_date"), date(2020, 1, 1))
    store.close()
    code, _, err = run(db_path)
    assert code == 1 and "stored exam date 2020-01-01" in err


def test_a_long_workload_of_quiet_days_labels_its_axis_with_their_mean() -> None:
    from stalindeck.stats.exam import DayAnswers, Workload
    from stalindeck.ui.exam_view import workload_chart

    start = date(2027, 1, 1)
    days = tuple(DayAnswers(start + timedelta(days=n), 1 if n % 5 == 0 else 0) for n in range(600))
    chart = workload_chart(Workload(days, total=120, mean=0.2, peak=days[0])).plain
    assert chart.splitlines()[0].startswith("0.2 │")  # not "0" over a drawn bar
    assert "one column = " in chart
