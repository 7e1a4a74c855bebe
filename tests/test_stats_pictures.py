"""`stats` at 60 columns, and `stats --svg`: every run of text placed at its own column in the
picture (whatever the viewer does with spaces), and the screen not printed as well."""

from __future__ import annotations

import contextlib
import html
import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.text import Text
from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.ui.picture import svg_of

from .test_store import DECK

runner = CliRunner()


def run(db: Path, *args: str, columns: int = 80) -> tuple[int, str, str]:
    result = runner.invoke(
        app, ["--db", str(db), *args], env={"COLUMNS": str(columns), "NO_COLOR": "1"}
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path, write_deck: Callable[..., Path]) -> Path:
    path = tmp_path / "s.db"
    assert run(path, "import", str(write_deck(DECK)))[0] == 0
    result = runner.invoke(app, ["--db", str(path), "review", "demo"], input="\n3\n4\n\n1\n")
    assert result.exit_code == 0, result.stderr
    return path


def test_stats_fits_60_columns(db: Path) -> None:
    code, out, err = run(db, "stats", columns=60)
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 60
    # Every heading of the Cards table whole, and the forecast's axis on one line.
    assert "new learning young mature relearn suspended buried total" in out
    axis = next(line for line in lines if "today" in line and "+7" in line)
    assert axis.split() == ["today", "+7", "+14", "+21", "+28"]
    assert any(line.startswith("True retention ─") for line in lines)


LONG_IDS = """id = "khrushchev-destalinisation"
name = "Khrushchev & De-Stalinisation"

[[cards]]
id = "summary-historians-debate"
front = "What is the central question historians debate about the Thaw and its limits?"
back = "Whether it was a real break with Stalinism"
"""


def test_ids_and_tables_stay_whole_at_60_columns(
    tmp_path: Path, write_deck: Callable[..., Path]
) -> None:
    # A lapse two months on: the card's id, 52 characters with its deck, has a line of its own
    # (it was folded in the table's first column, cut in two where it could not be copied).
    db = tmp_path / "s.db"
    assert run(db, "import", str(write_deck(LONG_IDS)))[0] == 0
    assert runner.invoke(app, ["--db", str(db), "review"], input="4\n").exit_code == 0
    # Sixty days on: the answer and the card's due moved back (milliseconds in SQLite).
    back = 60 * 86_400_000
    with contextlib.closing(sqlite3.connect(db)) as connection, connection:
        connection.execute(
            "UPDATE card_states SET due = due - ?, last_review = last_review - ?", (back, back)
        )
        connection.execute("UPDATE reviews SET reviewed_at = reviewed_at - ?", (back,))
    result = runner.invoke(app, ["--db", str(db), "review"], input="1\n")
    assert "graded: 1 Again" in result.stdout, result.stdout
    code, out, err = run(db, "stats", columns=60)
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 60
    hardest = lines[next(at for at, line in enumerate(lines) if line.startswith("Hardest")) :]
    ident = "khrushchev-destalinisation/summary-historians-debate"
    assert ident in hardest, hardest
    row = hardest[hardest.index(ident) + 1]
    assert row.startswith("  What is the central question"), row
    assert row.split()[-2] == "1" and row.endswith("%"), row  # its lapses and R
    # `decks`: the deck's id whole under its title (short headings); `card`: its history
    # with every heading and value whole (the date without its time of day).
    code, out, err = run(db, "decks", columns=60)
    assert code == 0, err
    assert out.splitlines()[0].split() == ["deck", "cards", "new", "learn", "due", "susp"]
    assert "khrushchev-destalinisation" in out.split()
    code, out, err = run(db, "card", "summary-historians-debate", columns=60)
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 60 and "…" not in out, out
    history = lines[next(at for at, line in enumerate(lines) if line.startswith("History")) :]
    assert history[1].split() == ["date", "grade", "state", "ivl", "S", "D", "time"], out
    assert history[-1].split()[1:4] == ["1", "A", "review→relearn"], out


_TEXT = re.compile(r'<text [^>]*?x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"[^>]*>(.*?)</text>')


def placed(svg: str) -> list[tuple[int, int, str]]:
    """(line, column, text) of each <text> of a Rich picture (20 units high, 0.61 wide)."""
    found = []
    for x, y, length, body in _TEXT.findall(svg):
        text = html.unescape(body).replace("\xa0", " ")
        column = float(x) / 12.2
        assert column == pytest.approx(round(column)), (x, text)
        assert float(length) == pytest.approx(12.2 * len(text)), (length, text)
        found.append((round((float(y) - 20) / 24.4), round(column), text))
    return found


def test_svg_puts_every_run_at_its_column_with_no_spaces_at_its_ends(
    db: Path, tmp_path: Path
) -> None:
    picture = tmp_path / "stats.svg"
    code, out, err = run(db, "stats", "--svg", str(picture))
    assert code == 0, err
    assert out == ""  # the picture, not the screen as well
    assert err.strip() == f"Saved the stats as {picture}."
    screen = run(db, "stats")[1].splitlines()
    runs = placed(picture.read_text(encoding="utf-8"))
    assert len(runs) > 100
    for line, column, text in runs:
        assert text == text.strip(), text  # some viewers drop such spaces and shift the rest
        assert screen[line][column : column + len(text)] == text, (line, column, text)
    # The calendar's months over their weeks, numbers right-aligned under their headings.
    months = next(at for at, line in enumerate(screen) if " Jan " in line)
    assert (months, screen[months].index("Jan"), "Jan") in [
        (line, column, text[:3]) for line, column, text in runs
    ]
    header = next(at for at, line in enumerate(screen) if line.startswith("new learning"))
    total_end = screen[header].index("total") + len("total")
    ends = {column + len(text) for line, column, text in runs if line == header + 1}
    assert total_end in ends


def test_svg_of_moves_spaces_at_the_ends_into_the_position() -> None:
    line = Text("    Jan  ")
    line.append("  42", style="bold")
    svg = svg_of(line, title="t", width=20)
    assert [(column, text) for _line, column, text in placed(svg)] == [(4, "Jan"), (11, "42")]


def test_exam_stays_whole_at_60_columns(tmp_path: Path, write_deck: Callable[..., Path]) -> None:
    # The workload chart was 66 columns wide whatever the terminal (its axis wrapped), the
    # plans' lines were cut, a topic's name was folded mid-word.
    cards = "".join(
        f'\n[[cards]]\nid = "c{n}"\nfront = "Question {n}?"\nback = "Answer {n}"\n'
        f'tags = ["leadership-struggle"]\n'
        for n in range(30)
    )
    db = tmp_path / "s.db"
    assert run(db, "import", str(write_deck(f'id = "d"\nname = "D"\n{cards}')))[0] == 0
    assert runner.invoke(app, ["--db", str(db), "review"], input="\n3\n" * 10).exit_code == 0
    exam = (datetime.now(UTC) + timedelta(days=120)).date().isoformat()
    code, out, err = run(db, "exam", exam, columns=60)
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 60, out
    assert "…" not in out, out
    axis = next(line for line in lines if "└" in line)
    assert set(axis.strip()) == {"└", "─"}, axis
    assert sum(line.startswith("If you") and " of 30" in line for line in lines) == 2, out
    assert any(line.split()[:1] == ["leadership-struggle"] for line in lines), out
