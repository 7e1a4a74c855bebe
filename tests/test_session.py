"""The review session state machine, driven with a fixed clock and no terminal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs
import pytest
from sqlalchemy import bindparam, text

from stalindeck.decks.importing import import_paths
from stalindeck.errors import NotFoundError
from stalindeck.review.session import Counts, ReviewSession, Source
from stalindeck.scheduling.fsrs_bridge import SchedulerSettings
from stalindeck.scheduling.limits import Limits
from stalindeck.store.models import LEARNING, NEW, RELEARNING, REVIEW, to_millis
from stalindeck.store.open import Store
from stalindeck.store.queue import Filter

from .conftest import T0, FakeClock

NO_FUZZ = SchedulerSettings(enable_fuzzing=False)


def deck_text(count: int, *, reverse_first: bool = False, tag_every: int = 0) -> str:
    lines = ['id = "demo"', 'name = "Demo"', ""]
    for number in range(count):
        lines += ["[[cards]]", f'id = "c{number}"', f'front = "Q{number}"', f'back = "A{number}"']
        if reverse_first and number == 0:
            lines.append("reverse = true")
        if tag_every and number % tag_every == 0:
            lines.append('tags = ["special"]')
        lines.append("")
    return "\n".join(lines)


@pytest.fixture
def demo(store: Store, write_deck: Callable[..., Path], clock: FakeClock) -> Store:
    import_paths(store, [write_deck(deck_text(30, reverse_first=True, tag_every=10))], clock())
    return store


def session(store: Store, clock: FakeClock, **options: object) -> ReviewSession:
    return ReviewSession(store, clock=clock, settings=NO_FUZZ, **options)  # type: ignore[arg-type]


def state_of(store: Store, key: str) -> dict[str, object]:
    with store.engine.connect() as connection:
        row = (
            connection.execute(
                text(
                    "SELECT s.* FROM card_states s JOIN cards c ON c.id = s.card_id "
                    "WHERE c.key = :k"
                ),
                {"k": key},
            )
            .mappings()
            .one()
        )
    return dict(row)


def make_learnt(store: Store, keys: list[str], *, stability: float, last: int, due: int) -> None:
    """Put the cards `keys` in review, last reviewed and due at these epoch milliseconds."""
    with store.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE card_states SET state = :review, stability = :stability, "
                "difficulty = 5.0, due = :due, last_review = :last, reps = 3, buried_until = NULL "
                "WHERE card_id IN (SELECT id FROM cards WHERE key IN :keys)"
            ).bindparams(bindparam("keys", expanding=True)),
            {"review": REVIEW, "stability": stability, "due": due, "last": last, "keys": keys},
        )


def review_count(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM reviews")).scalar_one())


def test_new_cards_limited_and_in_deck_order(demo: Store, clock: FakeClock) -> None:
    review = session(demo, clock)
    assert review.counts().new == 20
    first = review.next_card()
    assert first is not None and first.card.key == "c0" and first.source is Source.NEW


def test_answer_commits_before_next_card(demo: Store, clock: FakeClock) -> None:
    review = session(demo, clock)
    review.next_card()
    clock.advance(seconds=7)
    review.answer(3)
    assert review_count(demo) == 1  # durable before anything else is drawn
    with demo.engine.connect() as connection:
        row = connection.execute(
            text("SELECT grade, duration_ms, state_before, state_after FROM reviews")
        ).one()
    assert tuple(row) == (3, 7000, NEW, LEARNING)


def test_intervals_shown_are_applied_with_fuzz(demo: Store, clock: FakeClock) -> None:
    review = ReviewSession(demo, clock=clock)  # fuzz on
    shown = review.next_card()
    assert shown is not None
    easy = shown.interval(4)
    after = review.answer(4)
    assert after.due == clock() + easy


def test_state_matches_fsrs_for_a_sequence(demo: Store, clock: FakeClock) -> None:
    review = session(demo, clock, new_limit=1)
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    shown = review.next_card()
    assert shown is not None
    expected = fsrs.Card(card_id=shown.card.card_id, due=clock())
    for grade in (3, 3, 1, 3, 4, 2):
        expected, _ = scheduler.review_card(expected, fsrs.Rating(grade), clock())
        after = review.answer(grade)
        assert after.due == expected.due
        clock.now = expected.due + timedelta(hours=1)  # come back an hour after it fell due
        review = session(demo, clock, new_limit=0)
        shown = review.next_card()
        assert shown is not None and shown.card.key == "c0"
    stored = state_of(demo, "c0")
    assert stored["state"] == int(expected.state)
    assert stored["step"] == expected.step
    assert stored["stability"] == pytest.approx(expected.stability)
    assert stored["difficulty"] == pytest.approx(expected.difficulty)
    assert stored["due"] == int(expected.due.timestamp() * 1000)
    assert stored["reps"] == 6 and stored["lapses"] == 1


def test_learning_card_comes_back_within_learn_ahead(demo: Store, clock: FakeClock) -> None:
    review = session(demo, clock, new_limit=1)
    review.next_card()
    review.answer(1)  # Again: back in 1 minute
    again = review.next_card()  # nothing else: learn-ahead shows it now (1m < 20m)
    assert again is not None and again.card.key == "c0" and again.source is Source.LEARNING
    review.answer(3)
    assert review.counts().learning == 1  # 10-minute step is still within the window
    review.answer(3) if review.next_card() else None
    assert review.next_card() is None  # graduated to review, due in days


def test_learning_step_preferred_when_due(demo: Store, clock: FakeClock) -> None:
    review = session(demo, clock, new_limit=3)
    review.next_card()
    review.answer(1)
    clock.advance(minutes=2)
    shown = review.next_card()
    assert shown is not None and shown.card.key == "c0" and shown.source is Source.LEARNING


def test_review_limit_and_order(demo: Store, clock: FakeClock) -> None:
    with demo.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE card_states SET state = 2, stability = 5, difficulty = 5, step = NULL, "
                "reps = 1, last_review = :t - 86400000 * 6, "
                "due = :t - 3600000 * (SELECT position FROM cards WHERE cards.id = card_id)"
            ),
            {"t": int(clock().timestamp() * 1000)},
        )
    review = session(demo, clock, limits=Limits(reviews_per_day=5), new_limit=0)
    assert review.counts().review == 5
    first = review.next_card()
    assert first is not None and first.source is Source.REVIEW
    assert first.card.key == "c29"  # most overdue first


def test_day_rollover_resets_limits(demo: Store, clock: FakeClock) -> None:
    review = session(demo, clock, limits=Limits(new_per_day=2))
    for _ in range(2):
        review.next_card()
        review.answer(4)
    assert session(demo, clock, limits=Limits(new_per_day=2)).counts().new == 0
    local = clock().astimezone()
    tomorrow = (local + timedelta(days=1)).replace(hour=4, minute=1)
    clock.now = tomorrow.astimezone(UTC)
    assert session(demo, clock, limits=Limits(new_per_day=2)).counts().new == 2


def test_siblings_buried_until_tomorrow(demo: Store, clock: FakeClock) -> None:
    review = session(demo, clock)
    first = review.next_card()
    assert first is not None and first.card.key == "c0"
    review.answer(3)
    shown = []
    while (card := review.next_card()) is not None:
        shown.append(card.card.key)
        review.answer(4)
    assert "c0/reverse" not in shown
    buried = state_of(demo, "c0/reverse")["buried_until"]
    assert isinstance(buried, int) and buried > clock().timestamp() * 1000


def test_undo_puts_back_only_the_siblings_this_session_had_queued(
    demo: Store, clock: FakeClock
) -> None:
    # A session holds one card per entry, so c0/reverse is not in it: burying it and undoing
    # that must not bring it in (the counts once said one more new card after an undo).
    review = session(demo, clock, new_limit=1)
    first = review.next_card()
    assert first is not None and first.card.key == "c0"
    before = review.counts()
    review.answer(4)
    assert review.next_card() is None
    again = review.undo()
    assert again is not None and again.card.key == "c0"
    assert review.counts() == before
    assert state_of(demo, "c0/reverse")["buried_until"] is None
    # Two due review siblings: the session holds one per entry, as for new cards.
    due = to_millis(clock() - timedelta(days=1))
    make_learnt(demo, ["c0", "c0/reverse", "c1"], stability=5.0, last=due - 432_000_000, due=due)
    review = session(demo, clock, new_limit=0)
    queued = [entry.card_id for entry in review._reviews]
    assert len(queued) == 2
    first = review.next_card()
    assert first is not None and first.card.key in ("c0", "c0/reverse")
    before = review.counts()
    review.answer(3)
    assert state_of(demo, "c0/reverse" if first.card.key == "c0" else "c0")["buried_until"]
    assert review.next_card() is not None
    review.undo()
    assert review.counts() == before
    assert [entry.card_id for entry in review._reviews] == queued[1:]


def test_an_entry_with_a_card_due_today_brings_no_sibling_and_the_next_one_fills_in(
    demo: Store, clock: FakeClock
) -> None:
    # c0 is a due review and c0/reverse still new: answering c0 would bury its reverse, so the
    # reverse is not among today's new cards, and the day's twenty come from other entries.
    due = to_millis(clock() - timedelta(days=1))
    make_learnt(demo, ["c0"], stability=5.0, last=due - 432_000_000, due=due)
    review = session(demo, clock)
    assert review.counts().new == 20 == review.left_today().new
    keys = []
    while (shown := review.next_card()) is not None:
        keys.append(shown.card.key)
        review.answer(4)  # Easy: nothing comes back today
    assert "c0/reverse" not in keys and keys.count("c0") == 1 and len(keys) == 21


def test_undo_puts_a_sibling_the_answer_took_out_back_in_its_queue(
    demo: Store, clock: FakeClock
) -> None:
    # Reviewing ahead: c0 is relearning, due now, and c0/reverse a learnt review card in the
    # queue of cards to go over. Answering c0 buries its reverse; undoing it brings it back.
    make_learnt(demo, ["c0", "c0/reverse"], stability=5.0, last=to_millis(clock()), due=0)
    with demo.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE card_states SET state = :relearning, step = 0, due = :due "
                "WHERE card_id = (SELECT id FROM cards WHERE key = 'c0')"
            ),
            {"relearning": RELEARNING, "due": to_millis(clock() - timedelta(minutes=1))},
        )
    review = session(demo, clock, ahead=True)
    reverse = next(e.card_id for e in review._reviews if e.note == "c0")
    shown = review.next_card()
    assert shown is not None and shown.card.key == "c0"
    before = review.counts()
    review.answer(3)
    assert reverse not in [entry.card_id for entry in review._reviews]  # buried, taken out
    review.undo()
    assert review.counts() == before
    assert reverse in [entry.card_id for entry in review._reviews]


def test_undo_several_steps(demo: Store, clock: FakeClock) -> None:
    review = session(demo, clock)
    keys = []
    for _ in range(3):
        shown = review.next_card()
        assert shown is not None
        keys.append(shown.card.key)
        review.answer(3)
    assert review_count(demo) == 3
    for key in reversed(keys):
        restored = review.undo()
        assert restored is not None and restored.card.key == key
    assert review_count(demo) == 0
    assert state_of(demo, "c0")["state"] == NEW
    assert state_of(demo, "c0/reverse")["buried_until"] is None  # sibling unburied
    assert review.summary.answered == 0
    assert review.undo() is None  # nothing left... but the card on screen stays
    assert review.current is not None and review.current.card.key == "c0"


def test_suspend_and_bury_with_undo(demo: Store, clock: FakeClock) -> None:
    review = session(demo, clock)
    first = review.next_card()
    assert first is not None
    review.suspend()
    assert state_of(demo, first.card.key)["suspended"] == 1
    second = review.next_card()
    assert second is not None
    review.bury()
    assert state_of(demo, second.card.key)["buried_until"] is not None
    assert review.undo() is not None and state_of(demo, second.card.key)["buried_until"] is None
    assert review.undo() is not None and state_of(demo, first.card.key)["suspended"] == 0
    fresh = session(demo, clock)
    assert fresh.counts().new == 20


def test_filters_and_unknown_deck(demo: Store, clock: FakeClock) -> None:
    tagged = session(demo, clock, where=Filter(tags=("special",)))
    assert tagged.counts().new == 3  # c0 (its reverse is a sibling: not the same day), c10, c20
    assert session(demo, clock, where=Filter(decks=("Demo",))).counts().new == 20
    with pytest.raises(NotFoundError, match="no deck named 'nope'"):
        session(demo, clock, where=Filter(decks=("nope",)))


def test_card_limit(demo: Store, clock: FakeClock) -> None:
    review = session(demo, clock, card_limit=2)
    assert review.counts().new == 2
    for _ in range(2):
        review.next_card()
        review.answer(4)
    assert review.next_card() is None


def test_minutes_budget_puts_reviews_first_and_stops(demo: Store, clock: FakeClock) -> None:
    with demo.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE card_states SET state = 2, stability = 5, difficulty = 5, step = NULL, "
                "reps = 1, last_review = :t - 86400000 * 6, due = :t - 1000 "
                "WHERE card_id BETWEEN 3 AND 5"
            ),
            {"t": int(clock().timestamp() * 1000)},
        )
    review = session(demo, clock, minutes=2)
    sources = []
    while (shown := review.next_card()) is not None:
        sources.append(shown.source)
        clock.advance(seconds=20)
        review.answer(4)
    # Reviews first; a new card only while ~45 s for it still fit in the 2 minutes.
    assert sources == [Source.REVIEW] * 3 + [Source.NEW]


def test_edit_reload_keeps_history(
    demo: Store, clock: FakeClock, write_deck: Callable[..., Path]
) -> None:
    review = session(demo, clock)
    shown = review.next_card()
    assert shown is not None
    write_deck(deck_text(30, reverse_first=True, tag_every=10).replace('"Q0"', '"Q0 edited"'))
    import_paths(demo, [Path(shown.card.deck_path)], clock())
    reloaded = review.reload_current()
    assert reloaded is not None and reloaded.card.front == "Q0 edited"
    assert reloaded.card.card_id == shown.card.card_id


def test_next_due_reported(demo: Store, clock: FakeClock) -> None:
    review = session(demo, clock, new_limit=1)
    review.next_card()
    review.answer(4)
    assert review.next_card() is None
    due = review.next_due()
    assert due is not None and due - clock() > timedelta(days=1)
    assert state_of(demo, "c0")["state"] == REVIEW


def test_grade_validation(demo: Store, clock: FakeClock) -> None:
    review = session(demo, clock)
    review.next_card()
    with pytest.raises(ValueError, match="grade must be"):
        review.answer(5)


def test_duration_capped(demo: Store, clock: FakeClock) -> None:
    review = session(demo, clock)
    review.next_card()
    clock.advance(minutes=30)
    review.answer(3)
    with demo.engine.connect() as connection:
        assert connection.execute(text("SELECT duration_ms FROM reviews")).scalar() == 60_000


def test_times_are_utc(demo: Store, clock: FakeClock) -> None:
    review = session(demo, clock)
    shown = review.next_card()
    assert shown is not None and shown.shown_at.tzinfo is UTC
    assert isinstance(clock(), datetime)


@pytest.mark.parametrize("state", [1, 3])  # learning, relearning
def test_a_learning_card_stored_without_its_step_can_still_be_answered(state: int) -> None:
    import fsrs

    from stalindeck.scheduling.fsrs_bridge import Memory, make_scheduler, to_fsrs

    memory = Memory(state, None, 1.2, 5.0, T0, T0 - timedelta(minutes=1), 1, 0)
    card = to_fsrs(7, memory, T0)
    assert card.step == 0
    reviewed, _ = make_scheduler().review_card(card, fsrs.Rating.Good, T0)
    assert reviewed.due > T0


def test_next_due_counts_a_buried_card_from_when_it_comes_back(
    demo: Store, clock: FakeClock
) -> None:
    back = clock() + timedelta(hours=16)  # the next study day
    with demo.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE card_states SET state = 2, stability = 5, difficulty = 5, due = :due,"
                " last_review = :last, buried_until = :back WHERE card_id = (SELECT id FROM"
                " cards WHERE key = 'c0/reverse')"
            ),
            {
                "due": to_millis(clock() + timedelta(minutes=1)),
                "last": to_millis(clock() - timedelta(days=5)),
                "back": to_millis(back),
            },
        )
    review = session(demo, clock, new_limit=0)
    assert review.next_card() is None
    assert review.next_due() == back  # not in a minute: it is buried until then


def test_review_ahead_takes_learnt_cards_weakest_first(demo: Store, clock: FakeClock) -> None:
    # Three review cards, none due: c3 was last seen 10 days ago with a 5-day stability (the
    # weakest), c1 2 days ago with 40 days, c2 20 days ago with 100 days.
    for key, stability, days in (("c1", 40.0, 2), ("c2", 100.0, 20), ("c3", 5.0, 10)):
        with demo.engine.begin() as connection:
            connection.execute(
                text(
                    "UPDATE card_states SET state = 2, stability = :s, difficulty = 5, reps = 3,"
                    " due = :due, last_review = :last"
                    " WHERE card_id = (SELECT id FROM cards WHERE key = :key)"
                ),
                {
                    "s": stability, "key": key,
                    "due": to_millis(clock() + timedelta(days=30)),
                    "last": to_millis(clock() - timedelta(days=days)),
                },
            )  # fmt: skip
    normal = session(demo, clock, new_limit=0)
    assert normal.next_card() is None  # nothing is due
    normal.close()
    ahead = session(demo, clock, ahead=True)
    assert ahead.counts() == Counts(new=0, learning=0, review=3)  # no new cards
    order = []
    while (shown := ahead.next_card()) is not None:
        order.append(shown.card.key)
        ahead.answer(3)
    assert order == ["c3", "c2", "c1"]
    # Ordinary reviews: the early answer moved the card's next review.
    assert state_of(demo, "c3")["due"] != to_millis(clock() + timedelta(days=30))
    ahead.close()
    limited = session(demo, clock, ahead=True, card_limit=1)
    assert limited.counts().review == 1
    limited.close()


def test_the_portable_answer_path_records_answers(demo: Store, clock: FakeClock) -> None:
    # Databases other than SQLite (PostgreSQL) answer through SQLAlchemy, not a raw
    # connection; the same path runs here on SQLite, statements that return no rows included.
    review = session(demo, clock)
    review._path.close()  # no held raw connection: the portable path
    shown = review.next_card()
    assert shown is not None
    review.answer(1)
    review.undo()
    review.answer(3)
    assert state_of(demo, shown.card.key)["reps"] == 1
    with demo.engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM reviews")).scalar() == 1
    review.close()


def _reviews_in_store_file(store: Store, tmp_path: Path) -> int:
    """Reviews in the store file itself, leaving out what is still only in its write-ahead log."""
    import shutil
    import sqlite3

    assert store.path is not None
    copy = tmp_path / "file-only.db"
    shutil.copyfile(store.path, copy)  # without the -wal file beside it
    with sqlite3.connect(copy) as connection:
        found = int(connection.execute("SELECT count(*) FROM reviews").fetchone()[0])
    connection.close()
    return found


def test_log_checkpoints_wait_for_the_student_to_read(
    demo: Store, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stalindeck.store import answer_path

    monkeypatch.setattr(answer_path, "CHECKPOINT_EVERY", 3)
    review = session(demo, clock)
    review.idle()  # nothing to do yet
    for _ in range(3):
        assert review.next_card() is not None
        review.answer(3)
    assert review_count(demo) == 3  # durable, in the log ...
    assert _reviews_in_store_file(demo, tmp_path) == 0  # ... and no answer paid for a checkpoint
    assert review.next_card() is not None
    review.idle()
    assert _reviews_in_store_file(demo, tmp_path) == 3
    review.answer(3)
    review.idle()  # one answer since: not yet
    assert _reviews_in_store_file(demo, tmp_path) == 3
    connection = review._path._db
    assert connection is not None
    assert connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] > 1000
    review.close()  # the connection goes back to the pool with SQLite's usual trigger
    assert connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000


def test_line_mode_does_its_housekeeping_while_a_card_is_read(
    demo: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from stalindeck.ui.line_mode import LineMode

    review = session(demo, clock)
    calls: list[int] = []
    monkeypatch.setattr(review, "idle", lambda: calls.append(review.summary.answered))
    lines = iter(["", "3", "", "3", "q"])
    LineMode(review, lambda: next(lines, None), io.StringIO()).run()
    assert calls == [0, 1, 2]  # once per card drawn, before its answer
    review.close()


def test_next_card_is_read_while_the_student_reads(
    demo: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    review = session(demo, clock)
    first = review.next_card()
    assert first is not None
    review.idle()  # reads the heads of the queues now
    loads: list[int] = []
    real_load = review._path.load_card
    monkeypatch.setattr(
        review._path, "load_card", lambda card_id: loads.append(card_id) or real_load(card_id)
    )
    review.answer(3)
    second = review.next_card()
    assert second is not None and second.card.key != first.card.key
    assert loads == []  # it was ready
    assert second == review._show(real_load(second.card.card_id), second.source, second.shown_at)  # type: ignore[arg-type]
    review.close()


def test_a_card_changed_elsewhere_after_it_was_read_ahead_is_read_again(
    demo: Store, clock: FakeClock
) -> None:
    import sqlite3

    assert demo.path is not None
    review = session(demo, clock)
    first = review.next_card()
    assert first is not None
    review.idle()
    upcoming = review._new[0].card_id
    with sqlite3.connect(demo.path) as other:  # another process edits the deck meanwhile
        other.execute("UPDATE cards SET front = 'Edited meanwhile' WHERE id = ?", (upcoming,))
    other.close()
    review.answer(3)
    second = review.next_card()
    assert second is not None and second.card.card_id == upcoming
    assert second.card.front == "Edited meanwhile"
    # And one suspended elsewhere after being read ahead is not shown at all.
    review.idle()
    following = review._new[0].card_id
    with sqlite3.connect(demo.path) as other:
        other.execute("UPDATE card_states SET suspended = 1 WHERE card_id = ?", (following,))
    other.close()
    review.answer(3)
    third = review.next_card()
    assert third is not None and third.card.card_id != following
    review.close()


def test_review_ahead_takes_equally_weak_cards_in_deck_order(demo: Store, clock: FakeClock) -> None:
    # Answered in the same millisecond (a script can), c2 and c10 are equally weak; keys sort
    # c10 before c2, the deck has c2 first.
    last = to_millis(clock() - timedelta(days=2))
    make_learnt(demo, ["c2", "c10"], stability=8.0, last=last, due=last + 691_200_000)
    review = session(demo, clock, ahead=True)
    first = review.next_card()
    assert first is not None and first.card.key == "c2"
    review.answer(3)
    second = review.next_card()
    assert second is not None and second.card.key == "c10"
    review.close()


def test_a_failing_checkpoint_does_not_stop_reviewing(
    demo: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from stalindeck.store import answer_path

    monkeypatch.setattr(answer_path, "CHECKPOINT_EVERY", 1)
    review = session(demo, clock)
    real = review._path._db
    assert real is not None

    class FullDisk:
        def execute(self, sql: str, *args: object) -> object:
            if "wal_checkpoint" in sql:
                raise sqlite3.OperationalError("database or disk is full")
            return real.execute(sql, *args)  # type: ignore[arg-type]

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

    review._path._db = FullDisk()  # type: ignore[assignment]
    for _ in range(2):
        assert review.next_card() is not None
        review.idle()
        review.answer(3)
    assert review_count(demo) == 2
    review._path._db = real
    review.close()


def test_a_card_whose_question_was_edited_away_comes_back_as_a_new_card(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    """A spreadsheet row is matched by its question: editing it (the edit key) retires the
    card and adds a new one, which the session picks up first instead of ending."""
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("front,back\nWho led the secret police?,Beria\nQ2,A2\n", encoding="utf-8")
    import_paths(store, [sheet], clock())
    review = session(store, clock)
    shown = review.next_card()
    assert shown is not None and shown.card.front == "Who led the secret police?"
    sheet.write_text("front,back\nWho ran the MVD?,Beria\nQ2,A2\n", encoding="utf-8")
    import_paths(store, [sheet], clock())
    assert review.reload_current() is None
    assert review.take_new_arrivals() == 1
    assert [review.next_card().card.front for _ in range(2)] == ["Who ran the MVD?", "Q2"]  # type: ignore[union-attr]
    assert review.take_new_arrivals() == 0


def test_new_arrivals_stay_within_the_days_allowance(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("front,back\nQ1,A1\nQ2,A2\n", encoding="utf-8")
    import_paths(store, [sheet], clock())
    review = session(store, clock, limits=Limits(new_per_day=2))
    shown = review.next_card()
    assert shown is not None and shown.card.front == "Q1"
    sheet.write_text("front,back\nQ1,A1\nQ2,A2\nQ3,A3\n", encoding="utf-8")
    import_paths(store, [sheet], clock())
    assert review.reload_current() is not None
    assert review.take_new_arrivals() == 0  # Q1 on screen and Q2 queued fill the day's two


def test_new_arrivals_stay_within_the_sessions_own_new_limit(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("front,back\nQ1,A1\nQ2,A2\nQ3,A3\n", encoding="utf-8")
    import_paths(store, [sheet], clock())
    review = session(store, clock, new_limit=2)  # `review --new 2`
    for _ in range(2):
        assert review.next_card() is not None
        review.answer(4)
    assert review.next_card() is None
    sheet.write_text("front,back\nQ1,A1\nQ2,A2\nQ3,A3\nQ4,A4\n", encoding="utf-8")
    import_paths(store, [sheet], clock())
    assert review.take_new_arrivals() == 0 and review.counts().new == 0
    one = session(store, clock, new_limit=2)
    assert one.next_card() is not None  # Q3, the first of the two
    sheet.write_text("front,back\nQ0,A0\nQ1,A1\nQ2,A2\nQ3,A3\nQ4,A4\n", encoding="utf-8")
    import_paths(store, [sheet], clock())
    assert one.take_new_arrivals() == 0  # Q3 on screen and Q4 queued are the two


def test_one_card_per_entry_even_when_entries_have_many_siblings(
    store: Store, write_deck: Callable[..., Path], clock: FakeClock
) -> None:
    # Clozes of 9 deletions: the first cards read for a queue of 3 are all one entry's, so
    # the queue must read further to find 3 entries.
    lines = ['id = "many"', 'name = "Many"', ""]
    for number in range(6):
        deletions = " ".join(f"{{{{w{number}x{index}}}}}" for index in range(9))
        lines += ["[[cards]]", f'id = "n{number}"', f'text = "{deletions}"', ""]
    import_paths(store, [write_deck("\n".join(lines), "many.toml")], clock())
    from stalindeck.store.counts import store_runner
    from stalindeck.store.gather import Gathered, Scope, gather

    def today(reviews: int, new: int) -> Gathered:
        run, end = store_runner(store), clock() + timedelta(days=1)
        return gather(run, store.profile_id, clock(), end, Scope(), reviews, new)

    everything = today(0, 1000).new
    assert len(everything) == 6  # one card per entry, every entry
    three = today(0, 3).new
    assert three == everything[:3]
    with store.engine.connect() as connection:
        firsts = connection.execute(
            text(
                "SELECT c.id FROM cards c WHERE c.position = "
                "(SELECT MIN(o.position) FROM cards o WHERE o.note = c.note) ORDER BY c.position"
            )
        ).scalars()
        assert [entry.card_id for entry in everything] == list(firsts)
    make_learnt(store, [f"n{n}/c{i}" for n in range(6) for i in range(1, 10)], stability=3.0,
                last=to_millis(T0), due=to_millis(T0))  # fmt: skip
    due = today(2, 0).reviews
    assert len(due) == 2 and len({entry.note for entry in due}) == 2


def test_the_closing_lines_tell_learning_steps_due_now_from_later_ones(
    demo: Store, clock: FakeClock
) -> None:
    from stalindeck.ui.summary import summary_lines

    one_new = Limits(new_per_day=1)
    review = session(demo, clock, limits=one_new)
    assert review.next_card() is not None
    review.answer(1)  # Again: its 1-minute step is shown again in this session
    assert review.next_card() is not None  # on screen when the student quits
    lines = summary_lines(review, clock())
    assert "Left for today: 1 in learning; `stalindeck review` goes on." in lines
    assert not any(line.startswith("Next card due") for line in lines)
    # A step an hour away: a review now would show nothing, and the line says when.
    hourly = SchedulerSettings(enable_fuzzing=False, learning_steps=(timedelta(hours=1),))
    review = ReviewSession(demo, clock=clock, settings=hourly, limits=one_new)
    review.next_card()
    review.answer(1)
    lines = summary_lines(review, clock())
    assert "Left for today: 1 in learning, the first due in 1h (" in lines[1]
    assert "goes on" not in lines[1] and len(lines) == 2
