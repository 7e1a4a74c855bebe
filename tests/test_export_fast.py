"""`export reviews --format csv` on SQLite takes its cells from SQLite (`review_csv_batches`):
they must be the cells the row-by-row path (`review_rows` through `safe_cell`) writes."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from typer.testing import CliRunner

from stalindeck.cli import app
from stalindeck.exporting import write_csv_batches, write_rows
from stalindeck.store.export import REVIEW_COLUMNS, review_csv_batches, review_rows
from stalindeck.store.open import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from stats_bench import build

# First characters a spreadsheet would run, and harmless ones around them.
HOSTILE = ["=cmd", "+1", "-x", "@sum", "\tt", "\rr", "plain", "'quoted", "a,b", 'say "hi"', "é"]


def _hostile(store: Store) -> None:
    """Deck ids and card ids that start with what a spreadsheet would run, and reviews with
    empty, zero, fractional, huge and negative values."""
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN")
        for deck, slug in enumerate(HOSTILE, start=1):
            cursor.execute("UPDATE decks SET slug = ? WHERE id = ?", (slug, deck))
        for card, key in enumerate(HOSTILE, start=1):
            cursor.execute("UPDATE cards SET key = ? WHERE id = ?", (key + "-k", card))
        cursor.execute(
            "UPDATE reviews SET stability_after = NULL, difficulty_after = 0.1,"
            " elapsed_days = NULL WHERE id % 7 = 0"
        )
        cursor.execute("UPDATE reviews SET elapsed_days = 3, duration_ms = 0 WHERE id % 5 = 0")
        cursor.execute("UPDATE reviews SET reviewed_at = 1, state_after = 3 WHERE id = 2")
        cursor.execute("UPDATE reviews SET reviewed_at = 253402300799999 WHERE id = 3")
        cursor.execute("UPDATE reviews SET reviewed_at = -86399999 WHERE id = 4")
        cursor.execute("COMMIT")
    finally:
        raw.close()


def test_sqlite_cells_equal_the_row_by_row_cells(store: Store) -> None:
    build(store, 200, 3_000)
    _hostile(store)
    fast, slow = io.StringIO(newline=""), io.StringIO(newline="")
    batches = review_csv_batches(store)
    assert batches is not None
    assert write_csv_batches(batches, REVIEW_COLUMNS, fast) == 3_000
    assert write_rows(review_rows(store), REVIEW_COLUMNS, "csv", slow) == 3_000
    assert fast.getvalue() == slow.getvalue()
    rows = list(csv.reader(io.StringIO(fast.getvalue())))
    labels = {row[0] for row in rows[1:]}
    decks = {row[1] for row in rows[1:]}
    # (card n is in deck n % 20 + 1) a dangerous first character gets its apostrophe
    assert {"'+1/=cmd-k", 'say "hi"/a,b-k', "plain/\rr-k", "'@sum/-x-k"} <= labels
    assert {"'=cmd", "'-x", "'@sum", "'\tt", "'quoted", "a,b", "é"} <= decks


def test_export_reviews_command_writes_the_same_file(store: Store, db_path: Path) -> None:
    build(store, 50, 400)
    _hostile(store)
    expected = io.StringIO(newline="")
    write_rows(review_rows(store), REVIEW_COLUMNS, "csv", expected)
    store.close()
    target = db_path.parent / "reviews.csv"
    result = CliRunner().invoke(
        app, ["--db", str(db_path), "export", "reviews", "-f", "csv", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 400 rows" in result.stderr
    assert target.read_bytes().decode("utf-8") == expected.getvalue()
