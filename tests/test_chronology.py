"""Chronology cards: events shown shuffled, typed back in order (deck format, checking, line
mode, the review screen, exports)."""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.decks import chronology
from stalindeck.decks.model import Kind
from stalindeck.decks.toml_deck import load_deck
from stalindeck.errors import DeckError
from stalindeck.review.matcher import Verdict
from stalindeck.review.order import check_order, order_grade, order_problem, typed_order
from stalindeck.review.typed import proposed_grade, to_accept

EVENTS = [
    "Beria arrested",
    "KGB split off from the MVD",
    "Malenkov loses the premiership",
    "The Secret Speech",
]
DECK = f"""id = "chrono"
name = "Chrono"

[[cards]]
id = "to-1956"
order = {EVENTS!r}
extra = "1953, 1954, 1955, 1956"
tags = ["chronology"]

"""
PROMPTED = """
[[cards]]
id = "prompted"
front = "Earliest first:"
order = ["Anti-Party Group defeated", "Khrushchev becomes Premier too"]
"""
runner = CliRunner()


def run(db: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", str(db), *args], input=input, env={"COLUMNS": "100"})
    return result.exit_code, result.stdout, result.stderr


def letters(front: str) -> dict[str, str]:
    """The events shown on a chronology front, by letter."""
    return {line[0]: line[3:] for line in front.split("\n")[1:]}


def right_order(front: str, events: list[str]) -> str:
    shown = {event: letter for letter, event in letters(front).items()}
    return "".join(shown[event] for event in events)


# --------------------------------------------------------------------------- the deck format


def test_an_order_entry_makes_one_card_with_the_events_shuffled(
    write_deck: Callable[..., Path],
) -> None:
    deck = load_deck(write_deck(DECK + PROMPTED))
    card, prompted = deck.cards
    assert (card.key, card.note, card.kind) == ("to-1956", "to-1956", Kind.CHRONOLOGY)
    assert card.front.split("\n")[0] == chronology.DEFAULT_PROMPT
    assert sorted(letters(card.front).values()) == sorted(EVENTS)
    assert list(letters(card.front).values()) != EVENTS  # never shown in the true order
    assert card.back == "\n".join(f"{n}. {event}" for n, event in enumerate(EVENTS, 1))
    assert card.answer is not None and card.answer.replace(" ", "") == right_order(
        card.front, EVENTS
    )
    assert card.tags == ("chronology",) and card.extra == "1953, 1954, 1955, 1956"
    assert prompted.front.startswith("Earliest first:\nA. ")
    # The same entry always makes the same card: importing it again edits nothing.
    assert load_deck(write_deck(DECK + PROMPTED)).cards == deck.cards


def test_two_events_in_order_are_shown_the_other_way_round() -> None:
    for note in ("a", "b", "c", "d"):
        front, _back, answer = chronology.card_sides(note, ["first", "second"], "Order:")
        assert front == "Order:\nA. second\nB. first" and answer == "B A"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('order = ["only one"]', "'order' has 1 events; give 2 to 9"),
        (f"order = {[str(n) for n in range(10)]!r}", "'order' has 10 events"),
        ('order = ["a", " "]', "'order' has an empty event"),
        ('order = ["a", "b", "a"]', "'order' lists 'a' twice"),
        ('order = ["a", "b\\nc"]', "has a line break"),
        ('order = "a, b"', "'order' must be a list of strings"),
        ('order = ["a", "b"]\nback = "x"', "a chronology card (with 'order') cannot have 'back'"),
        ('order = ["a", "b"]\nanswer = "x"', "cannot have 'answer'"),
        ('order = ["a", "b"]\ntext = "{{x}}"', "cannot have 'text'"),
        ('order = ["a", "b"]\nfront = "two\\nlines"', "'front' is one line"),
    ],
)
def test_a_bad_order_entry_is_one_problem_at_its_line(
    write_deck: Callable[..., Path], entry: str, message: str
) -> None:
    path = write_deck(f'id = "d"\nname = "D"\n\n[[cards]]\nid = "c"\n{entry}\n')
    with pytest.raises(DeckError) as raised:
        load_deck(path)
    problems = raised.value.problems
    assert any(message in p and re.search(r":[67]: c: ", p) for p in problems), problems


# ------------------------------------------------------------------------------ checking


@pytest.mark.parametrize("typed", ["CADB", "c a d b", "C, A, D, B", "c-a-d-b", "3142", "3 1 4 2"])
def test_an_order_may_be_typed_as_letters_or_numbers(typed: str) -> None:
    match = check_order(typed, "C A D B")
    assert (match.verdict, match.placed, proposed_grade(match)) == (Verdict.CORRECT, (4, 4), 3)


@pytest.mark.parametrize(
    ("typed", "placed", "grade"),
    [
        ("CABD", (2, 4), 2),  # two swapped: half in place, Hard
        ("ACDB", (2, 4), 2),
        ("BDAC", (0, 4), 1),  # none in place: Again
        ("CAD", (3, 4), 2),  # one left out
        ("CADBA", (4, 4), 2),  # one too many: not right, though all four are in place
        ("CCCC", (1, 4), 1),
        ("5142", (0, 4), 1),  # no fifth event: not an order
        ("the speech first", (0, 4), 1),
        ("", (0, 4), 1),
    ],
)
def test_a_wrong_order_proposes_a_grade_from_how_many_are_in_place(
    typed: str, placed: tuple[int, int], grade: int
) -> None:
    match = check_order(typed, "C A D B")
    assert (match.verdict, match.placed, proposed_grade(match)) == (Verdict.WRONG, placed, grade)
    assert order_grade(match) == grade
    assert to_accept(match, typed) == ""  # a wrong order is never accepted as right


def test_the_diff_marks_the_events_out_of_place() -> None:
    match = check_order("cabd", "C A D B")
    assert [(s.text, s.kind) for s in match.diff] == [
        ("C A ", "same"),
        ("B", "extra"),
        ("D", "missing"),
        (" ", "same"),
        ("D", "extra"),
        ("B", "missing"),
    ]
    assert "".join(s.text for s in match.diff if s.kind != "extra") == "C A D B"


@given(st.permutations("ABCDEF"))
def test_a_permutation_has_as_many_in_place_as_it_fixes(order: list[str]) -> None:
    match = check_order("".join(order), "A B C D E F")
    fixed = sum(a == b for a, b in zip(order, "ABCDEF", strict=True))
    assert match.placed == (fixed, 6)
    assert (match.verdict is Verdict.CORRECT) == (fixed == 6)
    assert "".join(s.text for s in match.diff if s.kind != "extra") == "A B C D E F"
    assert "".join(s.text for s in match.diff if s.kind != "missing") == " ".join(order)


@given(st.text(max_size=40))
def test_any_text_is_checked_without_raising(typed: str) -> None:
    match = check_order(typed, "B A C")
    assert match.placed is not None and 0 <= match.placed[0] <= 3
    assert 1 <= proposed_grade(match) <= 3


def test_typed_order_reads_letters_and_numbers() -> None:
    assert typed_order("b a", 2) == ["B", "A"]
    assert typed_order("21", 2) == ["B", "A"]
    assert typed_order("C", 2) is None and typed_order("3", 2) is None
    assert typed_order(" ", 2) is None
    assert typed_order("2\u00b9", 2) is None  # a superscript is no number of an event
    assert check_order("\u00b2", "B A").verdict is Verdict.WRONG


# ---------------------------------------------------------------------- line mode, exports


@pytest.fixture
def db(tmp_path: Path, write_deck: Callable[..., Path]) -> Path:
    db = tmp_path / "s.db"
    assert run(db, "import", str(write_deck(DECK)))[0] == 0
    return db


@pytest.fixture
def right(write_deck: Callable[..., Path]) -> str:
    """The letters of the deck's chronology card, in order."""
    return right_order(load_deck(write_deck(DECK)).cards[0].front, EVENTS)


def test_line_mode_checks_an_order_and_shows_what_is_out_of_place(db: Path, right: str) -> None:
    swapped = right[1] + right[0] + right[2:]
    code, out, _ = run(db, "review", "chrono", input=f"{swapped}\n\nq\n")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].startswith("question: Put these events in order, earliest first: / A. ")
    assert "answer: 1. Beria arrested / 2. KGB split off from the MVD / 3." in out
    result = next(line for line in lines if line.startswith("result: "))
    assert result == (
        f"result: wrong; expected {' '.join(right)}; proposed 2; 2 of 4 in place; "
        f"[{right[1]}→{right[0]}] [{right[0]}→{right[1]}] {right[2]} {right[3]}"
    )
    assert "graded: 2 Hard" in out  # Enter takes the proposed grade


def test_line_mode_takes_a_right_order_as_numbers(db: Path, right: str) -> None:
    numbers = " ".join(str("ABCD".index(letter) + 1) for letter in right)
    code, out, _ = run(db, "review", "chrono", input=f"{numbers}\n\nq\n")
    assert code == 0
    assert f"result: correct; expected {' '.join(right)}; proposed 3; 4 of 4 in place" in out
    assert "graded: 3 Good" in out


@pytest.mark.parametrize("typed", ["zz", "ABC", "ABCC", "ABCDE", "1235", "A B C C"])
def test_what_names_no_order_of_the_events_is_a_problem(typed: str) -> None:
    problem = order_problem(typed, 4)
    assert problem == (
        f"{typed!r} is not an order of the 4 events: type the letters A-D, each once, "
        "earliest first, or their numbers 1-4"
    )


@pytest.mark.parametrize("typed", ["", "  ", "BADC", "b a d c", "2, 1, 4, 3", "D-C-B-A"])
def test_an_order_of_the_events_or_nothing_is_no_problem(typed: str) -> None:
    assert order_problem(typed, 4) is None


def test_line_mode_asks_again_for_what_is_not_an_order(db: Path, right: str) -> None:
    code, out, _ = run(db, "review", "chrono", input=f"zz\n{right[:3]}\n{right}\n\nq\n")
    assert code == 0
    lines = out.splitlines()
    assert lines[2] == (
        "error: 'zz' is not an order of the 4 events: type the letters A-D, each once, "
        "earliest first, or their numbers 1-4"
    )
    assert lines[3].startswith(f"error: {right[:3]!r} is not an order of the 4 events")
    assert lines[4].startswith("answer: 1. Beria arrested")  # nothing lost: the third try
    assert f"result: correct; expected {' '.join(right)}; proposed 3" in out
    assert "graded: 3 Good" in out


def test_a_chronology_deck_exports_as_toml_that_imports_unchanged(
    tmp_path: Path, write_deck: Callable[..., Path]
) -> None:
    db = tmp_path / "s.db"
    assert run(db, "import", str(write_deck(DECK + PROMPTED)))[0] == 0
    out = tmp_path / "out.toml"
    assert run(db, "export", "deck", "chrono", "-o", str(out))[0] == 0
    text = out.read_text(encoding="utf-8")
    assert f"order = {EVENTS!r}".replace("'", '"') in text
    assert 'front = "Earliest first:"' in text
    code, stdout, _ = run(db, "import", str(out))
    assert code == 0
    assert stdout.splitlines()[1].split() == ["chrono", "0", "0", "2", "0"]  # unchanged


def test_a_chronology_card_goes_to_anki_as_a_plain_card(
    db: Path, tmp_path: Path, right: str
) -> None:
    out = tmp_path / "c.apkg"
    assert run(db, "export", "apkg", "chrono", "-o", str(out))[0] == 0
    with zipfile.ZipFile(out) as package:
        package.extract("collection.anki2", tmp_path)
    anki = sqlite3.connect(tmp_path / "collection.anki2")
    fields = [row[0].split("\x1f") for row in anki.execute("select flds from notes")]
    anki.close()
    card = next(f for f in fields if "Beria arrested" in f[0])
    assert card[0].startswith("Put these events in order, earliest first:<br>A. ")
    assert card[1].startswith("1. Beria arrested<br>2. KGB split off from the MVD<br>")
    assert card[1].endswith("<br><br>" + " ".join(right))


# ------------------------------------------------------------------------------ the screen

pexpect = pytest.importorskip("pexpect")


def test_the_review_screen_takes_an_order(db: Path, right: str) -> None:
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "stalindeck", "--db", str(db), "review", "chrono", "--limit", "1"],
        env=env,
        dimensions=(24, 80),
        encoding="utf-8",
        timeout=20,
    )
    child.expect("Put these events in order")
    child.expect("type, then Enter")
    child.sendline("zz")  # not an order: said so, and the card asked again
    child.expect("'zz' is not an order of the 4 events")
    child.expect("numbers 1-4")
    child.expect("> ")
    child.sendline(right[1] + right[0] + right[2:])
    child.expect("wrong")
    child.expect("2 of 4 in place")
    child.expect("Enter = 2 Hard")
    child.send("\r")
    child.expect("type, then Enter")  # the card again, learning: it comes back in minutes
    child.sendline(":q")
    child.expect("Reviewed 1 card")
    child.expect(pexpect.EOF)
