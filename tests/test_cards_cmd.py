"""The `stats`, `cards`, `card`, `suspend`, `unsuspend`, `reset` and `export progress`
commands, through typer's runner, checking what reached disk with a separate connection."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stalindeck.cli import app

from .test_store import DECK

runner = CliRunner()
NEXT_YEAR = (date.today() + timedelta(days=365)).isoformat()


def run(db: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", str(db), *args], env={"COLUMNS": "80", "NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path, write_deck: Callable[..., Path]) -> Path:
    """A store with the demo deck, two cards answered through the line-mode review."""
    path = tmp_path / "s.db"
    assert run(path, "import", str(write_deck(DECK)))[0] == 0
    result = runner.invoke(
        app, ["--db", str(path), "review", "demo", "--limit", "2"], input="\n3\n4\n"
    )
    assert result.exit_code == 0, result.stderr
    return path


def states(db: Path) -> dict[str, tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT c.key, s.state, s.stability, s.due, s.reps, s.lapses, s.suspended"
            " FROM cards c JOIN card_states s ON s.card_id = c.id ORDER BY c.key"
        ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def review_count(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute("SELECT count(*) FROM reviews").fetchone()[0])


def test_cards_lists_filters_and_sorts(db: Path) -> None:
    code, out, err = run(db, "cards", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [row["card_id"] for row in rows] == ["demo/speech", "demo/mvd", "demo/mvd/reverse"]
    assert {row["state"] for row in rows} == {"learning", "review", "new"}
    code, out, _ = run(db, "cards", "--state", "new", "--json")
    assert [row["card_id"] for row in json.loads(out)] == ["demo/mvd/reverse"]
    code, out, _ = run(db, "cards", "--search", "SECRET", "--json")
    assert [row["card_id"] for row in json.loads(out)] == ["demo/speech"]
    code, out, _ = run(db, "cards", "--sort", "due", "--json", "--limit", "1")
    assert len(json.loads(out)) == 1
    code, out, _ = run(db, "cards")
    assert code == 0 and "demo/mvd/reverse" in out and "3 cards" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    # The reverse waits for tomorrow (its sibling was answered): said whole in the table.
    assert " buried " in out and "…" not in out.split("demo/mvd/reverse")[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("cards", "--state", "lost"), "unknown state 'lost'"),
        (("cards", "--sort", "colour"), "unknown sort 'colour'"),
        (("cards", "--deck", "nope"), "no deck named 'nope'"),
        (("card", "demo/nope"), "no card 'demo/nope'"),
        (("card", "no-slash"), "no card 'no-slash'"),
        (("stats", "nope"), "no deck named 'nope'"),
        # A tag no card has is a slip, not an empty day.
        (("cards", "--tag", "nope"), "no card is tagged 'nope';"),
        (("stats", "--tag", "nope"), "no card is tagged 'nope';"),
        (("review", "--tag", "nope", "--tag", "gone"), "no card is tagged 'nope' or 'gone';"),
        (("exam", NEXT_YEAR, "--tag", "nope"), "no card is tagged 'nope';"),
        (("stats", "--svg", "/no/such/folder/p.svg"), "there is no folder /no/such/folder"),
    ],
)
def test_wrong_input_is_one_line(db: Path, args: tuple[str, ...], message: str) -> None:
    code, _, err = run(db, *args)
    assert code == 1 and message in err and err.count("\n") == 1


def test_card_shows_history_and_forgetting_time(db: Path) -> None:
    code, out, err = run(db, "card", "demo/mvd", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["card_id"] == "demo/mvd" and data["back"] == "KGB"
    assert [row["grade"] for row in data["history"]] == [4]
    assert data["history"][0]["state_before"] == "new"
    assert data["history"][0]["interval_days"] >= 1
    assert data["below_target"] is not None and 0 < data["retrievability"] <= 1
    code, out, _ = run(db, "card", "demo/mvd")
    assert code == 0 and "History" in out and "4 Easy" in out and "below 90%" in out
    assert "extra" not in out and data["extra"] == ""


def test_a_card_gone_from_its_file_is_named_as_such(
    tmp_path: Path, write_deck: Callable[..., Path]
) -> None:
    db = tmp_path / "s.db"
    two = 'id = "x"\nname = "X"\n[[cards]]\nid = "a"\nfront = "Q"\nback = "A"\n'
    two += '[[cards]]\nid = "b"\nfront = "Q2"\nback = "A2"\n'
    path = write_deck(two, "x.toml")
    run(db, "import", str(path))
    path.write_text(two.split('[[cards]]\nid = "b"')[0], encoding="utf-8")
    run(db, "import", str(path))
    for command in ("card", "suspend", "reset"):
        code, _out, err = run(db, command, "x/b")
        assert code == 1 and err.count("\n") == 1
        assert "'x/b' left its deck file (the history is kept)" in err


def test_card_shows_its_extra_line(tmp_path: Path, write_deck: Callable[..., Path]) -> None:
    db = tmp_path / "s.db"
    deck = 'id = "x"\nname = "X"\n[[cards]]\nid = "a"\nfront = "Q"\nback = "A"\n'
    deck += 'extra = "Source: Edexcel"\n'
    assert run(db, "import", str(write_deck(deck, "x.toml")))[0] == 0
    code, out, _ = run(db, "card", "x/a")
    assert code == 0 and "extra" in out and "Source: Edexcel" in out
    assert json.loads(run(db, "card", "x/a", "--json")[1])["extra"] == "Source: Edexcel"


def test_suspend_unsuspend_and_all_or_nothing(db: Path) -> None:
    before = states(db)
    code, _, err = run(db, "suspend", "demo/speech", "demo/missing")
    assert code == 1 and "no card 'demo/missing'" in err
    assert states(db) == before  # bad input changes nothing
    code, out, _ = run(db, "suspend", "demo/speech", "demo/mvd")
    assert code == 0 and "Suspended 2 cards" in out
    after = states(db)
    assert after["speech"][-1] == 1 and after["mvd"][-1] == 1 and after["mvd/reverse"][-1] == 0
    assert {key: value[:-1] for key, value in after.items()} == {
        key: value[:-1] for key, value in before.items()
    }
    code, out, _ = run(db, "cards", "--state", "suspended", "--json")
    assert len(json.loads(out)) == 2
    assert run(db, "unsuspend", "demo/speech")[0] == 0
    assert states(db)["speech"][-1] == 0 and states(db)["mvd"][-1] == 1
    # Saying what was done, not what was asked: one of the two was suspended already.
    code, out, _ = run(db, "suspend", "demo/speech", "demo/mvd")
    assert (code, out) == (0, "Suspended 1 card; 1 was suspended already.\n")
    code, out, _ = run(db, "unsuspend", "demo/mvd/reverse")
    assert (code, out) == (0, "Unsuspended 0 cards; 1 was not suspended.\n")


def test_reset_keeps_the_review_log(db: Path) -> None:
    before, reviews = states(db), review_count(db)
    code, out, _ = run(db, "reset", "demo/mvd")
    assert code == 0 and "Reset 1 card to new" in out
    after = states(db)
    assert after["mvd"] == (0, None, None, 0, 0, 0)
    assert after["speech"] == before["speech"] and after["mvd/reverse"] == before["mvd/reverse"]
    assert review_count(db) == reviews


def test_stats_screen_json_and_pictures(db: Path, tmp_path: Path) -> None:
    code, out, err = run(db, "stats")
    assert code == 0, err
    for heading in ("Today", "Cards", "True retention", "Memory (FSRS)", "Topics", "Hardest"):
        assert heading in out
    assert "Studied 2 cards (2 answers)" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    code, out, _ = run(db, "stats", "demo", "--json")
    data = json.loads(out)
    assert data["schema"] == 1 and data["decks"] == ["demo"]
    assert data["today"]["answers"] == 2 and data["cards"]["total"] == 3
    picture = tmp_path / "stats.svg"
    code, _, err = run(db, "stats", "--svg", str(picture))
    assert code == 0 and picture.read_text(encoding="utf-8").startswith("<svg")
    code, _, err = run(db, "stats", "--svg", str(picture))
    assert code == 1 and "--force" in err
    assert run(db, "stats", "--svg", str(picture), "--force")[0] == 0
    page = tmp_path / "stats.html"
    assert run(db, "stats", "--html", str(page))[0] == 0
    assert "True retention" in page.read_text(encoding="utf-8")
    code, _, err = run(db, "stats", "--svg", "a.svg", "--html", "b.html")
    assert code == 1 and "choose one picture" in err


def _steady(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """`export progress` rows with retrievability to four places."""
    return [
        {
            k: round(v, 4) if isinstance(v, float) and "retrievability" in k else v
            for k, v in r.items()
        }
        for r in rows
    ]


def test_export_progress_csv_is_safe_and_json_round_trips(db: Path, tmp_path: Path) -> None:
    with sqlite3.connect(db) as connection:
        card = connection.execute("SELECT id FROM cards WHERE key = 'speech'").fetchone()[0]
        for tag in ('=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx"):
            connection.execute("INSERT INTO card_tags (card_id, tag) VALUES (?, ?)", (card, tag))
    code, out, err = run(db, "export", "progress")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["kind"] == "deck" and rows[0]["name"] == "demo"
    assert rows[0]["cards"] == "3" and rows[0]["seen"] == "2" and rows[0]["reviews"] == "2"
    names = {row["name"] for row in rows if row["kind"] == "tag"}
    assert names == {'\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "'\tx"}
    csv_file = tmp_path / "progress.csv"
    assert run(db, "export", "progress", "-o", str(csv_file))[0] == 0
    assert csv_file.read_bytes().count(b"\r\n") == len(rows) + 1  # RFC 4180 line ends

    code, out, _ = run(db, "export", "progress", "--format", "json")
    data = json.loads(out)
    assert {row["name"] for row in data if row["kind"] == "tag"} == {
        "=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx",
    }  # fmt: skip
    assert json.loads(json.dumps(data)) == data

    target = tmp_path / "progress.json"
    code, _, err = run(db, "export", "progress", "-f", "json", "-o", str(target))
    assert code == 0 and "Wrote 6 rows" in err
    # Retrievability counts the exact time since the last review: it moves between two runs.
    assert _steady(json.loads(target.read_text(encoding="utf-8"))) == _steady(data)
    code, _, err = run(db, "export", "progress", "-f", "json", "-o", str(target))
    assert code == 1 and "--force" in err
    code, _, err = run(db, "export", "progress", "-f", "xml")
    assert code == 1 and "unknown format 'xml'" in err
