"""The review screen in real pseudo-terminals of several sizes, read back through a terminal
emulator (pyte): it stays whole (the counters on the top line, no line wrapped, the keys'
hints at the bottom) down to 40x15, and a typed answer is shown exactly as typed."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")
pyte = pytest.importorskip("pyte")

DECK = """id = "sizes"
name = "De-Stalinisation and the Thaw, 1953-64"

[[cards]]
id = "cult"
front = "What did Khrushchev attack in the Secret Speech at the Twentieth Party Congress, and how?"
back = "Stalin's personality cult and his abuses of power, in a four-hour closed session"
answer = "the personality cult"
tags = ["secret-speech"]

[[cards]]
id = "group"
front = "Which group tried to remove Khrushchev from the Presidium in June 1957?"
back = "The Anti-Party Group: Molotov, Malenkov and Kaganovich, with Shepilov"
tags = ["crisis"]

[[cards]]
id = "police"
front = "Who ran the secret police when Stalin died?"
back = "Lavrentiy Beria"
answer = "Lavrentiy Beria"

[[cards]]
id = "mvd"
front = "What was the secret police called in 1953?"
back = "MVD"
answer = "MVD"
"""


class Terminal:
    """`stalindeck ARGS` in a pseudo-terminal of `columns` x `lines`, its output kept on an
    emulated screen."""

    def __init__(self, db: Path, *args: str, columns: int, lines: int) -> None:
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns)}
        env["LINES"] = str(lines)
        env.pop("NO_COLOR", None)
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "stalindeck", "--db", str(db), *args],
            env=env,
            dimensions=(lines, columns),
            encoding="utf-8",
            timeout=20,
        )
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.Stream(self.screen)

    def wait_for(self, *texts: str) -> list[str]:
        """The screen's lines once all of `texts` are on it."""
        deadline = time.monotonic() + 30
        while True:
            shown = "\n".join(self.screen.display)
            if all(text in shown for text in texts):
                time.sleep(0.3)  # the rest of this drawing
                self._read()
                return list(self.screen.display)
            if time.monotonic() > deadline:
                pytest.fail(f"never shown: {texts!r}; the screen:\n{shown}")
            self._read()

    def _read(self) -> None:
        with contextlib.suppress(pexpect.TIMEOUT):
            self.stream.feed(self.child.read_nonblocking(65536, timeout=0.2))

    def send(self, keys: str) -> None:
        self.child.send(keys)


def assert_whole(lines: list[str], columns: int) -> None:
    """The counters on the top line, every line within the width, the boxes whole, the
    hints (or the prompt) at the bottom."""
    top = lines[0]
    assert top.startswith(" De-Stalinisation"), lines
    assert top.rstrip()[-1].isdigit(), lines  # the counters, at the right end
    assert all(len(line.rstrip()) <= columns for line in lines)
    drawn = [line.rstrip() for line in lines if line.strip()]
    opened = sum(line.startswith("╭") for line in drawn)
    closed = sum(line.startswith("╰") for line in drawn)
    assert opened == closed, lines
    assert "quit" in drawn[-1] or drawn[-1].strip().startswith(">"), lines


@pytest.mark.parametrize(("columns", "lines"), [(40, 15), (60, 20), (100, 35)])
def test_the_screen_stays_whole(tmp_path: Path, columns: int, lines: int) -> None:
    db = tmp_path / "s.db"
    deck = tmp_path / "sizes.toml"
    deck.write_text(DECK, encoding="utf-8")
    pexpect.run(
        f"{sys.executable} -m stalindeck --db {db} import {deck}",
        env={**os.environ, "NO_COLOR": "1"},
    )
    term = Terminal(db, "review", columns=columns, lines=lines)
    assert_whole(term.wait_for("type, then Enter", ">"), columns)
    term.send("the personal cult\r")
    screen = term.wait_for("you typed", "quit")
    assert_whole(screen, columns)
    assert any("you typed  the personal cult" in line for line in screen), screen
    assert any(" 1 " in line and " 4 " in line for line in screen)  # the grades, on one line
    term.send("3")
    assert_whole(term.wait_for("Presidium", "space show"), columns)
    term.send(" ")
    screen = term.wait_for("Kaganovich", "Enter")
    assert_whole(screen, columns)
    if columns >= 100:  # wide enough for every hint in full, as the README shows them
        hints = "  Enter = 3 Good · s suspend · b bury · e edit · u undo · q quit"
        assert any(line.rstrip() == hints for line in screen), screen
    term.send("q")
    term.child.expect(pexpect.EOF)


def test_a_typed_answer_is_shown_as_typed(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    deck = tmp_path / "sizes.toml"
    deck.write_text(DECK, encoding="utf-8")
    pexpect.run(f"{sys.executable} -m stalindeck --db {db} import {deck}")
    term = Terminal(db, "review", columns=80, lines=24)
    term.wait_for("type, then Enter")
    term.send(":b\r")  # the cult card waits; the group card next
    term.wait_for("Presidium")
    term.send(" ")
    term.wait_for("Kaganovich")
    term.send("3")
    term.wait_for("Who ran the secret police")
    term.send("lavrentiy beria\r")
    screen = term.wait_for("you typed", "quit")
    assert any("you typed  lavrentiy beria" in line for line in screen), screen
    assert any("expected   Lavrentiy Beria" in line for line in screen), screen
    term.send("3")
    term.wait_for("called in 1953")
    term.send("the army\r")
    screen = term.wait_for("you typed", "quit")
    row = next(at for at, line in enumerate(screen) if "you typed" in line)
    assert "you typed  the army" in screen[row], screen  # not "the arMy"
    typed = [term.screen.buffer[row][x] for x in range(13, 21)]
    assert "".join(char.data for char in typed) == "the army"
    # Nothing struck out or underlined: "the army" shares only an "m" with "MVD".
    assert not any(char.strikethrough or char.underscore for char in typed)
    term.send("q")
    term.child.expect(pexpect.EOF)


LONG = (
    'id = "long"\nname = "De-Stalinisation, long cards"\n\n[[cards]]\nid = "congress"\n'
    "text = \"Khrushchev attacked Stalin's personality cult and his abuses of power in the "
    "Secret Speech at the {{20th}} Party Congress in 1956, in a closed session that lasted "
    'four hours."\ntype = true\n\n[[cards]]\nid = "next"\nfront = "And then?"\nback = "The Thaw"\n'
)


def test_a_long_typed_card_fits_40x15(tmp_path: Path) -> None:
    # The answer's box, the check and the grades leave no room for the question: it goes
    # (this once crashed the screen: a dropped part was still handed to Rich).
    db = tmp_path / "s.db"
    deck = tmp_path / "long.toml"
    deck.write_text(LONG, encoding="utf-8")
    pexpect.run(f"{sys.executable} -m stalindeck --db {db} import {deck}")
    term = Terminal(db, "review", columns=40, lines=15)
    term.wait_for("type, then Enter", ">")
    term.send("the twenty first\r")
    screen = term.wait_for("you typed", "a right", "quit")
    assert screen[0].startswith(" De-Stalinisation"), screen
    assert all(len(line.rstrip()) <= 40 for line in screen)
    drawn = [line.rstrip() for line in screen if line.strip()]
    assert sum(line.startswith("╭") for line in drawn) == 1, screen  # the answer's box only
    assert "quit" in drawn[-1], screen
    # Taken as right: the message, too long for a line, wraps under its own start.
    term.send("a")
    screen = term.wait_for("And then?", "from now on")
    said = next(at for at, line in enumerate(screen) if "the twenty first" in line)
    assert screen[said].startswith('  "the twenty first" is right'), screen
    assert screen[said + 1].startswith("  ") and screen[said + 1].strip(), screen
    term.send("q")
    term.child.expect(pexpect.EOF)


def test_the_first_run_says_where_the_store_is_after_the_screen(tmp_path: Path) -> None:
    # Said before the review screen, the first run's note was cleared away with it at once.
    db = tmp_path / "fresh.db"
    term = Terminal(db, "review", columns=80, lines=24)
    term.wait_for("quit")
    term.send("q")
    term.child.expect(pexpect.EOF)
    after = (term.child.before or "").rsplit("\x1b[2J", 1)[-1]
    assert f"Your store: {db}; backups beside it" in after, after
