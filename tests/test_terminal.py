"""End to end through a real pseudo-terminal: the Rich screen, keys, and what reached disk."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from stalindeck.store.open import Store

from .conftest import T0, rollover_far_from_now

pexpect = pytest.importorskip("pexpect")

DECK = """id = "demo"
name = "Demo deck"

[[cards]]
id = "speech"
front = "When did Khrushchev give the Secret Speech?"
back = "25 February 1956"
answer = "25 February 1956"
tags = ["secret-speech"]

[[cards]]
id = "group"
front = "Which group tried to remove Khrushchev in 1957?"
back = "The Anti-Party Group"
tags = ["crisis"]

[[cards]]
id = "markup"
front = "[bold red]not markup[/] \\u001b]0;pwned\\u0007 plain"
back = "inert"
"""


def stalindeck(db: Path, *args: str, editor: str = "true", sized: bool = True) -> pexpect.spawn:
    """`stalindeck ARGS` in an 80x24 terminal (`sized`: told so by COLUMNS and LINES too, which
    Rich then keeps to; otherwise it asks the terminal, which can be resized)."""
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    if not sized:
        del env["COLUMNS"], env["LINES"]
    env["EDITOR"] = editor
    env.pop("VISUAL", None)
    env.pop("NO_COLOR", None)
    return pexpect.spawn(
        sys.executable,
        ["-m", "stalindeck", "--db", str(db), *args],
        env=env,
        dimensions=(24, 80),
        encoding="utf-8",
        timeout=20,
    )


def at_the_typed_card(db: Path, deck: Path) -> pexpect.spawn:
    """A review of the demo deck, its first card (typed) on screen."""
    stalindeck(db, "import", str(deck)).expect(pexpect.EOF)
    child = stalindeck(db, "review", "demo")
    child.expect("When did Khrushchev give the Secret Speech")
    child.expect("type, then Enter")
    return child


def past_the_typed_card(db: Path, deck: Path) -> pexpect.spawn:
    """A review of the demo deck whose first card (typed) is answered and graded Good with
    Enter; the group card is on screen."""
    child = at_the_typed_card(db, deck)
    child.sendline("25 feb 1956")
    child.expect("correct")
    child.expect("Enter = 3 Good")
    child.send("\r")
    child.expect("Which group tried to remove Khrushchev")
    return child


def test_review_in_a_terminal(tmp_path: Path, write_deck: Callable[..., Path]) -> None:
    db = tmp_path / "s.db"
    child = past_the_typed_card(db, write_deck(DECK))
    child.send(" ")
    child.expect("Anti-Party Group")
    child.expect("Easy")
    child.expect(r"\d+d")  # the interval Easy gives, in days
    child.send("4")
    child.expect_exact("[bold red]not markup[/]")  # shown literally, not as markup
    screen = child.before or ""
    child.expect("plain")
    assert "\x1b]0;pwned" not in (child.before or "") + screen  # the OSC title never escapes
    child.send("u")  # undo the Easy: the group card comes back
    child.expect("Which group tried to remove Khrushchev")
    child.send("3")
    child.expect("not markup")
    child.send("q")
    child.expect("Reviewed 2 cards")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    export = stalindeck(db, "export", "reviews", "-f", "json", "-o", str(tmp_path / "r.json"))
    export.expect(pexpect.EOF)
    reviews = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [(row["card_id"], row["grade"]) for row in reviews] == [
        ("demo/speech", 3),
        ("demo/group", 3),
    ]
    assert all(row["duration_ms"] > 0 for row in reviews)


def test_ctrl_c_keeps_grades(tmp_path: Path, write_deck: Callable[..., Path]) -> None:
    db = tmp_path / "s.db"
    stalindeck(db, "import", str(write_deck(DECK))).expect(pexpect.EOF)
    child = stalindeck(db, "review", "demo", "--type")
    child.expect("Secret Speech")
    child.sendline("1956")
    child.expect("wrong")
    child.send("1")
    child.expect("Which group")
    # At the prompt: a Ctrl-C a few microseconds before it opens is taken only at the next
    # Enter (CPython checks for signals while waiting for input, not on entering the wait).
    child.expect_exact("  > ")
    child.sendcontrol("c")
    child.expect("Reviewed 1 card")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    export = stalindeck(db, "export", "reviews", "-f", "json")
    export.expect(pexpect.EOF)
    text = (export.before or "").replace("\r\n", "\n")
    assert json.loads(text[text.index("[") :])[0]["grade"] == 1


def test_a_resized_terminal_gets_the_screen_drawn_again(
    tmp_path: Path, write_deck: Callable[..., Path]
) -> None:
    db = tmp_path / "s.db"
    stalindeck(db, "import", str(write_deck(DECK))).expect(pexpect.EOF)
    stalindeck(db, "settings", "rollover_hour", rollover_far_from_now()).expect(pexpect.EOF)
    child = stalindeck(db, "review", "demo", "--new", "2", sized=False)
    child.expect("type, then Enter")
    child.sendline("25 feb 1956")
    child.expect("Enter = 3 Good")
    child.send("\r")
    child.expect("Which group tried")
    child.expect("space show")
    child.setwinsize(24, 50)  # the terminal sends SIGWINCH
    child.expect("╭" + "─" * 48 + "╮")  # the card's box, drawn again 50 columns wide
    child.send(" ")
    child.expect("Anti-Party Group")
    child.send("3")
    child.expect("type, then Enter")  # the typed card's learning step, back within the session
    child.sendline(":q")
    child.expect("Reviewed 2 cards")
    child.expect(pexpect.EOF)


def test_ctrl_c_during_an_import_imports_nothing(tmp_path: Path) -> None:
    import sqlite3

    sheet = tmp_path / "big.csv"
    rows = "".join(f"Question {n}?,Answer {n}\n" for n in range(200_000))
    sheet.write_text("front,back\n" + rows, encoding="utf-8")
    db = tmp_path / "s.db"
    child = stalindeck(db, "import", str(sheet))
    child.expect("importing")  # the cards are being written
    child.sendcontrol("c")
    child.expect("Interrupted: nothing was imported.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM cards").fetchone() == (0,)


@pytest.mark.parametrize("signal_name", ["SIGHUP", "SIGTERM"])
def test_closed_terminal_keeps_grades(
    tmp_path: Path, write_deck: Callable[..., Path], signal_name: str
) -> None:
    import signal

    db = tmp_path / "s.db"
    child = at_the_typed_card(db, write_deck(DECK))
    child.sendline("25 February 1956")
    child.expect("correct")
    child.send("4")
    child.expect("Which group")
    child.expect("space show")  # waiting for a key, the terminal in raw mode
    child.kill(getattr(signal, signal_name))
    child.expect("Reviewed 1 card")  # ended as `q` ends it: the terminal given back
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    export = stalindeck(db, "export", "reviews", "-f", "csv")
    export.expect(pexpect.EOF)
    rows = [line for line in (export.before or "").splitlines() if line.startswith("demo/")]
    assert len(rows) == 1 and rows[0].split(",")[2] == "4"


def test_edit_key_reimports_and_keeps_history(
    tmp_path: Path, write_deck: Callable[..., Path]
) -> None:
    db = tmp_path / "s.db"
    deck = write_deck(DECK)
    stalindeck(db, "import", str(deck)).expect(pexpect.EOF)
    editor = tmp_path / "editor.sh"
    # A scripted "editor": checks it was sent to the card's line, then rewords the card.
    editor.write_text(
        "#!/bin/sh\n"
        'test "$1" = "+11" || exit 3\n'
        "sed -i 's/Which group tried/Which faction tried/' \"$2\"\n",
        encoding="utf-8",
    )
    editor.chmod(0o755)
    child = stalindeck(db, "review", "demo", editor=str(editor))
    child.sendline(":b")  # bury the typed card, so the group card is next
    child.expect("Which group tried")
    child.send("e")
    child.expect("Which faction tried")
    child.expect("re-imported")
    child.send("3")
    child.send("q")
    child.expect(pexpect.EOF)
    assert "Which faction tried" in deck.read_text(encoding="utf-8")


def test_edit_key_keeps_a_csv_deck_under_its_name(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("front,back\nWho led the secret police?,Beria\n", encoding="utf-8")
    stalindeck(db, "import", str(sheet), "--deck", "Rivals").expect(pexpect.EOF)
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/Beria,*$/Lavrentiy Beria/' \"$2\"\n", encoding="utf-8")
    editor.chmod(0o755)
    child = stalindeck(db, "review", editor=str(editor))
    child.expect("Who led the secret police")
    child.send("e")
    child.expect("re-imported")
    child.send(" ")
    child.expect("Lavrentiy Beria")
    child.send("q")
    child.expect(pexpect.EOF)
    decks = stalindeck(db, "decks")
    decks.expect(pexpect.EOF)
    listing = decks.before or ""
    assert "Rivals" in listing and "sheet" not in listing  # no second deck named after the file


def test_keys_typed_ahead_each_count_and_arrows_mean_nothing() -> None:
    from stalindeck.ui.review_screen import Keys

    chunks = iter([" 3", "\x1b[A", ":u\r", "\x1b", ""])
    keys = Keys(lambda: next(chunks))
    assert [keys() for _ in range(7)] == [" ", "3", ":", "u", "\r", "\x1b", ""]


def test_keys_typed_ahead_in_a_terminal(tmp_path: Path, write_deck: Callable[..., Path]) -> None:
    child = past_the_typed_card(tmp_path / "s.db", write_deck(DECK))
    child.send(" 3")  # reveal and Good, typed in one go: both count
    child.expect("not markup")
    child.send("\x1b[A")  # an arrow key: ignored, not taken for Esc (quit)
    child.send("q")
    child.expect("Reviewed 2 cards")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_editing_a_spreadsheet_question_says_it_is_a_new_card(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("front,back\nWho led the secret police?,Beria\n", encoding="utf-8")
    stalindeck(db, "import", str(sheet)).expect(pexpect.EOF)
    editor = tmp_path / "editor.sh"
    editor.write_text(
        "#!/bin/sh\nsed -i 's/Who led the secret police/Who ran the MVD/' \"$2\"\n",
        encoding="utf-8",
    )
    editor.chmod(0o755)
    child = stalindeck(db, "review", "sheet", editor=str(editor))
    child.expect("Who led the secret police")
    child.send("e")
    child.expect("Who ran the MVD")
    child.expect("known by their question")
    child.send("q")
    child.expect(pexpect.EOF)


def test_the_edit_key_leaves_an_installed_deck_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    """A deck installed with stalindeck is replaced by an upgrade: the edit key says how to
    get a copy of one's own instead of opening it (a source checkout's decks stay editable)."""
    from rich.console import Console

    from stalindeck import resources
    from stalindeck.decks.importing import import_paths
    from stalindeck.review.session import ReviewSession
    from stalindeck.ui.review_screen import ReviewScreen

    package = tmp_path / "site-packages" / "stalindeck"
    shipped = package / "_data" / "decks" / "demo.toml"
    shipped.parent.mkdir(parents=True)
    shipped.write_text(DECK, encoding="utf-8")
    monkeypatch.setattr(resources, "_PACKAGE", package)
    monkeypatch.setenv("EDITOR", str(tmp_path / "no-editor-may-run"))
    import_paths(store, [shipped], T0)
    screen = ReviewScreen(ReviewSession(store, clock=lambda: T0), Console(file=io.StringIO()))
    shown = screen.session.next_card()
    assert shown is not None and screen._edit(shown) is shown
    assert screen.message is not None
    assert "this deck comes with stalindeck" in screen.message.plain
    assert "stalindeck export deck demo -o FILE.toml" in screen.message.plain
    assert resources.is_shipped(shipped) and not resources.is_shipped(tmp_path / "demo.toml")


def test_a_typed_answer_marked_wrong_can_be_accepted(
    tmp_path: Path, write_deck: Callable[..., Path]
) -> None:
    db = tmp_path / "s.db"
    child = at_the_typed_card(db, write_deck(DECK))
    child.sendline("Feb 1956 at the 20th Congress")
    child.expect("wrong")
    child.expect("a it was right")
    child.send("a")
    child.expect("Which group tried to remove Khrushchev")
    child.expect_exact('"Feb 1956 at the 20th Congress" is right for this card from now on')
    child.send("u")  # undone: the card, and what it accepted
    child.expect("When did Khrushchev give the Secret Speech")
    child.sendline("Feb 1956 at the 20th Congress")
    child.expect("wrong")
    child.send("a")
    child.expect("Which group tried to remove Khrushchev")
    child.send("q")
    child.expect(pexpect.EOF)
    card = stalindeck(db, "card", "demo/speech", "--json")
    card.expect(pexpect.EOF)
    shown = json.loads(card.before or "")
    assert shown["accepted_by_you"] == ["Feb 1956 at the 20th Congress"]
    assert [row["grade"] for row in shown["history"]] == [3]


AHEAD_DECK = """id = "ahead"
name = "Ahead"

[[cards]]
id = "group"
front = "Which group tried to remove Khrushchev in 1957?"
back = "The Anti-Party Group"

[[cards]]
id = "who"
front = "Who gave the Secret Speech?"
back = "Khrushchev"
answer = "Khrushchev"

[[cards]]
id = "when"
front = "In which year was the Secret Speech?"
back = "1956"
answer = "1956"
"""


def test_an_answer_typed_ahead_is_the_answers_and_can_be_edited(
    tmp_path: Path, write_deck: Callable[..., Path]
) -> None:
    db = tmp_path / "s.db"
    stalindeck(db, "import", str(write_deck(AHEAD_DECK))).expect(pexpect.EOF)
    child = stalindeck(db, "review", "ahead")
    child.expect("Which group tried")
    child.send(" ")
    child.expect("Anti-Party Group")
    child.send("3Khrushchv")  # Good, then the next answer begun before its card is drawn
    child.expect("Who gave the Secret Speech")
    child.send("\x1b[D")  # the left arrow: edit the line, not an escape code in the answer
    child.send("e\r")
    child.expect("correct")
    child.expect("Enter = 3 Good")  # "Khrushchev": begun ahead, mended with the arrow
    child.send("3")
    child.expect("In which year")
    child.send("x")  # a stray key typed on a typed card's screen is not a command
    child.sendline("1956")
    child.expect("wrong")
    child.expect("Enter = 1 Again")  # "x1956": the keys typed ahead were the answer's
    child.send("q")
    child.expect(pexpect.EOF)
    export = stalindeck(db, "export", "reviews", "-f", "json", "-o", str(tmp_path / "r.json"))
    export.expect(pexpect.EOF)
    reviews = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [(row["card_id"], row["grade"]) for row in reviews] == [
        ("ahead/group", 3),
        ("ahead/who", 3),
    ]


def test_a_key_pressed_before_the_screen_waits_for_it_is_kept(tmp_path: Path) -> None:
    # A key typed while the card is drawn arrives before the read's switch to raw mode;
    # typer.getchar's switch (TCSAFLUSH) threw it away, and under load a student's key (or
    # a test's) was lost. Here it is read, as typed.
    import pty
    import threading
    import time

    from stalindeck.ui.review_screen import read_raw

    ours, theirs = pty.openpty()
    try:
        os.write(ours, b"e")  # typed while the terminal is still in its normal mode
        time.sleep(0.2)
        later = threading.Timer(2.0, os.write, (ours, b"z"))  # so a lost key cannot hang
        later.start()
        try:
            assert read_raw(theirs) == "e"
        finally:
            later.cancel()
            later.join()
    finally:
        os.close(ours)
        os.close(theirs)


def test_a_resize_while_the_screen_is_drawn_is_drawn_before_the_next_key(
    store: Store, write_deck: Callable[..., Path]
) -> None:
    # SIGWINCH outside the wait for a key (the screen being drawn, housekeeping after it)
    # was dropped: the screen stayed at the old width until the next card.
    from rich.console import Console

    from stalindeck.decks.importing import import_paths
    from stalindeck.review.session import ReviewSession
    from stalindeck.ui.review_screen import ReviewScreen

    import_paths(store, [write_deck(DECK)], T0)
    keys = iter("q")
    screen = ReviewScreen(
        ReviewSession(store, clock=lambda: T0),
        Console(file=io.StringIO(), width=80),
        read_key=lambda: next(keys),
    )
    drawn: list[int] = []
    screen._draw = lambda *_parts: drawn.append(1)  # type: ignore[method-assign]
    shown = screen.session.next_card()
    assert shown is not None
    screen._drawn = (shown, (), None)
    screen._on_resize(28, None)  # not waiting for a key: noted, not raised
    assert screen._key() == "q"
    assert drawn == [1]  # drawn again once, before the key was read
