"""A typed answer marked wrong that the student knows is right: accepted with `a`, graded Good,
and right for that card from then on, for that profile only; undo and `card --unaccept` take
it back."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.decks.importing import import_paths
from stalindeck.review.matcher import Verdict
from stalindeck.review.session import ReviewSession
from stalindeck.review.typed import acceptable, check
from stalindeck.store.open import Store, open_store
from stalindeck.store.reviews import accepted_answers

from .conftest import T0, FakeClock, rollover_far_from_now

DECK = """id = "soviet"
name = "Soviet"

[[cards]]
id = "bloc"
front = "Which state led the Warsaw Pact?"
back = "The Soviet Union"
answer = "Soviet Union"
accept = ["the Soviet Union"]
"""
runner = CliRunner()


def run(db: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", str(db), *args], input=input, env={"COLUMNS": "100"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def soviet(store: Store, db_path: Path, write_deck: Callable[..., Path]) -> Path:
    path = write_deck(DECK)
    import_paths(store, [path], T0)
    # On the real clock, the card's learning step comes back within the same study day.
    run(db_path, "settings", "rollover_hour", rollover_far_from_now())
    return path


def test_an_accepted_answer_is_right_from_then_on_and_undo_takes_it_back(
    store: Store, soviet: Path, clock: FakeClock
) -> None:
    session = ReviewSession(store, clock=clock)
    shown = session.next_card()
    assert shown is not None
    card = shown.card
    assert check(card, "USSR", card.answer or "", session.accepted(card.card_id)).verdict is (
        Verdict.WRONG
    )
    after = session.answer(3, accept="USSR")
    assert after.reps == 1
    assert session.accepted(card.card_id) == ("USSR",)
    assert check(card, "ussr", card.answer or "", ("USSR",)).verdict is Verdict.CORRECT
    session.undo()
    assert session.accepted(card.card_id) == ()  # the answer and the acceptance, together
    session.answer(3, accept="USSR")
    # Edited and imported again, the card keeps what the student accepted.
    soviet.write_text(DECK.replace("Warsaw Pact?", "Warsaw Pact (1955)?"), encoding="utf-8")
    import_paths(store, [soviet], T0)
    assert accepted_answers(store) == {card.card_id: ("USSR",)}


def test_what_can_be_accepted() -> None:
    assert acceptable("USSR") and acceptable("x" * 200)
    for refused in ("", " USSR", "two\nlines", "x" * 201):
        assert not acceptable(refused)


def test_accepting_is_a_profiles_own(db_path: Path, soviet: Path) -> None:
    code, out, err = run(db_path, "review", "soviet", input="USSR\na\n:q\n")
    assert code == 0, err
    assert "result: wrong" in out and "accepted: USSR" in out and "graded: 3 Good" in out
    code, out, err = run(db_path, "review", "soviet", input="ussr\n\n:q\n")  # back in 10m
    assert "result: correct; expected USSR" in out
    other = open_store(str(db_path), profile="sam")
    assert accepted_answers(other) == {}
    other.close()
    code, out, err = run(db_path, "card", "soviet/bloc", "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["answer"] == "Soviet Union" and shown["accept"] == ["the Soviet Union"]
    assert shown["accepted_by_you"] == ["USSR"]
    assert "USSR (yours)" in run(db_path, "card", "soviet/bloc")[1]


def test_line_mode_offers_a_only_for_an_answer_marked_wrong(db_path: Path, soviet: Path) -> None:
    code, out, err = run(db_path, "review", "soviet", input="Soviet Union\na\n:q\n")
    assert code == 0, err
    assert "result: correct" in out and "error: 'a' is not a grade; answer 1-4, or" in out
    code, out, err = run(db_path, "review", "soviet", input="Russia\nx\n:q\n")
    assert "answer 1-4, a (it was right), or u, s, b, q" in out


def test_unaccept(db_path: Path, soviet: Path) -> None:
    run(db_path, "review", "soviet", input="USSR\na\n:q\n")
    code, out, err = run(db_path, "card", "soviet/bloc", "--unaccept", "Soviet Russia")
    assert code == 1 and err.count("\n") == 1
    assert "'Soviet Russia' is not an answer you accepted for soviet/bloc (yours: 'USSR')" in err
    code, out, err = run(db_path, "card", "soviet/bloc", "--unaccept", "USSR")
    assert code == 0, err
    assert "'USSR' no longer counts as right for soviet/bloc." in out
    code, out, err = run(db_path, "review", "soviet", "--ahead", input="USSR\n\n:q\n")
    assert "result: wrong" in out and "graded: 1 Again" in out
