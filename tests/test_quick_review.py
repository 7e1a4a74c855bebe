"""`review` in line mode prints its first question before loading SQLAlchemy, Alembic and FSRS,
and that question is exactly the one the session shows first; the session goes on from it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.decks.importing import import_paths
from stalindeck.review.expected import expected_answer
from stalindeck.review.first import first_question
from stalindeck.review.session import ReviewSession
from stalindeck.scheduling.settings import load_settings
from stalindeck.store.open import Store
from stalindeck.store.queue import Filter
from stalindeck.ui.line_mode import LineMode
from stalindeck.ui.line_text import Printed, opening

from .conftest import FakeClock


def _deck(slug: str, name: str, count: int) -> str:
    """A deck whose every third card has a reverse (siblings), some a typed answer, some a tag."""
    lines = [f'id = "{slug}"', f'name = "{name}"', ""]
    for number in range(count):
        lines += ["[[cards]]", f'id = "{slug}{number}"', f'front = "{slug.title()} Q{number}"']
        lines.append(f'back = "A{number}"')
        if number % 3 == 0:
            lines.append("reverse = true")
        if number % 4 == 1 and number % 3:
            lines.append(f'answer = "A{number}"')
        if number % 5 == 2:
            lines.append('tags = ["special"]')
        lines.append("")
    return "\n".join(lines)


@pytest.fixture
def two_decks(store: Store, write_deck: Callable[..., Path], clock: FakeClock) -> Store:
    import_paths(
        store,
        [
            write_deck(_deck("zeta", "Zeta", 14), "z.toml"),
            write_deck(_deck("alpha", "Russia::Alpha", 9)),
        ],
        clock(),
    )
    return store


Chosen = tuple[tuple[str, ...], tuple[str, ...]]  # decks and tags as typed


def _normal(
    store: Store, clock: FakeClock, chosen: Chosen, force: bool = False, **options: int
) -> str | None:
    """The first question of the session `review` makes, as line mode prints it."""
    settings = load_settings(store)
    session = ReviewSession(
        store,
        Filter(decks=chosen[0], tags=chosen[1]),
        clock=clock,
        limits=settings.limits(),
        settings=settings.scheduler(),
        card_limit=options.get("card_limit"),
        new_limit=options.get("new_limit"),
    )
    try:
        shown = session.next_card()
        if shown is None:
            return None
        counts = session.counts()
        card = shown.card
        return opening(
            card.deck_slug,
            card.key,
            shown.source.value,
            (counts.new, counts.learning, counts.review),
            card.front,
            expected_answer(card, force) is not None,
        )
    finally:
        session.close()


def _quick(
    db_path: Path, clock: FakeClock, chosen: Chosen = ((), ()), force: bool = False, **options: int
) -> str | None:
    first = first_question(
        str(db_path),
        "default",
        clock(),
        decks=chosen[0],
        tags=chosen[1],
        card_limit=options.get("card_limit"),
        new_limit=options.get("new_limit"),
        force_type=force,
    )
    if first is None:
        return None
    card = first.card
    return opening(card.deck_slug, card.key, first.source, first.counts, card.front, first.typed)


_OPTIONS: list[dict[str, int]] = [
    {},
    {"card_limit": 1},
    {"card_limit": 3},
    {"new_limit": 0},
    {"new_limit": 2},
    {"card_limit": 2, "new_limit": 5},
]


# All decks; a parent in Anki's tree that is no deck itself; a slug; a name in other capitals;
# a tag; a deck and a tag; a unique start of a name.
_CHOSEN: list[Chosen] = [
    ((), ()),
    (("Russia",), ()),
    (("zeta",), ()),
    (("russia::alpha",), ()),
    ((), ("special",)),
    (("Zeta",), ("spec",)),
]


def _agree(store: Store, db_path: Path, clock: FakeClock) -> list[str]:
    """The first question by both paths under every option; they must be equal."""
    seen = []
    for chosen in _CHOSEN:
        for options in _OPTIONS:
            for force in (False, True):
                quick = _quick(db_path, clock, chosen, force, **options)
                normal = _normal(store, clock, chosen, force, **options)
                assert quick == normal, (chosen, options, force)
                if quick is not None:  # None: nothing to show (`--new 0`, new cards only)
                    seen.append(quick)
    return seen


def _answer(store: Store, clock: FakeClock, grades: list[int]) -> None:
    session = ReviewSession(store, clock=clock)
    for grade in grades:
        assert session.next_card() is not None
        session.answer(grade)
    session.close()


def test_the_first_question_is_the_sessions_on_varied_stores(
    two_decks: Store, db_path: Path, clock: FakeClock
) -> None:
    store = two_decks
    seen = set(_agree(store, db_path, clock))  # new cards only, siblings held back
    # Learning steps (Again, Hard), reviews (Easy), siblings buried by the answers.
    _answer(store, clock, [1, 4, 4, 2, 4, 3, 4, 1, 4, 4])
    seen |= set(_agree(store, db_path, clock))  # learning steps not due: within learn-ahead?
    clock.advance(minutes=30)  # steps due now
    seen |= set(_agree(store, db_path, clock))
    clock.advance(days=9)  # reviews due, steps long due, yesterday's burials over
    seen |= set(_agree(store, db_path, clock))
    session = ReviewSession(store, clock=clock)  # the steps graduated: reviews come first
    while (shown := session.next_card()) is not None and shown.source.value == "learning":
        session.answer(4)
    session.close()
    seen |= set(_agree(store, db_path, clock))
    # The card first in line suspended, the next buried: each path passes over them.
    session = ReviewSession(store, clock=clock)
    shown = session.next_card()
    assert shown is not None
    session.suspend()
    shown = session.next_card()
    assert shown is not None
    session.bury()
    session.close()
    seen |= set(_agree(store, db_path, clock))
    # The day's allowances: no reviews left, then two new cards a day.
    writes_ = sqlite3.connect(db_path)
    with writes_:
        writes_.execute("INSERT INTO settings VALUES (1, 'reviews_per_day', '0')")
    seen |= set(_agree(store, db_path, clock))
    with writes_:
        writes_.execute("UPDATE settings SET value = '2' WHERE key = 'reviews_per_day'")
        writes_.execute("INSERT INTO settings VALUES (1, 'new_per_day', '2')")
    writes_.close()
    seen |= set(_agree(store, db_path, clock))
    sources = {line.split("(")[1].split(")")[0] for line in seen}
    assert sources == {"new", "learning", "review"}
    assert any("(type the answer)" in line for line in seen)


def test_a_name_that_names_nothing_takes_the_full_path(
    two_decks: Store, db_path: Path, clock: FakeClock
) -> None:
    assert _quick(db_path, clock, (("r",), ())) is None  # `Russia` and `Russia::Alpha` start so
    assert _quick(db_path, clock, (("nowhere",), ())) is None
    assert _quick(db_path, clock, ((), ("nothing",))) is None
    result = CliRunner().invoke(app, ["--db", str(db_path), "review", "nowhere"], input=":q\n")
    assert result.exit_code == 1 and "no deck named 'nowhere'" in result.output
    assert "question:" not in result.output


def test_nothing_due_and_stores_that_need_the_full_path_give_none(
    two_decks: Store, db_path: Path, tmp_path: Path, clock: FakeClock
) -> None:
    assert _quick(db_path, clock) is not None
    assert _quick(tmp_path / "absent.db", clock) is None
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE card_states SET suspended = 1")
    assert _quick(db_path, clock) is None  # nothing to show: the session says so itself
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE card_states SET suspended = 0")
        connection.execute("UPDATE alembic_version SET version_num = '0000'")
    assert _quick(db_path, clock) is None  # an upgrade first


def test_a_bundled_deck_to_update_takes_the_full_path(
    db_path: Path, clock: FakeClock, template_store: Path
) -> None:
    from stalindeck.decks.importing import bring_in_bundled
    from stalindeck.store.open import open_store

    store = open_store(str(db_path))
    bring_in_bundled(store, clock())  # the first run
    store.close()
    assert _quick(db_path, clock) is not None  # the files as they were imported
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE decks SET source_digest = 'an older version'")
    assert _quick(db_path, clock) is None  # opening the store brings the new version in


def test_a_store_at_first_run_takes_the_full_path(db_path: Path, clock: FakeClock) -> None:
    assert _quick(db_path, clock) is None  # no decks yet: the bundled decks come first


def test_line_mode_shows_another_card_if_the_store_changed_meanwhile(
    two_decks: Store, db_path: Path, clock: FakeClock
) -> None:
    import io

    quick = _quick(db_path, clock)
    assert quick is not None
    out = io.StringIO()
    session = ReviewSession(two_decks, clock=clock)
    LineMode(session, iter(["q\n"]).__next__, out, printed=Printed(quick, 0.0)).run()
    assert out.getvalue() == ""  # the same card: not printed twice
    session.close()
    out = io.StringIO()
    session = ReviewSession(two_decks, clock=clock)
    other = "card: demo/other (new) new 1 · learn 0 · due 0\nquestion: Q\n"
    LineMode(session, iter(["q\n"]).__next__, out, printed=Printed(other, 0.0)).run()
    assert out.getvalue() == quick  # what the session shows is put on screen
    session.close()


def _review(db_path: Path, keys: str, *options: str) -> list[str]:
    result = CliRunner().invoke(app, ["--db", str(db_path), "review", *options], input=keys)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_answers_undo_suspend_and_bury_on_the_first_card(two_decks: Store, db_path: Path) -> None:
    def reviews() -> int:
        with sqlite3.connect(db_path) as connection:
            return int(connection.execute("SELECT COUNT(*) FROM reviews").fetchone()[0])

    first = _review(db_path, ":q\n")[:2]
    assert first == ["card: alpha/alpha0 (new) new 20 · learn 0 · due 0", "question: Alpha Q0"]
    # Graded, then undone on the next card (a typed one: the command takes its colon).
    lines = _review(db_path, "\n3\n:u\n:q\n")
    assert lines[:2] == first and "graded: 3 Good; next in 10m" in lines
    assert lines[lines.index("undone: alpha/alpha0") + 1] == first[0]
    assert reviews() == 0 and _review(db_path, ":q\n")[:2] == first
    # Graded for good: stored, and the next review starts with another card.
    assert "graded: 3 Good; next in 10m" in _review(db_path, "\n3\n:q\n")
    assert reviews() == 1
    second = _review(db_path, ":q\n")[0]
    assert second.startswith("card: alpha/alpha1 (new) new 19 · learn 1")
    # Suspended, then buried, first thing: each stays so, the next review shows the next card.
    assert _review(db_path, ":s\n:q\n")[2] == "suspended: alpha/alpha1"
    assert _review(db_path, ":b\n:q\n")[2] == "buried: alpha/alpha2"
    assert _review(db_path, ":q\n")[0].startswith("card: alpha/alpha3 (new)")
    with sqlite3.connect(db_path) as connection:
        assert connection.execute(
            "SELECT c.key, s.suspended, s.buried_until IS NOT NULL FROM cards c "
            "JOIN card_states s ON s.card_id = c.id WHERE c.key IN ('alpha1', 'alpha2') "
            "ORDER BY c.key"
        ).fetchall() == [("alpha1", 1, 0), ("alpha2", 0, 1)]


def test_the_first_question_is_printed_before_sqlalchemy_is_loaded(
    two_decks: Store, db_path: Path
) -> None:
    code = (
        "import sys\n"
        "heavy = ('sqlalchemy', 'alembic', 'fsrs', 'rich', 'stalindeck.review.session')\n"
        "class Spy:\n"
        "    def __init__(self, out): self.out = out\n"
        "    def write(self, text):\n"
        "        if 'question:' in text:\n"
        "            sys.stderr.write(f'loaded: {[m for m in heavy if m in sys.modules]}\\n')\n"
        "        return self.out.write(text)\n"
        "    def __getattr__(self, name): return getattr(self.out, name)\n"
        "sys.stdout = Spy(sys.stdout)\n"
        "from stalindeck.cli import app\n"
        f"try: app(['--db', {str(db_path)!r}, 'review'])\n"
        "except SystemExit: pass\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], input="3\nq\n", capture_output=True, text=True, check=True
    )
    assert result.stderr.splitlines().count("loaded: []") == 1, result.stderr  # the first only
    assert "graded: 3 Good" in result.stdout  # answered through the session, loaded after
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("SELECT COUNT(*) FROM reviews").fetchone() == (1,)
    # A deck named is served so too; a time budget takes the ordinary path, as before.
    result = subprocess.run(
        [sys.executable, "-c", code.replace("'review'", "'review', 'Russia'")],
        input="q\n",
        capture_output=True,
        text=True,
        check=True,
    )
    assert "loaded: []" in result.stderr and "question: Alpha Q1" in result.stdout
    result = subprocess.run(
        [sys.executable, "-c", code.replace("'review'", "'review', '--minutes', '5'")],
        input="q\n",
        capture_output=True,
        text=True,
        check=True,
    )
    assert "loaded: []" not in result.stderr and "question: Alpha Q" in result.stdout
