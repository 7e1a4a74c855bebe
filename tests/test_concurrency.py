"""Two `stalindeck review` processes (and an import) on one store at once: every grade either
process acknowledged is in the store, and no "database is locked" reaches the user."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from stalindeck.decks.importing import import_paths
from stalindeck.store.open import open_store

from .conftest import T0, record

pytestmark = pytest.mark.durability

ANSWERS = 150


def deck_text(slug: str, count: int, suffix: str = "") -> str:
    lines = [f'id = "{slug}"', f'name = "{slug}"', ""]
    for number in range(count):
        lines += [
            "[[cards]]",
            f'id = "c{number}"',
            f'front = "Q{number}{suffix}"',
            f'back = "A{number}"',
        ]
    return "\n".join(lines) + "\n"


def test_two_reviewers_and_an_import_at_once(
    tmp_path: Path, write_deck: Callable[..., Path]
) -> None:
    db = tmp_path / "s.db"
    store = open_store(str(db))
    import_paths(store, [write_deck(deck_text("shared", 400))], T0)
    store.close()
    big = write_deck(deck_text("big", 4000), "big.toml")
    command = [sys.executable, "-m", "stalindeck", "--db", str(db)]
    reviewers = [
        subprocess.Popen(
            [*command, "review", "shared", "--new", str(ANSWERS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    # A large import holds the write lock for a while, in the middle of both sessions.
    importer = subprocess.Popen(
        [*command, "import", str(big)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    answers = "".join(f"{1 + number % 4}\n" for number in range(ANSWERS * 3)) + "q\n"
    results = [child.communicate(answers, timeout=120) for child in reviewers]
    _, import_errors = importer.communicate(timeout=120)
    graded = 0
    for child, (out, errors) in zip(reviewers, results, strict=True):
        assert child.returncode == 0, errors
        assert "locked" not in errors.lower() and "Traceback" not in errors, errors
        assert "error" not in out.lower()
        graded += out.count("graded: ")
    assert importer.returncode == 0, import_errors
    assert "locked" not in import_errors.lower()
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        reviews = connection.execute("SELECT count(*) FROM reviews").fetchone()[0]
        cards = connection.execute("SELECT count(*) FROM cards").fetchone()[0]
    connection.close()
    assert graded >= ANSWERS  # both really reviewed
    assert reviews == graded  # no grade lost, none invented
    assert cards == 4400
    record("races run (reviewers and writers at once on one store)")
    print(f"concurrency: {graded} grades from two reviewers during an import, {reviews} stored")
