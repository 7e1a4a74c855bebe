"""Hostile card text is shown inert everywhere: nothing from a deck reaches the terminal as a
control sequence, and nothing in it is taken for Rich markup. Also: hostile deck files."""

from __future__ import annotations

import io
import json
import os
import re
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.decks.toml_deck import load_deck
from stalindeck.errors import DeckError
from stalindeck.ui.safe import clean, for_terminal, inert_json, safe_text

# Each is written with TOML escapes, so the deck file itself is plain ASCII.
PAYLOADS = {
    "title": r"\u001b]0;PWNED-TITLE\u0007",
    "clipboard": r"\u001b]52;c;ZXZpbA==\u0007",
    "hyperlink": r"\u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\",
    "c1-csi": r"\u009b6n",
    "c1-osc": r"\u009d0;C1-TITLE\u009c",
    "report": r"\u001b[6n \u001b[21t",
    "nul": r"\u0000",
    "bidi": r"\u202egnp.exe\u202c \u2066x\u2069 \u200f",
    "line-separator": r"one\u2028two",
}
MARKUP = "[bold red]markup[/] [link=https://evil.example]click[/link]"
ALL = " ".join(PAYLOADS.values())

HOSTILE_DECK = f"""id = "hostile"
name = "Evil {PAYLOADS["title"]} [bold]deck[/] {PAYLOADS["c1-csi"]} {PAYLOADS["bidi"]}"
description = "{PAYLOADS["clipboard"]}"

[[cards]]
id = "markup"
front = "{MARKUP} {ALL} FRONT-END"
back = "{ALL} BACK-END"
extra = "{ALL} EXTRA-END"
tags = ["evil"]

[[cards]]
id = "typed"
front = "Type it {PAYLOADS["report"]}"
back = "answer {PAYLOADS["c1-osc"]}"
answer = "answer{PAYLOADS["bidi"]}"
"""

# What a terminal would act on. Rich's own output may style text (SGR), move the cursor and
# clear the screen; anything else, or any of the data's sequences, must not appear.
_RICH_CSI = re.compile(rb"\x1b\[[0-9;?]*[mHJKABCDGhlsu]")
_FORBIDDEN = (
    b"\x1b]",  # OSC: titles, clipboard, hyperlinks
    b"\x1bP",  # DCS
    b"\x1b_",  # APC
    b"\x1b^",  # PM
    b"\x00",
    "\u009b".encode(),
    "\u009d".encode(),
    "\u009c".encode(),
    "\u202e".encode(),
    "\u2066".encode(),
    "\u200f".encode(),
    "\u2028".encode(),
)


def assert_inert(data: bytes) -> None:
    """No control sequence from the data in `data`; only Rich's own CSI sequences remain."""
    for forbidden in _FORBIDDEN:
        assert forbidden not in data, f"{forbidden!r} reached the terminal"
    rest = _RICH_CSI.sub(b"", data)
    leftover = rest.find(b"\x1b")
    assert leftover == -1, f"escape sequence reached the terminal: {rest[leftover:][:20]!r}"


@pytest.fixture
def hostile_db(tmp_path: Path, write_deck: Callable[..., Path]) -> Path:
    db = tmp_path / "s.db"
    result = CliRunner().invoke(app, ["--db", str(db), "import", str(write_deck(HOSTILE_DECK))])
    assert result.exit_code == 0, result.output
    return db


def test_the_deck_really_holds_the_payloads(write_deck: Callable[..., Path]) -> None:
    deck = load_deck(write_deck(HOSTILE_DECK))
    front = deck.cards[0].front
    for raw in ("\x1b]0;PWNED", "\x1b]52;", "\x1b]8;;", "\x9b6n", "\x00", "\u202e", "\u2028"):
        assert raw in front
    assert "\x1b]0;PWNED" in deck.name


# -- the commands, in a real terminal --------------------------------------------------------

pexpect = pytest.importorskip("pexpect")


def spawn(db: Path, *args: str) -> tuple[pexpect.spawn, io.BytesIO]:
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "40"}
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "stalindeck", "--db", str(db), *args],
        env=env,
        dimensions=(40, 100),
        timeout=20,
    )
    seen = io.BytesIO()
    child.logfile_read = seen
    return child, seen


def test_review_screen_shows_hostile_cards_inert(hostile_db: Path) -> None:
    child, seen = spawn(hostile_db, "review", "hostile")
    child.expect("FRONT-END")
    child.send(" ")
    child.expect("EXTRA-END")
    child.send("4")
    child.expect("Type it")
    child.sendline("answer")
    child.expect("Enter = ")
    child.send("4")
    child.expect(pexpect.EOF)
    child.close()
    data = seen.getvalue()
    assert b"[bold red]markup[/]" in data  # shown literally, not as markup
    assert b"[link=https://evil.example]click[/link]" in data
    assert b"PWNED-TITLE" in data  # the text is shown, its escape is not
    assert_inert(data)


@pytest.mark.parametrize(
    "args",
    [
        ["decks"],
        ["status"],
        ["status", "--json"],
        ["export", "cards"],
        ["export", "cards", "-f", "json"],
        ["review", "nosuchdeck\x1b]0;x\x07"],
    ],
    ids=["decks", "status", "status-json", "export-csv", "export-json", "error-message"],
)
def test_lists_and_exports_are_inert_in_a_terminal(hostile_db: Path, args: list[str]) -> None:
    child, seen = spawn(hostile_db, *args)
    child.expect(pexpect.EOF)
    child.close()
    data = seen.getvalue()
    assert_inert(data)
    if args[0] != "review":
        assert b"PWNED-TITLE" in data or b"Evil" in data


def test_json_from_status_keeps_the_data(hostile_db: Path) -> None:
    result = CliRunner().invoke(app, ["--db", str(hostile_db), "status", "--json"])
    data = json.loads(result.stdout)
    name = data["decks"][0]["name"]
    assert "\u202e" in name and "\x9b" in name  # escaped in the text, intact in the data
    assert "\u202e" not in result.stdout and "\x9b" not in result.stdout


def test_export_to_a_file_keeps_the_data(hostile_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "cards.json"
    result = CliRunner().invoke(
        app, ["--db", str(hostile_db), "export", "cards", "-f", "json", "-o", str(target)]
    )
    assert result.exit_code == 0
    rows = json.loads(target.read_text(encoding="utf-8"))
    assert any("\x1b]52;c;" in row["front"] for row in rows)


def test_line_mode_is_inert_and_one_line_per_message(hostile_db: Path) -> None:
    result = CliRunner().invoke(
        app, ["--db", str(hostile_db), "review", "hostile"], input="\n3\nanswer\n\nq\n"
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert_inert(out.encode())
    assert "\x1b" not in out
    assert "[bold red]markup[/]" in out
    for line in out.splitlines():  # Unicode line breaks would split a message in two
        assert re.match(r"^\w+: |^$|^[A-Z]", line), line


# -- the cleaning itself, fuzzed -------------------------------------------------------------

_BIDI_AND_BREAKS = (
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\u2028\u2029"
)
_dangerous = st.sampled_from(
    [chr(code) for code in range(0x20)]
    + [chr(code) for code in range(0x7F, 0xA0)]
    + list(_BIDI_AND_BREAKS)
    + ["[", "]", "[/]", "[bold]", "[link=x]", ":smile:", "\\", ";", "m", "0"]
)
_hostile_text = st.lists(st.one_of(_dangerous, st.text(max_size=3)), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(_hostile_text)
def test_clean_leaves_nothing_a_terminal_acts_on(value: str) -> None:
    cleaned = clean(value)
    for char in cleaned:
        if char in "\n\t":
            continue
        category = unicodedata.category(char)
        assert category != "Cc", repr(char)
        assert char not in _BIDI_AND_BREAKS
    assert clean(cleaned) == cleaned


@settings(max_examples=200, deadline=None)
@given(_hostile_text)
def test_rendered_text_holds_only_rich_sequences(value: str) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="truecolor", width=60)
    console.print(safe_text(value, "bold red"))
    assert_inert(out.getvalue().encode())
    plain = io.StringIO()
    Console(file=plain, force_terminal=True, color_system=None, width=60).print(safe_text(value))
    assert "\x1b" not in plain.getvalue()


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.one_of(_hostile_text, st.integers()),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(_hostile_text, inner, max_size=3)
        ),
        max_leaves=8,
    )
)
def test_inert_json_is_the_same_data(value: object) -> None:
    text = inert_json(json.dumps(value, ensure_ascii=False))
    assert json.loads(text) == value
    assert_inert(text.encode())


def test_for_terminal_cleans_only_terminals() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        for_terminal(stream).write("a\x1b]0;x\x07b\x9b")
    assert tty.getvalue() == "a]0;xb" and pipe.getvalue() == "a\x1b]0;x\x07b\x9b"


# -- hostile deck files ----------------------------------------------------------------------


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(min_value=1, max_value=3000), st.sampled_from(["[", "{a=", "[[", "{"]))
def test_deep_nesting_is_a_clean_error(
    write_deck: Callable[..., Path], depth: int, opener: str
) -> None:
    closer = {"[": "]", "{a=": "}", "[[": "]]", "{": "}"}[opener]
    text = f'id = "x"\nname = "y"\nvalue = {opener * depth}1{closer * depth}\n'
    path = write_deck(text)
    with pytest.raises(DeckError) as caught:
        load_deck(path)
    assert all(problem.startswith(f"{path}:") for problem in caught.value.problems)


def test_size_limits_hold(write_deck: Callable[..., Path]) -> None:
    long_id = "a" * 5000
    text = (
        f'id = "{"d" * 65}"\nname = "n"\n\n[[cards]]\nid = "{long_id}"\nfront = "q"\n'
        f'back = "a"\ntags = ["{"t" * 65}"]\n'
    )
    path = write_deck(text)
    with pytest.raises(DeckError) as caught:
        load_deck(path)
    problems = "\n".join(caught.value.problems)
    assert f"{path}:1:" in problems  # the deck id is too long
    assert "tag" in problems and "id" in problems
