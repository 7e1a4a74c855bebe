"""The TOML deck format: what it builds, and every problem validation must catch."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stalindeck.decks.importing import import_paths
from stalindeck.decks.model import Kind
from stalindeck.decks.toml_deck import MAX_DECK_BYTES, load_deck, load_decks
from stalindeck.errors import DeckError
from stalindeck.store.open import Store

from .conftest import BUNDLED_DECK, T0

HEADER = 'id = "demo"\nname = "Demo"\ntags = ["exam"]\n'


def problems(path: Path) -> list[str]:
    with pytest.raises(DeckError) as caught:
        load_deck(path)
    return list(caught.value.problems)


def test_card_kinds(write_deck: Callable[..., Path]) -> None:
    path = write_deck(
        HEADER
        + """
[[cards]]
id = "speech"
front = "Secret Speech?"
back = "25 February 1956"
answer = "25 February 1956"
accept = ["25/2/1956"]
tags = ["speech"]

[[cards]]
id = "mvd"
front = "MVD"
back = "KGB"
reverse = true

[[cards]]
id = "released"
text = "In {{June 1956}}, {{51,439::a number}} prisoners were released."
type = true
"""
    )
    deck = load_deck(path)
    keys = [card.key for card in deck.cards]
    assert keys == ["speech", "mvd", "mvd/reverse", "released/c1", "released/c2"]
    speech, mvd, mvd_reverse, c1, c2 = deck.cards
    assert speech.answer == "25 February 1956" and speech.accept == ("25/2/1956",)
    assert speech.tags == ("exam", "speech")
    assert (mvd_reverse.kind, mvd_reverse.front, mvd_reverse.back) == (Kind.REVERSE, "KGB", "MVD")
    assert mvd_reverse.note == mvd.note == "mvd"
    assert c1.front == "In [...], 51,439 prisoners were released."
    assert c2.front == "In June 1956, [a number] prisoners were released."
    assert c1.back == "In June 1956, 51,439 prisoners were released."
    assert (c1.answer, c2.answer) == ("June 1956", "51,439")
    assert speech.line == 5 and c1.line == 19


def test_every_problem_reported_with_file_line_and_card(write_deck: Callable[..., Path]) -> None:
    path = write_deck(
        HEADER
        + """
colour = "red"

[[cards]]
id = "one"
front = "Q"
back = ""

[[cards]]
id = "one"
front = "Q2"
back = "A2"
hint = "x"

[[cards]]
id = "Bad Id"
text = "no deletions here"

[[cards]]
id = "cloze"
text = "broken {{deletion"

[[cards]]
id = "typed"
front = 1956
back = "A"
reverse = "yes"
tags = "not-a-list"
"""
    )
    found = problems(path)
    text = "\n".join(found)
    assert f"{path}:5: unknown deck key 'colour'" in text
    assert f"{path}:10: one: 'back' is empty" in text
    assert f"{path}:12: one: duplicate id (first used at line 7)" in text
    assert f"{path}:16: one: unknown card key 'hint'" in text
    assert f"{path}:18: Bad Id: card id 'Bad Id' is not valid" in text
    assert f"{path}:20: Bad Id: cloze text has no {{{{...}}}} deletion" in text
    assert "cloze: cloze text has unbalanced braces" in text
    assert f"{path}:28: typed: 'front' must be a string, not a number" in text
    assert "typed: 'reverse' must be true or false" in text
    assert "typed: 'tags' must be a list of strings" in text
    assert all(line.startswith(f"{path}:") for line in found)


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ('text = "{{}}"', "is empty"),
        ('text = "a {{b {{c}} d}}"', "nested or unclosed"),
        ('text = "a {{b::}}"', "empty hint"),
        ('text = "a }} b {{c}}"', "unbalanced"),
        ('front = "Q"', "missing 'back'"),
        ('front = "Q"\nback = "A"\naccept = ["x"]', "'accept' needs an 'answer'"),
        ('front = "Q"\nback = "A"\nreverse = true\nanswer = "A"', "reversed card cannot"),
        ('text = "a {{b}}"\nanswer = "b"', "cloze card (with 'text') cannot have 'answer'"),
        ('front = "Q"\nback = "A"\ntags = ["two words"]', "no spaces"),
        ('front = "Q"\nback = "A"\naccept = [""]', "list of non-empty strings"),
        ('text = "{{c1::Paris}} and {{Rome}}"', "mixes Anki's {{c1::...}} deletions with"),
        ('text = "{{c1::}} and {{c2::Rome}}"', "is empty"),
        ('text = "{{c1::Paris::}}"', "empty hint"),
        ('text = "{{c1::Paris\\nRome}}"', "spans a line break"),
    ],
)
def test_card_problems(write_deck: Callable[..., Path], card: str, message: str) -> None:
    path = write_deck(HEADER + f'\n[[cards]]\nid = "c"\n{card}\n')
    assert any(message in problem for problem in problems(path)), problems(path)


def test_anki_cloze_syntax_is_read_as_spreadsheets_and_packages_read_it(
    write_deck: Callable[..., Path], store: Store
) -> None:
    path = write_deck(
        HEADER
        + """
[[cards]]
id = "speech"
text = "{{c1::Khrushchev}} gave the Secret Speech in {{c2::1956::year}}."
type = true
"""
    )
    deck = load_deck(path)
    assert [card.key for card in deck.cards] == ["speech/c1", "speech/c2"]
    first, second = deck.cards
    assert (first.front, first.answer) == ("[...] gave the Secret Speech in 1956.", "Khrushchev")
    assert (second.front, second.answer) == ("Khrushchev gave the Secret Speech in [year].", "1956")
    assert first.back == second.back == "Khrushchev gave the Secret Speech in 1956."
    assert first.line == 5 and {card.note for card in deck.cards} == {"speech"}
    import_paths(store, [path], T0)
    assert store.path is not None
    with sqlite3.connect(store.path) as connection:
        stored = connection.execute(
            "SELECT key, front, answer FROM cards WHERE key LIKE 'speech/%' ORDER BY key"
        ).fetchall()
    assert stored == [
        ("speech/c1", "[...] gave the Secret Speech in 1956.", "Khrushchev"),
        ("speech/c2", "Khrushchev gave the Secret Speech in [year].", "1956"),
    ]


def test_a_cloze_number_used_twice_is_one_card_as_in_anki(
    write_deck: Callable[..., Path], store: Store, tmp_path: Path
) -> None:
    from stalindeck.interop.toml_export import export_deck_toml

    path = write_deck(
        HEADER
        + """
[[cards]]
id = "beria"
text = "{{c1::Beria}} was arrested in 1953 and {{c1::shot}}; {{c3::Malenkov::who}} stayed."
"""
    )
    deck = load_deck(path)
    assert [(card.key, card.front) for card in deck.cards] == [
        ("beria/c1", "[...] was arrested in 1953 and [...]; Malenkov stayed."),
        ("beria/c3", "Beria was arrested in 1953 and shot; [who] stayed."),
    ]
    import_paths(store, [path], T0)
    # `export deck` gives the numbered text back, and importing it changes nothing.
    out = tmp_path / "again.toml"
    export_deck_toml(store, "demo", out, force=False)
    assert "{{c1::Beria}} was arrested in 1953 and {{c1::shot}}; {{c3::Malenkov::who}}" in (
        out.read_text(encoding="utf-8")
    )
    (changes,) = import_paths(store, [out], T0, replace=True)
    assert (changes.added, changes.updated, changes.retired) == (0, 0, 0)


def test_mixed_cloze_syntaxes_are_one_problem(write_deck: Callable[..., Path]) -> None:
    path = write_deck(HEADER + '\n[[cards]]\nid = "mixed"\ntext = "{{c1::Paris}} and {{Rome}}"\n')
    assert problems(path) == [
        f"{path}:7: mixed: cloze text mixes Anki's {{{{c1::...}}}} deletions with {{{{...}}}} "
        "ones: write every deletion of a card the same way"
    ]


def test_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    card = '\n[[cards]]\nid = "a"\nfront = "Q"\nback = "A"\n'
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + card).encode())
    deck = load_deck(path)
    assert (deck.slug, deck.cards[0].line) == ("demo", 5)
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + card.replace('"A"', '""')).encode())
    assert problems(path) == [f"{path}:8: a: 'back' is empty"]


def test_invalid_ids_say_why_and_suggest_one(write_deck: Callable[..., Path]) -> None:
    ids = ['"q1_truman"', '"UPPER"', '"-lead"', f'"{"a" * 65}"', '"日本"', '""', "5"]
    cards = "".join(f'\n[[cards]]\nid = {card_id}\nfront = "Q"\nback = "A"\n' for card_id in ids)
    path = write_deck('id = "Bad Deck"\nname = "Demo"\n' + cards + '\n[[cards]]\nfront = "Q"\n')
    use = "use lower-case letters, digits and '-'"
    assert problems(path) == [
        f"{path}:1: deck id 'Bad Deck' is not valid: {use} (e.g. 'bad-deck')",
        f"{path}:4: q1_truman: card id 'q1_truman' is not valid: {use} (e.g. 'q1-truman')",
        f"{path}:9: UPPER: card id 'UPPER' is not valid: {use} (e.g. 'upper')",
        f"{path}:14: -lead: card id '-lead' is not valid: start it with a letter or a digit "
        "(e.g. 'lead')",
        f"{path}:19: {'a' * 65}: card id '{'a' * 65}' is not valid: use at most 64 characters "
        f"(e.g. '{'a' * 64}')",
        f"{path}:24: 日本: card id '日本' is not valid: {use}",
        f"{path}:29: card 6: card 'id' is empty: give a slug of a-z, 0-9 and '-'",
        f"{path}:34: card 7: card 'id' must be a string, not a number",
        f"{path}:39: card 8: card needs an 'id': a slug of a-z, 0-9 and '-'",
        f"{path}:39: card 8: missing 'back' (or give 'text' for a cloze card)",
    ]


def test_lines_inside_multiline_strings_are_not_cards_or_keys(
    write_deck: Callable[..., Path],
) -> None:
    lines = [
        *HEADER.splitlines(),
        "",
        "[[cards]]",  # 5
        'id = "one"',
        'front = """',
        "[[cards]]",
        'back = "inside the front, with an escaped \\""" in it"',
        '"""',
        'back = ""',  # 11
        "extra = '''",
        "  [[cards]]'''",
        '# a comment with """ in it',
        "section = 'a \"quoted\" section'",
        "",
        "[[cards]]",  # 17
        'id = "two"',
        'front = "Q"',
        'back = ""',  # 20
    ]
    path = write_deck("\n".join(lines) + "\n")
    assert problems(path) == [
        f"{path}:11: one: 'back' is empty",
        f"{path}:20: two: 'back' is empty",
    ]
    fixed = write_deck(path.read_text().replace('back = ""', 'back = "A"'))
    assert [card.line for card in load_deck(fixed).cards] == [5, 17]


def test_toml_syntax_error_has_line(write_deck: Callable[..., Path]) -> None:
    path = write_deck(HEADER + '\n[[cards]]\nid = "c"\nfront = "unterminated\n')
    (problem,) = problems(path)
    assert problem.startswith(f"{path}:7: not valid TOML")


def test_deck_level_problems(write_deck: Callable[..., Path]) -> None:
    path = write_deck('name = ""\ncards = []\n')
    found = problems(path)
    assert (
        f"{path}:1: deck needs an 'id': a slug of a-z, 0-9 and '-', e.g. id = \"my-deck\"" in found
    )
    assert any("'name' is empty" in problem for problem in found)
    assert any("deck has no cards" in problem for problem in found)


def test_oversized_and_binary_files_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    with big.open("wb") as stream:
        stream.truncate(MAX_DECK_BYTES + 1)
    assert "decks are limited to" in problems(big)[0]
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b'id = "x"\n\xff\xfe')
    assert "not valid UTF-8" in problems(binary)[0]


def test_same_deck_id_in_two_files(write_deck: Callable[..., Path]) -> None:
    card = '\n[[cards]]\nid = "c"\nfront = "Q"\nback = "A"\n'
    first = write_deck(HEADER + card, "a.toml")
    second = write_deck(HEADER + card, "b.toml")
    with pytest.raises(DeckError) as caught:
        load_decks([first, second])
    assert "deck id 'demo' is also used by" in caught.value.problems[0]


def test_bundled_deck_validates() -> None:
    deck = load_deck(BUNDLED_DECK)
    assert deck.slug == "khrushchev-destalinisation"
    assert len({card.note for card in deck.cards}) >= 80
    assert {Kind.BASIC, Kind.REVERSE, Kind.CLOZE} <= {card.kind for card in deck.cards}
    assert any(card.answer for card in deck.cards)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_fuzzed_text_gives_only_clean_errors(write_deck: Callable[..., Path], text: str) -> None:
    path = write_deck(text)
    try:
        load_deck(path)
    except DeckError as error:
        assert error.problems and all(p.startswith(f"{path}:") for p in error.problems)


_scalars = st.one_of(st.text(max_size=20), st.integers(), st.booleans(), st.none())
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=5)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "front",
                    "back",
                    "text",
                    "reverse",
                    "answer",
                    "accept",
                    "type",
                    "tags",
                    "extra",
                    "bogus",
                ]
            ),
            _values,
            max_size=6,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_fuzzed_structures_give_only_clean_errors(
    write_deck: Callable[..., Path], cards: list[dict[str, object]]
) -> None:
    import json

    lines = [HEADER]
    for card in cards:
        lines.append("[[cards]]")
        for key, value in card.items():
            if value is None:
                continue
            lines.append(f"{key} = {json.dumps(value)}")
    path = write_deck("\n".join(lines) + "\n")
    try:
        deck = load_deck(path)
    except DeckError as error:
        assert all(p.startswith(f"{path}:") for p in error.problems)
    else:
        assert deck.cards
