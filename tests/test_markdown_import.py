"""Markdown flashcards (hashcards and repeater style): Q:/A:, C: [deletions], --- and headings."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stalindeck.decks.formats import load_files
from stalindeck.decks.importing import import_paths
from stalindeck.decks.model import DeckSpec, Kind
from stalindeck.errors import DeckError
from stalindeck.store.open import Store

from .conftest import T0

DECK = """# Capitals

Q: What is the capital of France?
A: Paris

Q: List the SI base units
of length and mass.
A: metre (m)
kilogram (kg)
---
Some notes that are not a card.

C: [Paris] is the capital of [France]; see [the map](https://example.com).

## Code

Q: What does this print?
```
Q: not a card
print(1)
```
A: 1
"""


def write(tmp_path: Path, text: str, name: str = "capitals.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_markdown(path: Path) -> list[DeckSpec]:
    return load_files([path])[0]


def test_cards_sections_and_deletions(tmp_path: Path) -> None:
    (deck,) = load_markdown(write(tmp_path, DECK))
    assert (deck.slug, deck.name) == ("capitals", "capitals")
    basic, units, first, second, code = deck.cards
    assert (basic.front, basic.back, basic.section, basic.line) == (
        "What is the capital of France?",
        "Paris",
        "Capitals",
        3,
    )
    assert units.front == "List the SI base units\nof length and mass."
    assert units.back == "metre (m)\nkilogram (kg)"
    assert (first.kind, first.front) == (
        Kind.CLOZE,
        "[...] is the capital of France; see [the map](https://example.com).",
    )
    assert second.front == "Paris is the capital of [...]; see [the map](https://example.com)."
    assert first.note == second.note and second.key == first.note + "/c2"
    assert code.section == "Code"
    assert code.front == "What does this print?\n```\nQ: not a card\nprint(1)\n```"


def test_identity_is_the_question(tmp_path: Path) -> None:
    (deck,) = load_markdown(write(tmp_path, "Q: Same?\nA: one\n"))
    (edited,) = load_markdown(write(tmp_path, "Q: Same?\nA: two\n"))
    (renamed,) = load_markdown(write(tmp_path, "Q: Same, edited?\nA: two\n"))
    assert deck.cards[0].key == edited.cards[0].key != renamed.cards[0].key


def test_problems_are_all_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "A: orphan answer\n\nQ: no answer\n---\nC: no deletion\n\nQ: dup\nA: 1\nQ: dup\nA: 2\n"
        "---\nA: orphan at the end\n",
    )
    with pytest.raises(DeckError) as caught:
        load_markdown(path)
    assert list(caught.value.problems) == [  # in the file's order
        f"{path}:1: 'A:' without a 'Q:' before it",
        f"{path}:3: question has no 'A:' answer",
        f"{path}:5: cloze text has no [...] deletion",
        f"{path}:9: same question as line 7: cards are identified by their question, "
        "so each must be unique",
        f"{path}:12: 'A:' without a 'Q:' before it",
    ]


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(DeckError, match="1 problem"):
        load_markdown(write(tmp_path, "# Just notes\n\nNo cards here.\n"))


def test_import_and_reimport(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, DECK)
    (changes,) = import_paths(store, [path], T0, deck_name="World capitals")
    assert (changes.slug, changes.added) == ("world-capitals", 5)
    write(tmp_path, DECK.replace("A: Paris", "A: Paris, on the Seine"))
    (changes,) = import_paths(store, [path], T0, deck_name="World capitals")
    assert (changes.added, changes.updated, changes.unchanged) == (0, 1, 4)
    assert store.path is not None
    with sqlite3.connect(store.path) as connection:
        backs = [row[0] for row in connection.execute("SELECT back FROM cards WHERE NOT retired")]
    assert "Paris, on the Seine" in backs


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("QAC: \n-#[]{}`ab")), max_size=80))
def test_fuzzed_markdown_gives_only_clean_errors(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text, "fuzz.md")
    try:
        decks = load_markdown(path)
    except DeckError as error:
        assert all(problem.startswith(f"{path}:") for problem in error.problems)
    else:
        assert decks[0].cards


def test_a_line_separator_inside_a_question_is_not_a_new_line(tmp_path: Path) -> None:
    """U+2028 pasted inside a question keeps it one line: problems name the line an editor
    shows, and the question reads as two lines."""
    path = tmp_path / "rivals.md"
    path.write_text(
        "Q: Who became First Secretary\u2028in September 1953?\r\nA: Khrushchev\r\n\r\n"
        "Q: Who was arrested in June 1953?\r\n",
        encoding="utf-8",
    )
    with pytest.raises(DeckError) as caught:
        load_files([path])
    assert list(caught.value.problems) == [f"{path}:4: question has no 'A:' answer"]
    path.write_text(path.read_text(encoding="utf-8") + "A: Beria\n", encoding="utf-8")
    (deck,), _ = load_files([path])
    assert [(card.front, card.back, card.line) for card in deck.cards] == [
        ("Who became First Secretary\u2028in September 1953?", "Khrushchev", 1),
        ("Who was arrested in June 1953?", "Beria", 4),
    ]


def test_cloze_problems_are_written_in_the_files_own_syntax(tmp_path: Path) -> None:
    path = tmp_path / "clozes.md"
    path.write_text(
        "C: No deletion here.\n\nC: An empty [ ] one.\n\nC: Hint empty [1957::] here.\n",
        encoding="utf-8",
    )
    with pytest.raises(DeckError) as caught:
        load_files([path])
    assert list(caught.value.problems) == [
        f"{path}:1: cloze text has no [...] deletion",
        f"{path}:3: cloze deletion '[]' is empty",
        f"{path}:5: cloze deletion '[1957::]' has an empty hint",
    ]
