"""Names as a student types them: decks by title or slug in any case or by a unique start,
tags in any case, a card by its key alone, an accepted answer in any case; a slip gets
"did you mean …" in every command that takes names."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.errors import NotFoundError
from stalindeck.names import Named, did_you_mean, match

runner = CliRunner()

LEADERS = """id = "soviet-leaders"
name = "Soviet Leaders & Rivals"

[[cards]]
id = "beria-secret-police"
front = "Who ran the secret police in 1953?"
back = "Lavrentiy Beria"
answer = "Lavrentiy Beria"
tags = ["historians"]

[[cards]]
id = "speech"
front = "Which congress heard the Secret Speech?"
back = "the 20th"
tags = ["congress"]
"""

ECONOMY = """id = "soviet-economy"
name = "Soviet Economy"

[[cards]]
id = "virgin-lands"
front = "Which campaign ploughed Kazakhstan?"
back = "Virgin Lands"
tags = ["agriculture"]
"""


def run(db: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(
        app, ["--db", str(db), *args], input=input, env={"COLUMNS": "100", "NO_COLOR": "1"}
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "s.db"
    for name, text in (("leaders.toml", LEADERS), ("economy.toml", ECONOMY)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        code, _, err = run(path, "import", str(tmp_path / name))
        assert code == 0, err
    return path


def first_card(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("card: ")).split()[1]


@pytest.mark.parametrize(
    "name",
    [
        "soviet leaders & rivals",
        "SOVIET LEADERS  &  RIVALS",
        "Soviet-Leaders",
        "soviet-l",
        "soviet l",
    ],
)
def test_review_takes_a_deck_by_title_any_case_or_unique_start(db: Path, name: str) -> None:
    code, out, err = run(db, "review", name, input=":q\n")
    assert code == 0, err
    assert first_card(out).startswith("soviet-leaders/")


def test_a_start_of_several_decks_names_them(db: Path) -> None:
    code, _, err = run(db, "review", "soviet", input=":q\n")
    assert code == 1
    assert "'soviet' is the start of several decks ('soviet-economy', 'soviet-leaders')" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("review", "sovjet-leaders"),
            "no deck named 'sovjet-leaders'; did you mean 'soviet-leaders'?",
        ),
        (("stats", "soviet-ekonomy"), "did you mean 'soviet-economy'?"),
        (("cards", "--deck", "Soviet Ekonomy"), "did you mean 'Soviet Economy'?"),
        (
            ("exam", (date.today() + timedelta(days=90)).isoformat(), "sovet-economy"),
            "did you mean",
        ),
        (("remove", "soviet-leeders"), "did you mean 'soviet-leaders'?"),
        (("export", "deck", "soviet-leeders"), "did you mean 'soviet-leaders'?"),
        (("export", "apkg", "soviet-leeders", "-o", "x.apkg"), "did you mean 'soviet-leaders'?"),
        (
            ("review", "--tag", "historiens"),
            "no card is tagged 'historiens'; did you mean 'historians'?",
        ),
        (("cards", "--tag", "agricultur3"), "did you mean 'agriculture'?"),
        (("card", "beria-secret-polise"), "did you mean 'beria-secret-police'?"),
        (("suspend", "soviet-leaders/speach"), "did you mean 'soviet-leaders/speech'?"),
        (("review", "zzzz"), "no deck named 'zzzz'; `stalindeck decks` lists them"),
    ],
)
def test_a_slip_says_did_you_mean_and_changes_nothing(
    db: Path, args: tuple[str, ...], message: str
) -> None:
    code, _, err = run(db, *args)
    assert code == 1 and message in err, err
    assert err.count("\n") == 1  # one line
    with sqlite3.connect(db) as connection:
        assert connection.execute(
            "SELECT count(*) FROM decks WHERE removed_at IS NULL"
        ).fetchone() == (2,)
        assert connection.execute(
            "SELECT count(*) FROM card_states WHERE suspended"
        ).fetchone() == (0,)


@pytest.mark.parametrize("tag", ["Historians", "historian", "HISTOR"])
def test_tags_in_any_case_or_by_their_start(db: Path, tag: str) -> None:
    code, out, err = run(db, "cards", "--tag", tag, "--json")
    assert code == 0, err
    assert [row["card_id"] for row in json.loads(out)] == ["soviet-leaders/beria-secret-police"]
    code, out, err = run(db, "review", "--tag", tag, input=":q\n")
    assert code == 0 and first_card(out) == "soviet-leaders/beria-secret-police", err


def test_the_other_commands_take_names_as_typed(db: Path, tmp_path: Path) -> None:
    code, out, err = run(db, "stats", "Soviet economy", "--json")
    assert code == 0, err
    assert json.loads(out)["decks"] == ["soviet-economy"]
    code, out, err = run(db, "export", "deck", "SOVIET ECONOMY")
    assert code == 0 and 'id = "soviet-economy"' in out, err
    code, _, err = run(db, "export", "apkg", "soviet e", "-o", str(tmp_path / "e.apkg"))
    assert code == 0 and (tmp_path / "e.apkg").is_file(), err
    code, out, err = run(db, "remove", "Soviet Economy")
    assert code == 0 and "Removed Soviet Economy" in out, err
    with sqlite3.connect(db) as connection:
        removed = connection.execute("SELECT slug FROM decks WHERE removed_at IS NOT NULL")
        assert removed.fetchall() == [("soviet-economy",)]


@pytest.mark.parametrize(
    "ident",
    ["beria-secret-police", "Soviet-Leaders/Beria-Secret-Police", "beria", "soviet-leaders/beria"],
)
def test_a_card_by_its_key_alone_any_case_or_its_start(db: Path, ident: str) -> None:
    code, out, err = run(db, "card", ident, "--json")
    assert code == 0, err
    assert json.loads(out)["card_id"] == "soviet-leaders/beria-secret-police"
    code, out, err = run(db, "suspend", ident)
    assert code == 0 and "Suspended 1 card." in out, err


def test_a_key_in_two_decks_is_named_with_both(db: Path, tmp_path: Path) -> None:
    (tmp_path / "other.toml").write_text(
        ECONOMY.replace("soviet-economy", "other").replace("virgin-lands", "speech"),
        encoding="utf-8",
    )
    assert run(db, "import", str(tmp_path / "other.toml"))[0] == 0
    code, _, err = run(db, "card", "speech")
    assert code == 1
    assert "'speech' names several cards ('other/speech', 'soviet-leaders/speech')" in err


def test_unaccept_in_any_case(db: Path) -> None:
    code, out, err = run(db, "review", "--tag", "historians", input="lavrenti beria\na\n:q\n")
    assert code == 0 and "accepted: lavrenti beria" in out, err
    code, out, err = run(db, "card", "beria-secret-police", "--unaccept", "Lavrenti  BERIA")
    assert code == 0, err
    assert "'lavrenti beria' no longer counts as right" in out
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM accepted_answers").fetchone() == (0,)


def test_match_prefers_exact_then_any_case_then_a_start() -> None:
    choices = [Named("ab", ("ab", "Alpha Beta")), Named("abc", ("abc", "ALPHA"))]
    assert match("ab", choices, "deck") == "ab"  # exact, though the start of "abc" too
    assert match("alpha", choices, "deck") == "abc"  # any case, though the start of "Alpha Beta"
    assert match("alpha b", choices, "deck") == "ab"
    assert match("x", choices, "deck") is None
    with pytest.raises(NotFoundError, match="start of several decks"):
        match("a", choices, "deck")
    assert did_you_mean(["alpah"], choices) == "did you mean 'ALPHA'? "
    assert did_you_mean(["zzz"], choices) == ""
