"""`--db` and `--profile` after the command as well as before it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.cli.root_options import hoist
from stalindeck.store.open import list_profiles, open_store

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "100", "NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.stderr


def test_profile_and_db_after_the_command(db_path: Path) -> None:
    code, out, err = invoke("stats", "--profile", "s3", "--db", str(db_path), "--json")
    assert code == 0, err
    assert json.loads(out)["schema"] == 1
    code, out, err = invoke("export", "progress", f"--db={db_path}", "--profile=s4")
    assert code == 0, err
    store = open_store(str(db_path))
    try:  # the options reached the root: both profiles were made in that store
        assert {"s3", "s4"} <= {row.name for row in list_profiles(store)}
    finally:
        store.close()


def test_after_the_command_wins_and_data_after_double_dash_stays() -> None:
    assert hoist(["--profile", "a", "stats", "--profile", "b"]) == [
        "--profile",
        "a",
        "--profile",
        "b",
        "stats",
    ]
    assert hoist(["card", "--", "--db"]) == ["card", "--", "--db"]
    assert hoist(["--db", "x.db", "decks"]) == ["--db", "x.db", "decks"]


def test_a_root_option_without_its_value_after_the_command_is_one_line(db_path: Path) -> None:
    code, _out, err = invoke("--db", str(db_path), "stats", "--profile")
    assert code == 2
    assert "'--profile' requires an argument" in err
