"""`review --type` on a reveal card checks the short answer its back gives, not its gloss."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.review.typed import short_answer

DECK = """id = "police"
name = "Police"

[[cards]]
id = "secret-police"
front = "MVD (secret police under Stalin)"
back = "KGB (what Khrushchev reorganised it into)"
"""


@pytest.mark.parametrize(
    ("back", "short"),
    [
        ("KGB (what Khrushchev reorganised it into)", "KGB"),
        ("25 February 1956 (closed session, 20th Party Congress)", "25 February 1956"),
        ("Brezhnev - Khrushchev had not removed Stalinism for good", "Brezhnev"),
        ("Brezhnev: a sign that Stalinism had not gone", "Brezhnev"),
        ("Revolutionary Russia, 1891-1991 (2014)", "Revolutionary Russia, 1891-1991"),
        ("Terror, repression and a rigid state", "Terror, repression and a rigid state"),
        ("(only a gloss)", "(only a gloss)"),
    ],
)
def test_the_short_answer_of_a_back(back: str, short: str) -> None:
    assert short_answer(back) == short


@pytest.mark.parametrize(
    ("typed", "result"),
    [
        ("KGB", "correct; expected KGB;"),
        ("the KGB", "correct; expected KGB;"),
        ("KGB (what Khrushchev reorganised it into)", "correct; expected KGB (what"),
        ("MVD", "wrong; expected KGB"),
    ],
)
def test_review_type_on_a_reveal_card_checks_its_short_answer(
    tmp_path: Path, write_deck: Callable[..., Path], typed: str, result: str
) -> None:
    db = tmp_path / "s.db"
    deck = write_deck(DECK)
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(db), "import", str(deck)]).exit_code == 0
    out = runner.invoke(app, ["--db", str(db), "review", "--type", "police"], input=f"{typed}\nq\n")
    assert out.exit_code == 0, out.output
    assert f"result: {result}" in out.stdout
