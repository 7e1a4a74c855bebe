"""Per-profile settings: the `settings` command, what reaches the store, and the commands that
obey them (`review`, `status`, `card`)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.review.session import ReviewSession
from stalindeck.scheduling import settings as s
from stalindeck.scheduling.fsrs_bridge import make_scheduler
from stalindeck.store.open import Store, open_store

from .conftest import FakeClock
from .test_session import deck_text

runner = CliRunner()


def run(db: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(
        app, ["--db", str(db), *args], input=input, env={"COLUMNS": "100", "NO_COLOR": "1"}
    )
    return result.exit_code, result.stdout, result.stderr


def stored(db: Path, profile: int = 1) -> dict[str, object]:
    """The settings rows, read with a connection of our own: what really reached the disk."""
    connection = sqlite3.connect(db)
    try:
        rows = connection.execute(
            "SELECT key, value FROM settings WHERE profile_id = ?", (profile,)
        ).fetchall()
    finally:
        connection.close()
    return {key: json.loads(value) for key, value in rows}


def put_raw(db: Path, key: str, value: str, profile: int = 1) -> None:
    connection = sqlite3.connect(db)
    try:
        with connection:
            connection.execute(
                "INSERT OR REPLACE INTO settings (profile_id, key, value) VALUES (?, ?, ?)",
                (profile, key, value),
            )
    finally:
        connection.close()


PARAMETERS = (
    0.3, 1.5, 2.5, 9.0, 6.0, 0.8, 3.0, 0.01, 1.9, 0.2, 0.8, 1.5, 0.06, 0.3,
    1.6, 0.6, 1.9, 0.5, 0.1, 0.07, 0.2,
)  # fmt: skip

# key, what is typed, what is stored (JSON), how `settings KEY` shows it
EXAM = (datetime.now(UTC) + timedelta(days=400)).date().isoformat()  # ahead, within 10 years
ROUND_TRIPS = [
    ("new_per_day", "5", 5, "5"),
    ("reviews_per_day", "99999", 99999, "99999"),
    ("rollover_hour", "0", 0, "0"),
    ("desired_retention", "0.85", 0.85, "0.85"),
    ("desired_retention", "95%", 0.95, "0.95"),
    ("learning_steps", "30s 5m 1h 2d", "30s 5m 1h 2d", "30s 5m 1h 2d"),
    ("learning_steps", "1 10", "1m 10m", "1m 10m"),
    ("relearning_steps", "none", "none", "none"),
    ("maximum_interval", "365", 365, "365"),
    ("exam_date", EXAM, EXAM, EXAM),
    ("fsrs_parameters", ", ".join(map(str, PARAMETERS)), list(PARAMETERS), "0.3000, 1.5000"),
]


@pytest.mark.parametrize(("key", "typed", "on_disk", "shown"), ROUND_TRIPS)
def test_a_setting_round_trips_through_the_store(
    db_path: Path, key: str, typed: str, on_disk: object, shown: str
) -> None:
    code, out, err = run(db_path, "settings", key, typed)
    assert code == 0, err
    assert stored(db_path) == {key: on_disk}
    code, out, _ = run(db_path, "settings", key)
    assert code == 0 and out.startswith(f"{key} = {shown}") and "your own" in out
    code, out, _ = run(db_path, "settings", "--json")
    (entry,) = [row for row in json.loads(out) if row["key"] == key]
    assert entry["value"] == on_disk and entry["own"] is True
    code, out, _ = run(db_path, "settings", key, "--reset")
    assert code == 0 and "back to its default" in out
    assert stored(db_path) == {}


BAD = [
    ("new_per_day", "-1", "a whole number from 0 to 9999"),
    ("new_per_day", "10000", "a whole number from 0 to 9999"),
    ("new_per_day", "2.5", "a whole number from 0 to 9999"),
    ("reviews_per_day", "100000", "a whole number from 0 to 99999"),
    ("rollover_hour", "24", "a whole number from 0 to 23"),
    ("desired_retention", "0.5", "a number from 0.70 to 0.99"),
    ("desired_retention", "1", "a number from 0.70 to 0.99"),
    ("desired_retention", "nan", "a number from 0.70 to 0.99"),
    ("desired_retention", "0.955", "(two decimals at most, as Anki takes it (e.g. 0.95))"),
    ("desired_retention", "95.5%", "two decimals at most"),
    ("learning_steps", "", "(no steps given: write none for no steps)"),
    ("relearning_steps", "  ", "write none for no steps"),
    ("learning_steps", "1m 0m", "durations like"),
    ("learning_steps", "10x", "durations like"),
    ("learning_steps", "1.5s", "durations like"),
    ("learning_steps", "31d", "durations like"),
    ("relearning_steps", " ".join(["1m"] * 21), "durations like"),
    ("maximum_interval", "0", "a whole number from 1 to 36500"),
    ("maximum_interval", "36501", "a whole number from 1 to 36500"),
    ("exam_date", "2027-02-30", "a date as YYYY-MM-DD"),
    ("exam_date", "next week", "a date as YYYY-MM-DD"),
    ("fsrs_parameters", "1 2 3", "21 numbers"),
    ("fsrs_parameters", ", ".join(["0.5"] * 21), "21 numbers"),  # w4 below 1
    ("fsrs_parameters", "a b c", "21 numbers"),
]


@pytest.mark.parametrize(("key", "typed", "allowed"), BAD)
def test_a_bad_value_is_one_line_and_changes_nothing(
    db_path: Path, key: str, typed: str, allowed: str
) -> None:
    run(db_path, "settings", "new_per_day", "7")
    code, out, err = run(db_path, "settings", key, typed)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: {key} cannot be ")
    assert allowed in err and f"e.g. `stalindeck settings {key} " in err
    assert "Traceback" not in err
    assert stored(db_path) == {"new_per_day": 7}


@pytest.mark.parametrize("key", ["rollover_hour", "new_per_day", "learning_steps"])
def test_typing_default_as_a_value_points_to_reset(db_path: Path, key: str) -> None:
    run(db_path, "settings", "new_per_day", "7")
    code, _out, err = run(db_path, "settings", key, "default")
    assert code == 1 and err.count("\n") == 1
    assert f"`stalindeck settings {key} --reset`" in err
    assert stored(db_path) == {"new_per_day": 7}


def test_an_exam_date_in_the_past_is_refused(db_path: Path) -> None:
    code, out, err = run(db_path, "settings", "exam_date", "2020-01-01")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert err.startswith("error: the exam date 2020-01-01 is in the past (today is ")
    assert stored(db_path) == {}


def test_unknown_keys_and_misused_options(db_path: Path) -> None:
    code, _, err = run(db_path, "settings", "new_per_dya", "5")
    assert code == 1 and "no setting named 'new_per_dya'; did you mean new_per_day?" in err
    assert run(db_path, "settings", "--reset")[0] == 1
    assert run(db_path, "settings", "new_per_day", "5", "--reset")[0] == 1
    assert run(db_path, "settings", "new_per_day", "5", "--json")[0] == 1
    assert stored(db_path) == {}
    code, out, _ = run(db_path, "settings", "new_per_day", "--reset")
    assert code == 0 and "at its default already" in out


def test_the_listing_shows_every_setting(db_path: Path) -> None:
    run(db_path, "settings", "desired_retention", "0.8")
    code, out, _ = run(db_path, "settings")
    assert code == 0
    for key in s.SPECS:
        assert key in out
    assert "0.80" in out and "0.90" in out
    data = json.loads(run(db_path, "settings", "--json")[1])
    assert [row["key"] for row in data] == list(s.SPECS)
    assert {row["key"]: row["default"] for row in data}["learning_steps"] == "1m 10m"


def test_a_risky_retention_is_stored_with_a_note(db_path: Path) -> None:
    code, _, err = run(db_path, "settings", "desired_retention", "0.98")
    assert code == 0 and "note:" in err
    assert stored(db_path) == {"desired_retention": 0.98}


def test_settings_are_per_profile(db_path: Path) -> None:
    result = runner.invoke(
        app, ["--db", str(db_path), "--profile", "bob", "settings", "new_per_day", "3"]
    )
    assert result.exit_code == 0
    run(db_path, "settings", "new_per_day", "9")
    bob = open_store(str(db_path), "bob")
    try:
        assert s.load_settings(bob).new_per_day == 3
        assert stored(db_path, bob.profile_id) == {"new_per_day": 3}
    finally:
        bob.close()
    assert stored(db_path) == {"new_per_day": 9}


GARBLED = ["not json", "[[[", '"five"', "true", "-3", "1e999", "null", '{"a": 1}', "[1, 2]"]


@pytest.mark.parametrize("raw", GARBLED)
def test_garbled_stored_values_read_as_defaults(db_path: Path, raw: str) -> None:
    for key in s.SPECS:
        put_raw(db_path, key, raw)
    put_raw(db_path, "no_such_key", "1")
    store = open_store(str(db_path))
    try:
        loaded = s.load_settings(store)
        if raw != "null":  # null is a valid "unset" for the exam date and the parameters
            assert loaded == s.DEFAULTS
        make_scheduler(loaded.scheduler())  # usable as it is
    finally:
        store.close()
    code, out, err = run(db_path, "settings")
    assert code == 0, err
    assert "unreadable" in out or raw == "null"
    assert run(db_path, "status")[0] == 0


@given(st.dictionaries(st.sampled_from([*s.SPECS, "other"]), st.text(max_size=40)))
def test_any_stored_text_loads(rows: dict[str, str]) -> None:
    loaded = s.settings_from_rows(rows)
    assert isinstance(loaded, s.Settings)
    assert s.limits_from_rows(rows) == s.settings_from_rows(rows, s.LIMIT_KEYS).limits()


@given(st.lists(st.integers(min_value=1, max_value=30 * 86400), max_size=s.MAX_STEPS))
def test_steps_show_and_parse_back(seconds: list[int]) -> None:
    spec = s.SPECS["learning_steps"]
    steps = tuple(timedelta(seconds=value) for value in seconds)
    assert spec.parse(spec.show(steps)) == steps
    assert spec.decode(spec.encode(steps)) == steps


def test_settings_feed_the_scheduler() -> None:
    settings = s.Settings(
        desired_retention=0.8,
        learning_steps=(),
        relearning_steps=(timedelta(minutes=5),),
        maximum_interval=100,
        fsrs_parameters=PARAMETERS,
    )
    scheduler = make_scheduler(settings.scheduler(enable_fuzzing=False))
    assert scheduler.parameters == PARAMETERS
    assert (scheduler.desired_retention, scheduler.maximum_interval) == (0.8, 100)
    assert scheduler.learning_steps == () and not scheduler.enable_fuzzing
    assert make_scheduler(s.DEFAULTS.scheduler()).parameters == make_scheduler().parameters


# -- the commands that obey the settings -------------------------------------------------------


@pytest.fixture
def thirty(db_path: Path, write_deck: Callable[..., Path]) -> Path:
    code, _, err = run(db_path, "import", str(write_deck(deck_text(30))))
    assert code == 0, err
    return db_path


def new_answered(db: Path) -> int:
    connection = sqlite3.connect(db)
    try:
        (count,) = connection.execute(
            "SELECT COUNT(DISTINCT card_id) FROM reviews WHERE state_before = 0"
        ).fetchone()
    finally:
        connection.close()
    return int(count)


def status_new(db: str) -> int:
    result = runner.invoke(app, ["--db", db, "status", "--json"])
    assert result.exit_code == 0, result.stderr
    return int(json.loads(result.stdout)["total"]["new"])


def test_review_and_status_honour_new_per_day(thirty: Path) -> None:
    slow = f"sqlite:///{thirty}?timeout=5"  # a URL: `status` takes the SQLAlchemy path
    assert status_new(str(thirty)) == status_new(slow) == 20
    run(thirty, "settings", "new_per_day", "5")
    assert status_new(str(thirty)) == status_new(slow) == 5
    code, _, err = run(thirty, "review", input="\n3\n" * 20)
    assert code == 0, err
    assert new_answered(thirty) == 5
    assert status_new(str(thirty)) == status_new(slow) == 0


def test_status_honours_the_rollover_hour(thirty: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(thirty, "settings", "new_per_day", "5")
    run(thirty, "review", input="\n3\n" * 20)
    connection = sqlite3.connect(thirty)
    (last,) = connection.execute("SELECT MAX(reviewed_at) FROM reviews").fetchone()
    connection.close()
    answered = datetime.fromtimestamp(last / 1000, UTC)
    later = answered + timedelta(hours=2)
    monkeypatch.setattr("stalindeck.clock.utc_now", lambda: later)
    slow = f"sqlite:///{thirty}?timeout=5"
    local = answered.astimezone()
    # A day that started 3 hours before the answers is still going on: nothing new left.
    run(thirty, "settings", "rollover_hour", str((local - timedelta(hours=3)).hour))
    assert status_new(str(thirty)) == status_new(slow) == 0
    # A day that started an hour after them is a new day: a new allowance.
    run(thirty, "settings", "rollover_hour", str((local + timedelta(hours=1)).hour))
    assert status_new(str(thirty)) == status_new(slow) == 5


def test_a_session_built_from_the_settings_honours_them(
    store: Store, write_deck: Callable[..., Path], clock: FakeClock
) -> None:
    from stalindeck.decks.importing import import_paths

    import_paths(store, [write_deck(deck_text(30))], clock())
    s.set_setting(store, "new_per_day", "4")
    s.set_setting(store, "learning_steps", "none")
    loaded = s.load_settings(store)
    session = ReviewSession(
        store, clock=clock, limits=loaded.limits(), settings=loaded.scheduler(enable_fuzzing=False)
    )
    assert session.counts().new == 4
    shown = session.next_card()
    assert shown is not None
    # No learning steps: Good on a new card graduates it to review at once, days away.
    assert shown.interval(3) >= timedelta(days=1)
    session.close()


def test_card_detail_uses_the_desired_retention(thirty: Path) -> None:
    run(thirty, "review", "--limit", "1", input="\n4\n")
    code, out, _ = run(thirty, "card", "demo/c0", "--json")
    assert code == 0 and json.loads(out)["target"] == pytest.approx(0.9)
    run(thirty, "settings", "desired_retention", "0.8")
    first = json.loads(out)["below_target"]
    code, out, _ = run(thirty, "card", "demo/c0", "--json")
    assert json.loads(out)["target"] == pytest.approx(0.8)
    assert json.loads(out)["below_target"] > first  # a lower target is reached later


def test_the_forgetting_curve_follows_the_stored_decay() -> None:
    from stalindeck.stats.figures import default_curve

    assert default_curve().decay == pytest.approx(-make_scheduler().parameters[20])
    curve = default_curve(PARAMETERS)
    assert curve.decay == pytest.approx(-0.2)
    # Whatever the decay, retrievability is 90% when t equals the stability.
    assert (1 + curve.factor) ** curve.decay == pytest.approx(0.9)


def test_progress_export_follows_the_stored_parameters(
    thirty: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(thirty, "review", "--limit", "3", input="\n4\n" * 3)
    later = datetime.now(UTC) + timedelta(days=5)
    monkeypatch.setattr("stalindeck.clock.utc_now", lambda: later)

    def retrievability() -> float:
        code, out, err = run(thirty, "export", "progress", "--format", "json")
        assert code == 0, err
        [deck] = [row for row in json.loads(out) if row["kind"] == "deck"]
        return float(deck["avg_retrievability"])

    before = retrievability()
    run(thirty, "settings", "fsrs_parameters", ", ".join(map(str, PARAMETERS)))
    # Same cards, same stabilities; another decay gives another curve between reviews.
    assert retrievability() != pytest.approx(before, abs=1e-9)


def test_decks_counts_due_cards_by_the_stored_study_day(
    thirty: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = sqlite3.connect(thirty)
    with connection:
        # One card due at 03:00 local time tomorrow.
        local_now = datetime.now().astimezone()
        due = (local_now + timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)
        connection.execute(
            "UPDATE card_states SET state = 2, stability = 10, difficulty = 5, due = ?,"
            " last_review = ? WHERE card_id = (SELECT MIN(id) FROM cards)",
            (int(due.timestamp() * 1000), int(local_now.timestamp() * 1000) - 86_400_000),
        )
    connection.close()
    monkeypatch.setattr(
        "stalindeck.clock.utc_now",
        lambda: local_now.replace(hour=12, minute=0, second=0, microsecond=0).astimezone(UTC),
    )

    def due_today() -> str:
        code, out, err = run(thirty, "decks")
        assert code == 0, err
        return out.splitlines()[1].split()[-2]  # the deck row: cards new learning due suspended

    run(thirty, "settings", "rollover_hour", "4")
    assert due_today() == "1"  # 03:00 tomorrow is before tomorrow's 04:00 start
    run(thirty, "settings", "rollover_hour", "2")
    assert due_today() == "0"  # the next day starts at 02:00, before the card is due
