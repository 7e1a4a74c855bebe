"""The Rich review screen draws its first card before SQLAlchemy, Alembic and FSRS load, the
same frame the session's screen then draws over it; that card is answered, undone and quit as
ever. Through a real pseudo-terminal."""

from __future__ import annotations

import io
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

DECK = """id = "plain"
name = "Plain deck"

[[cards]]
id = "first"
front = "Who succeeded Lenin?"
back = "Stalin"
tags = ["succession"]

[[cards]]
id = "second"
front = "When did Stalin die?"
back = "March 1953"

[[cards]]
id = "typed"
front = "Which year was the Secret Speech?"
back = "1956"
answer = "1956"
"""

CLEAR = "\x1b[2J"  # Rich's `Console.clear`: every frame starts with it
HEAVY = ("sqlalchemy", "alembic", "fsrs", "stalindeck.review.session")


def _spawn(
    db: Path, loaded: Path, *args: str, size: tuple[int, int] = (24, 80)
) -> tuple[pexpect.spawn, io.StringIO]:
    """`stalindeck --db DB review ARGS` in a terminal of `size` (rows, columns); the heavy
    modules loaded when the first question's text is written are appended to `loaded`, one
    line per write."""
    code = (
        "import sys\n"
        f"heavy = {HEAVY!r}\n"
        "class Spy:\n"
        "    def __init__(self, out): self.out = out\n"
        "    def write(self, text):\n"
        "        if 'Who succeeded' in text or 'Secret' in text:\n"
        f"            with open({str(loaded)!r}, 'a') as log:\n"
        "                log.write(f'{[m for m in heavy if m in sys.modules]}\\n')\n"
        "        return self.out.write(text)\n"
        "    def __getattr__(self, name): return getattr(self.out, name)\n"
        "sys.stdout = Spy(sys.stdout)\n"
        "from stalindeck.cli import app\n"
        f"app(['--db', {str(db)!r}, 'review', *{args!r}])\n"
    )
    rows, columns = size
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)}
    for name in ("NO_COLOR", "STALINDECK_DB"):
        env.pop(name, None)
    child = pexpect.spawn(
        sys.executable, ["-c", code], env=env, dimensions=size, encoding="utf-8", timeout=20
    )
    seen = io.StringIO()
    child.logfile_read = seen
    return child, seen


@pytest.fixture
def plain_store(tmp_path: Path, write_deck: Callable[..., Path]) -> Path:
    db = tmp_path / "s.db"
    env = {**os.environ, "COLUMNS": "80", "LINES": "24"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "stalindeck", "--db", str(db), "import", str(write_deck(DECK))],
        env=env,
        encoding="utf-8",
        timeout=20,
    )
    child.expect(pexpect.EOF)
    return db


def _reviews(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM reviews").fetchone()[0])


def _frames(seen: io.StringIO) -> list[str]:
    """What was drawn, frame by frame (the summary's screen after quitting left out)."""
    return [frame for frame in seen.getvalue().split(CLEAR)[1:] if "quit" in frame]


def test_the_first_frame_is_drawn_before_the_session_and_is_the_sessions(
    plain_store: Path, tmp_path: Path
) -> None:
    loaded = tmp_path / "loaded.txt"
    child, seen = _spawn(plain_store, loaded, "plain")
    child.expect("space show")  # the quick frame
    child.expect("space show")  # the session's, drawn over it
    frames = _frames(seen)
    assert len(frames) == 2
    assert frames[0] == frames[1]  # the same frame, escape codes and all
    assert "Who succeeded Lenin?" in frames[0] and "succession" in frames[0]
    assert "new 3" in frames[0] and "q quit" in frames[0]
    assert loaded.read_text().splitlines()[0] == "[]"  # nothing heavy loaded yet
    # Graded Good, then undone: the same card back; quit.
    child.send(" ")
    child.expect("Enter = 3 Good")
    child.send("3")
    child.expect("When did Stalin die")
    child.send("u")
    child.expect("undone")  # drawn under the card's frame
    assert "Who succeeded Lenin?" in _frames(seen)[-1]
    child.send("q")
    child.expect(pexpect.EOF)
    assert _reviews(plain_store) == 0
    # A key pressed while the session loads is kept: graded straight from the first frame.
    child, seen = _spawn(plain_store, loaded, "plain")
    child.expect("Who succeeded Lenin")
    child.send("3")
    child.expect("When did Stalin die")
    child.send("q")
    child.expect(pexpect.EOF)
    assert _reviews(plain_store) == 1


@pytest.mark.parametrize("size", [(6, 80), (24, 28), (5, 20)])
def test_the_first_frame_fits_a_small_terminal_as_the_sessions_does(
    plain_store: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    loaded = tmp_path / "loaded.txt"
    child, seen = _spawn(plain_store, loaded, "plain", size=size)
    child.expect("Who succeeded")
    child.expect("quit")
    child.expect("Who succeeded")  # the session's frame
    child.expect("quit")
    frames = _frames(seen)
    assert len(frames) == 2 and frames[0] == frames[1]
    assert loaded.read_text().splitlines()[0] == "[]"
    child.send("q")
    child.expect(pexpect.EOF)


def test_a_typed_card_or_a_time_budget_takes_the_ordinary_path(
    plain_store: Path, tmp_path: Path
) -> None:
    loaded = tmp_path / "loaded.txt"
    child, seen = _spawn(plain_store, loaded, "plain", "--minutes", "5")
    child.expect("space show")
    child.send("q")
    child.expect(pexpect.EOF)
    assert len(_frames(seen)) == 1
    assert loaded.read_text().splitlines()[0] != "[]"
    loaded.unlink()
    # The typed card first (--type asks every card so): its prompt is the session's to draw.
    child, seen = _spawn(plain_store, loaded, "plain", "--type")
    child.expect("type, then Enter")
    child.sendline(":q")
    child.expect(pexpect.EOF)
    assert len(_frames(seen)) == 1
    assert loaded.read_text().splitlines()[0] != "[]"
