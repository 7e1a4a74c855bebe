"""`status` reads a ready SQLite store without SQLAlchemy, and agrees with the full path."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from stalindeck.decks.importing import import_paths
from stalindeck.review.session import ReviewSession
from stalindeck.scheduling.day import day_start
from stalindeck.scheduling.limits import Limits
from stalindeck.store.counts import deck_counts, done_today, today_counts
from stalindeck.store.open import Store
from stalindeck.store.quick import quick_status

from .conftest import FakeClock
from .test_session import deck_text


def test_quick_counts_match_the_full_path(
    store: Store, db_path: Path, write_deck: Callable[..., Path], clock: FakeClock
) -> None:
    import_paths(store, [write_deck(deck_text(12, reverse_first=True))], clock())
    session = ReviewSession(store, clock=clock)
    for grade in (1, 3, 4):
        session.next_card()
        session.answer(grade)
    session.close()
    now = clock()
    quick = quick_status(str(db_path), "default", now)
    assert quick is not None
    assert quick == today_counts(store, now, Limits())
    (full,) = deck_counts(store, now, Limits())
    (deck,) = quick.decks
    assert (deck.new, deck.learning, deck.due) == (full.new, full.learning, full.due)
    assert (quick.total.new, quick.total.learning, quick.total.due) == (9, 2, 0)
    assert done_today(store, day_start(now)).new == 3
    # New cards are counted up to what is left of the day's allowance, no further.
    with sqlite3.connect(db_path) as connection:
        connection.execute("INSERT INTO settings VALUES (1, 'new_per_day', '5')")
    capped = quick_status(str(db_path), "default", now)
    assert capped is not None and capped.decks[0].new == capped.total.new == 2


def test_quick_path_steps_aside(db_path: Path, tmp_path: Path, clock: FakeClock) -> None:
    now = clock()
    assert quick_status(str(tmp_path / "absent.db"), "default", now) is None
    assert quick_status(str(db_path), "default", now) is None  # no decks yet: first run
    assert quick_status(f"sqlite:///{db_path}?timeout=5", "default", now) is None
    with sqlite3.connect(db_path) as connection:
        connection.execute(
            "INSERT INTO decks (slug, name, description, source, tags, path, "
            "imported_at) VALUES ('d', 'D', '', '', '', '', 0)"
        )
    assert quick_status(str(db_path), "nobody", now) is None  # the profile must be made
    assert quick_status(str(db_path), "default", now) is not None
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0000'")
    assert quick_status(str(db_path), "default", now) is None  # to upgrade: full path


def test_status_imports_no_sqlalchemy(
    db_path: Path, write_deck: Callable[..., Path], store: Store, clock: FakeClock
) -> None:
    import_paths(store, [write_deck(deck_text(3))], clock())
    code = (
        "import sys; from stalindeck.cli import app\n"
        f"try: app(['--db', {str(db_path)!r}, 'status'])\n"
        "except SystemExit: pass\n"
        "print('sqlalchemy' in sys.modules, 'alembic' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "False False"
    assert "Demo" in result.stdout


def test_line_mode_shows_the_first_question_before_loading_rich(
    db_path: Path, write_deck: Callable[..., Path], store: Store, clock: FakeClock
) -> None:
    # Rich serves the closing lines only; the first question comes without waiting for it.
    import_paths(store, [write_deck(deck_text(3))], clock())
    code = (
        "import io, sys\n"
        "class Input(io.StringIO):\n"
        "    def readline(self, *args):\n"
        "        print('rich loaded:', 'rich' in sys.modules, file=sys.stderr)\n"
        "        return ''\n"
        "sys.stdin = Input()\n"
        "from stalindeck.cli import app\n"
        f"try: app(['--db', {str(db_path)!r}, 'review'])\n"
        "except SystemExit: pass\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "question:" in result.stdout
    # (the first line on stderr says it is line mode: the output is not a terminal)
    loaded = [line for line in result.stderr.splitlines() if line.startswith("rich loaded")]
    assert loaded[0] == "rich loaded: False"
    assert "Nothing reviewed." in result.stdout  # the closing lines still come, through Rich
