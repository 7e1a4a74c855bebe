"""Line mode as the README shows it: its example, run on a fresh store, prints what the README
says; a question line says when the card expects typed text; `review | tee` says on stderr
that it is in line mode."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from stalindeck.cli import app

from .conftest import REPO

runner = CliRunner()


def readme_example() -> tuple[str, list[str]]:
    """The README's line-mode example: what it feeds `stalindeck review`, and its output."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- line-mode example")[1].split("<!-- /line-mode example -->")[0]
    lines = block.split("```")[1].strip("\n").splitlines()
    command = lines[0]
    assert command.startswith("$ printf ") and command.endswith(" | stalindeck review")
    fed = shlex.split(command.removeprefix("$ printf ").removesuffix(" | stalindeck review"))
    return fed[0].replace("\\n", "\n"), lines[1:]


def fuzzed(line: str) -> str:
    """A grades line with the interval Easy gives (fuzzed) left out."""
    return re.sub(r"(4 Easy )\S+$", r"\1…", line) if line.startswith("grades: ") else line


def test_the_readme_example_is_what_a_fresh_store_prints(tmp_path: Path) -> None:
    fed, shown = readme_example()
    result = runner.invoke(app, ["--db", str(tmp_path / "fresh.db"), "review"], input=fed)
    assert result.exit_code == 0, result.stderr
    printed = result.stdout.splitlines()
    # If this fails after the bundled deck changed, run the README's command on a fresh store
    # and paste what it prints into the README.
    assert [fuzzed(line) for line in printed[: len(shown)]] == [fuzzed(line) for line in shown]
    assert "result: correct" in result.stdout and "error:" not in result.stdout


def test_the_question_line_says_a_card_expects_typing(tmp_path: Path) -> None:
    deck = tmp_path / "d.toml"
    deck.write_text(
        'id = "d"\nname = "D"\n\n[[cards]]\nid = "shown"\nfront = "Reveal?"\nback = "Yes"\n\n'
        '[[cards]]\nid = "typed"\nfront = "Year of the speech?"\nback = "1956"\n'
        'answer = "1956"\n',
        encoding="utf-8",
    )
    db = str(tmp_path / "s.db")
    assert runner.invoke(app, ["--db", db, "import", str(deck)]).exit_code == 0
    result = runner.invoke(app, ["--db", db, "review", "d"], input="\n3\n1956\n\n:q\n")
    assert result.exit_code == 0, result.stderr
    questions = [line for line in result.stdout.splitlines() if line.startswith("question: ")]
    assert questions[:2] == [
        "question: Reveal?",
        "question: Year of the speech? (type the answer)",
    ]
    # With --type every card is typed, and says so.
    result = runner.invoke(app, ["--db", db, "review", "d", "--type", "--ahead"], input=":q\n")
    assert "question: Reveal? (type the answer)" in result.stdout


def test_line_mode_says_so_when_the_output_is_not_a_terminal(tmp_path: Path) -> None:
    # CliRunner's output is no terminal, as in `stalindeck review | tee log`.
    result = runner.invoke(app, ["--db", str(tmp_path / "s.db"), "review"], input=":q\n")
    assert result.exit_code == 0
    assert "Standard output is not a terminal: line mode, one action per line" in result.stderr


def test_the_first_run_says_once_where_the_store_is(tmp_path: Path) -> None:
    db = tmp_path / "mine.db"
    first = runner.invoke(app, ["--db", str(db), "status"])
    assert first.exit_code == 0, first.stderr
    told = f"Your store: {db}; backups beside it in {tmp_path / 'backups'}/"
    assert told in first.stderr
    again = runner.invoke(app, ["--db", str(db), "status"])
    assert "Your store" not in again.stderr
