"""`status`, `status --json`, `decks`, the review header and the closing lines agree: one rule
(`store/gather.py`) on stores with siblings, buried, waiting and suspended cards; a card
suspended or buried is not a card studied; a sibling waits at most a day; buried means one
thing in `cards`."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.decks.importing import import_paths
from stalindeck.review.session import Counts, ReviewSession, Source
from stalindeck.scheduling.day import day_end
from stalindeck.scheduling.fsrs_bridge import SchedulerSettings
from stalindeck.scheduling.limits import Limits
from stalindeck.store.counts import deck_counts, today_counts
from stalindeck.store.models import LEARNING, NEW, REVIEW, to_millis
from stalindeck.store.open import Store
from stalindeck.store.queue import Filter
from stalindeck.store.quick import quick_status

from .conftest import T0, FakeClock

runner = CliRunner()
NO_FUZZ = SchedulerSettings(enable_fuzzing=False)
ROLLOVER = 4  # the settings' default; T0 (noon UTC) is far from it in the test machine's zone


def cli(db: Path, *args: str, input: str | None = None) -> str:
    result = runner.invoke(
        app, ["--db", str(db), *args], input=input, env={"COLUMNS": "100", "NO_COLOR": "1"}
    )
    assert result.exit_code == 0, result.stderr
    return result.stdout


def mixed_deck(rng: random.Random, slug: str, notes: int) -> str:
    """Basic, reversed and cloze notes (one, two or three cards an entry)."""
    lines = [f'id = "{slug}"', f'name = "{slug.title()}"', ""]
    for number in range(notes):
        kind = rng.choice(("basic", "reverse", "cloze2", "cloze3"))
        lines += ["[[cards]]", f'id = "k{number}"']
        if kind.startswith("cloze"):
            gaps = " ".join(f"{{{{g{number}x{i}}}}}" for i in range(int(kind[-1])))
            lines.append(f'text = "{gaps}"')
        else:
            lines += [f'front = "Q{number}"', f'back = "A{number}"']
            if kind == "reverse":
                lines.append("reverse = true")
        lines.append("")
    return "\n".join(lines)


def scatter(store: Store, rng: random.Random, now: datetime) -> None:
    """Give every card a random state around `now`: new, learning (due now, later today,
    tomorrow), review (overdue, due today, later), some suspended, some buried, some new cards
    waiting for a sibling (buried before, the burial over)."""
    ms = to_millis
    with store.engine.begin() as connection:
        ids = connection.execute(text("SELECT id FROM cards ORDER BY id")).scalars().all()
        for card_id in ids:
            roll = rng.random()
            values: dict[str, object] = {
                "state": NEW, "step": None, "s": None, "d": None, "due": None, "last": None,
                "reps": 0, "suspended": rng.random() < 0.08, "buried": None, "card": card_id,
            }  # fmt: skip
            if roll < 0.15:
                due = now + timedelta(minutes=rng.choice((-30, -5, 90, 300, 60 * 30)))
                values.update(
                    state=LEARNING, step=0, s=1.0, d=5.0, due=ms(due),
                    last=ms(now - timedelta(minutes=40)), reps=1,
                )  # fmt: skip
            elif roll < 0.6:
                due = now + timedelta(hours=rng.choice((-100, -30, -2, 3, 30, 100)))
                values.update(
                    state=REVIEW, s=4.0, d=5.0, due=ms(due), last=ms(due - timedelta(days=4)),
                    reps=3,
                )  # fmt: skip
            burial = rng.random()
            if burial < 0.1:
                values["buried"] = ms(now + timedelta(hours=6))  # buried: back tomorrow
            elif burial < 0.25:
                values["buried"] = ms(now - timedelta(hours=9))  # waited since this morning
            connection.execute(
                text(
                    "UPDATE card_states SET state = :state, step = :step, stability = :s, "
                    "difficulty = :d, due = :due, last_review = :last, reps = :reps, "
                    "suspended = :suspended, buried_until = :buried WHERE card_id = :card"
                ),
                values,
            )


def limits_settings(db: Path, rng: random.Random) -> Limits:
    limits = Limits(
        new_per_day=rng.choice((0, 2, 5, 20)), reviews_per_day=rng.choice((1, 4, 10, 200))
    )
    cli(db, "settings", "new_per_day", str(limits.new_per_day))
    cli(db, "settings", "reviews_per_day", str(limits.reviews_per_day))
    return limits


def as_counts(numbers: dict[str, int]) -> Counts:
    return Counts(new=numbers["new"], learning=numbers["learning"], review=numbers["due"])


def build(
    store: Store, db: Path, write_deck: Callable[..., Path], rng: random.Random, now: datetime
) -> Limits:
    decks = [
        write_deck(mixed_deck(rng, slug, rng.randint(4, 14)), f"{slug}.toml")
        for slug in ("alpha", "beta")
    ]
    import_paths(store, decks, now)
    scatter(store, rng, now)
    return limits_settings(db, rng)


@pytest.mark.parametrize("seed", range(12))
def test_status_decks_and_the_review_header_count_the_same_cards(
    store: Store, db_path: Path, write_deck: Callable[..., Path], seed: int
) -> None:
    rng = random.Random(seed)
    limits = build(store, db_path, write_deck, rng, T0)
    today = quick_status(str(db_path), "default", T0)
    assert today is not None and today == today_counts(store, T0, limits)
    review = ReviewSession(store, clock=FakeClock(T0), limits=limits, settings=NO_FUZZ)
    header = review.counts()
    assert header == review.left_today() == as_counts(vars_of(today.total))
    shown = review.next_card()
    if shown is not None:  # the header with the first card on screen: the same
        assert review.counts() == header
    review.close()
    per_deck = {deck.slug: deck for deck in deck_counts(store, T0, limits)}
    for deck in today.decks:
        one = ReviewSession(
            store, Filter(decks=(deck.slug,)), clock=FakeClock(T0), limits=limits, settings=NO_FUZZ
        )
        assert one.counts() == as_counts(vars_of(deck)), deck.slug
        one.close()
        full = per_deck[deck.slug]
        assert (full.new, full.learning, full.due) == (deck.new, deck.learning, deck.due)


def vars_of(counts: object) -> dict[str, int]:
    return {name: getattr(counts, name) for name in ("new", "learning", "due")}


LEFT = re.compile(r"Left for today: ([^;.,]*(?:, [^;.,]*)*?)(?:;|, the first due)")


def left_for_today(out: str) -> dict[str, int]:
    """The closing line's counts: {"new": .., "learning": .., "due": ..} (all 0 without one)."""
    found = {"new": 0, "learning": 0, "due": 0}
    match = LEFT.search(out)
    if match is None:
        return found
    for part in re.split(r", | and ", match.group(1)):
        number, what = part.split(" ", 1)
        key = (
            "due" if what.startswith("review") else "new" if what.startswith("new") else "learning"
        )
        found[key] = int(number)
    return found


@pytest.mark.parametrize("seed", range(8))
def test_the_closing_lines_equal_status_after_a_session(
    db_path: Path, store: Store, write_deck: Callable[..., Path], seed: int
) -> None:
    # Through the real commands, on the real clock (the states are placed around it, far from
    # the rollover): a line-mode session with bounds, answers, suspensions and burials; then
    # its closing line, `status`, `status --json` and `decks` at once.
    rng = random.Random(1000 + seed)
    now = datetime.now(UTC)
    far = (datetime.now().hour + 12) % 24  # the day ends twelve hours away
    cli(db_path, "settings", "rollover_hour", str(far))
    build(store, db_path, write_deck, rng, now)
    actions = [rng.choice(("\n1\n", "\n3\n", "\n4\n", "s\n", "b\n", "\n3\n")) for _ in range(14)]
    bounds = rng.choice(((), ("--new", "3", "--limit", "10"), ("--limit", "4"), ("--new", "1")))
    out = cli(db_path, "review", *bounds, input="".join(actions) + "q\n")
    left = left_for_today(out)
    status = json.loads(cli(db_path, "status", "--json"))
    assert status["total"] == left, out
    # `decks`, one row per deck, holds the same per-deck numbers as `status`.
    table = cli(db_path, "decks")
    for deck in status["decks"]:
        row = next(line for line in table.splitlines() if line.strip().startswith(deck["name"]))
        numbers = [int(cell) for cell in row.split()[1:]]
        assert numbers[1:4] == [deck["new"], deck["learning"], deck["due"]], table
    plain = cli(db_path, "status").splitlines()[-1].split()
    assert plain == [
        "total",
        "new",
        str(left["new"]),
        "learn",
        str(left["learning"]),
        "due",
        str(left["due"]),
    ]


def two_sided(store: Store, write_deck: Callable[..., Path], clock: FakeClock, notes: int) -> None:
    lines = ['id = "two"', 'name = "Two"', ""]
    for number in range(notes):
        lines += ["[[cards]]", f'id = "c{number}"', f'front = "Q{number}"', f'back = "A{number}"']
        lines += ["reverse = true", ""]
    import_paths(store, [write_deck("\n".join(lines))], clock())


def test_a_suspended_or_buried_new_card_gives_its_slot_back(
    store: Store, write_deck: Callable[..., Path], clock: FakeClock
) -> None:
    two_sided(store, write_deck, clock, 8)
    limits = Limits(new_per_day=3)
    review = ReviewSession(store, clock=clock, limits=limits, settings=NO_FUZZ)
    assert review.counts() == Counts(new=3, learning=0, review=0)
    first = review.next_card()
    assert first is not None and first.source is Source.NEW
    review.suspend()
    # The suspended card was not studied: the next new card takes its place, in the header
    # and in what is left for today.
    assert review.counts() == Counts(new=3, learning=0, review=0) == review.left_today()
    second = review.next_card()
    assert second is not None
    review.bury()
    assert review.counts() == Counts(new=3, learning=0, review=0) == review.left_today()
    # Undo: the buried card is back on screen and the one let in for it leaves again.
    assert review.undo() is not None
    assert review.counts() == Counts(new=3, learning=0, review=0)
    keys = [review._require_current().card.key]
    review.answer(4)
    while (shown := review.next_card()) is not None:
        keys.append(shown.card.key)
        review.answer(4)
    assert len(keys) == 3 and first.card.key not in keys
    assert review.left_today() == Counts(0, 0, 0)
    # `--new N` and `--limit N` count cards studied, too.
    for options in ({"new_limit": 1}, {"card_limit": 1}):
        fresh = ReviewSession(store, clock=clock, limits=Limits(), settings=NO_FUZZ, **options)
        shown = fresh.next_card()
        assert shown is not None
        fresh.suspend()
        again = fresh.next_card()
        assert again is not None and again.card.key != shown.card.key, options
        fresh.answer(4)
        assert fresh.next_card() is None
        fresh.close()


def test_a_sibling_waits_at_most_a_day(
    store: Store, write_deck: Callable[..., Path], clock: FakeClock
) -> None:
    # c0 is due every day (each answered card is made due again the next morning; every
    # third day it lapses and relearns); its reverse, new, used to wait as long as that went
    # on. Now the entry's cards take turns: the one held back comes first the next day.
    two_sided(store, write_deck, clock, 1)
    seen: dict[str, set[int]] = {"c0": set(), "c0/reverse": set()}
    for day in range(10):
        start = clock()
        review = ReviewSession(store, clock=clock, limits=Limits(), settings=NO_FUZZ)
        while (shown := review.next_card()) is not None:
            seen[shown.card.key].add(day)
            review.answer(1 if shown.source is Source.REVIEW and day % 3 == 0 else 3)
        review.close()
        with store.engine.begin() as connection:
            connection.execute(
                text(
                    "UPDATE card_states SET due = :due WHERE state = :review "
                    "AND last_review >= :start"
                ),
                {
                    "due": to_millis(start + timedelta(hours=20)),
                    "review": REVIEW,
                    "start": to_millis(start),
                },
            )
        clock.advance(days=1)
    assert seen == {"c0": {0, 2, 4, 6, 8}, "c0/reverse": {1, 3, 5, 7, 9}}


def test_an_answer_buries_only_siblings_due_before_tomorrow(
    store: Store, db_path: Path, write_deck: Callable[..., Path], clock: FakeClock
) -> None:
    # A three-gap cloze: gap 1 due now, gap 2 due in six days, gap 3 new. Answering gap 1
    # holds back gap 3 for the day; gap 2 has nothing to wait for and is not buried.
    lines = ['id = "cz"', 'name = "Cz"', "", "[[cards]]", 'id = "n"', 'text = "{{a}} {{b}} {{c}}"']
    import_paths(store, [write_deck("\n".join(lines))], clock())
    ms = to_millis
    with store.engine.begin() as connection:
        for key, due in (
            ("n/c1", clock() - timedelta(hours=1)),
            ("n/c2", clock() + timedelta(days=6)),
        ):
            connection.execute(
                text(
                    "UPDATE card_states SET state = 2, stability = 5, difficulty = 5, "
                    "due = :due, last_review = :last, reps = 2 "
                    "WHERE card_id = (SELECT id FROM cards WHERE key = :key)"
                ),
                {"due": ms(due), "last": ms(due - timedelta(days=5)), "key": key},
            )
    review = ReviewSession(store, clock=clock, settings=NO_FUZZ)
    shown = review.next_card()
    assert shown is not None and shown.card.key == "n/c1"
    review.answer(3)
    review.close()
    with store.engine.connect() as connection:
        buried = dict(
            connection.execute(
                text(
                    "SELECT c.key, s.buried_until FROM cards c "
                    "JOIN card_states s ON s.card_id = c.id"
                )
            ).all()
        )
    assert buried["n/c2"] is None and buried["n/c3"] == ms(day_end(clock(), ROLLOVER))
    # `cards`: the state column keeps the state; the due column says buried, in one meaning.
    import stalindeck.clock

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stalindeck.clock, "utc_now", clock)
        new = cli(db_path, "cards", "--state", "new")
        buried_list = cli(db_path, "cards", "--state", "buried")
        detail = cli(db_path, "card", "cz/n/c3")
        as_json = json.loads(cli(db_path, "cards", "--state", "buried", "--json"))
    listed = new.splitlines()
    row = listed[listed.index("cz/n/c3") + 1]  # the id, then its front, state and due
    assert re.search(r" new +buried ", row), new
    assert "cz/n/c2" not in buried_list and "cz/n/c3" in buried_list
    assert "(new, buried until tomorrow)" in detail and "buried until tomorrow" in detail
    assert [(card["card_id"], card["state"], card["buried"]) for card in as_json] == [
        ("cz/n/c3", "new", True)
    ]


def test_limit_help_says_learning_steps_come_on_top() -> None:
    result = runner.invoke(app, ["review", "--help"], env={"COLUMNS": "200"})
    assert "learning steps" in " ".join(result.stdout.split())
