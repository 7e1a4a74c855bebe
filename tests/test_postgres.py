"""The same store on PostgreSQL, for the teacher's shared database.

Runs only when $STALINDECK_TEST_PG names a throwaway PostgreSQL database (its tables are
dropped first), e.g. ``postgresql+psycopg://user:pass@localhost/stalindeck_test``, with the
`postgres` extra installed. CI has no PostgreSQL server: these tests are skipped there.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stalindeck.cli import app

URL = os.environ.get("STALINDECK_TEST_PG", "")
pytestmark = pytest.mark.skipif(not URL, reason="set STALINDECK_TEST_PG to a throwaway database")
runner = CliRunner()


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", URL, *args], input=input, env={"COLUMNS": "100"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def empty_database() -> None:
    pytest.importorskip("psycopg")
    from sqlalchemy import create_engine, text

    engine = create_engine(URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def test_a_day_of_study_on_postgresql(tmp_path: Path) -> None:
    code, out, err = run("status", "--json")
    assert code == 0, err
    assert json.loads(out)["total"]["new"] == 20  # migrated, bundled deck loaded
    # Reveal and Good; the typed cloze; undo it and answer again; then quit.
    code, out, err = run("review", input="\n3\n20th\n\nu\n20th\n\nq\n")
    assert code == 0, err
    assert "undone: " in out and out.count("graded: ") == 3
    code, out, _ = run("export", "reviews", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["grade"] for row in rows] == ["3", "3"]
    code, out, err = run("stats", "--json")
    assert code == 0, err
    assert json.loads(out)["today"]["answers"] == 2
    run("settings", "exam_date", "2099-06-05")
    code, out, err = run("exam", "--json")
    assert code == 0, err
    assert json.loads(out)["days_left"] > 0
    code, out, err = run("review", "--ahead", input="3\nq\n")
    assert code == 0 and "graded: 3 Good" in out, err
    code, out, err = run("check")
    assert code == 0 and "sound" in out, err
    # New weights recompute the answered cards' memory (two cards: the Good, the cloze).
    weights = ", ".join(
        [
            "0.5",
            "1.5",
            "4",
            "12",
            "6.5",
            "0.6",
            "2",
            "0.01",
            "1.5",
            "0.15",
            "0.9",
            "1.9",
            "0.1",
            "0.3",
            "2.3",
            "0.2",
            "2.9",
            "0.5",
            "0.1",
            "0.06",
            "0.15",
        ]
    )
    code, out, err = run("settings", "fsrs_parameters", weights)
    assert code == 0 and "of 2 cards was worked out again" in out, err
    code, out, err = run("settings", "fsrs_parameters", "--reset")
    assert code == 0 and "of 2 cards was worked out again" in out, err


def test_csv_import_and_re_import_on_postgresql(tmp_path: Path) -> None:
    deck = tmp_path / "class.csv"
    deck.write_text("front,back,tags\nQ1,A1,t\nQ2,A2,t\n", encoding="utf-8")
    code, out, err = run("import", str(deck))
    assert code == 0, err
    deck.write_text("front,back,tags\nQ1,A1 edited,t\nQ3,A3,t\n", encoding="utf-8")
    code, out, err = run("import", str(deck))
    assert code == 0, err
    assert " 1 " in out  # one added, one updated, one retired
    code, out, _ = run("export", "cards", "-f", "json")
    backs = sorted(card["back"] for card in json.loads(out) if card["deck"] == "class")
    assert backs == ["A1 edited", "A3"]


def test_a_class_of_profiles_on_postgresql() -> None:
    # The default profile is made with id 1 by the first migration; students added after it
    # must get their own ids (PostgreSQL's sequence had been left at 1).
    assert run("status")[0] == 0
    for student in ("amira", "ben", "chloe"):
        code, out, err = run("--profile", student, "review", "--limit", "1", input="\n3\n")
        assert code == 0, err
        assert "Reviewed 1 card" in out
    code, out, err = run("--profile", "ben", "stats", "--json")
    assert code == 0, err
    assert json.loads(out)["today"]["answers"] == 1
    code, _out, err = run("--profile", "x" * 65, "status")
    assert code == 1 and "cannot name a profile" in err and err.count("\n") == 1


def test_an_accepted_answer_on_postgresql(tmp_path: Path) -> None:
    deck = tmp_path / "soviet.toml"
    deck.write_text(
        'id = "soviet"\nname = "Soviet"\n\n[[cards]]\nid = "bloc"\n'
        'front = "Which state led the Warsaw Pact?"\nback = "The Soviet Union"\n'
        'answer = "Soviet Union"\n',
        encoding="utf-8",
    )
    assert run("import", str(deck))[0] == 0
    code, out, err = run("review", "soviet", input="USSR\na\n:q\n")
    assert code == 0 and "accepted: USSR" in out, err
    code, out, err = run("review", "soviet", input="USSR\n\n:q\n")
    assert code == 0 and "result: correct" in out, err
    code, out, err = run("card", "soviet/bloc", "--unaccept", "USSR")
    assert code == 0 and "no longer counts as right" in out, err
