"""The benchmark runs at a tiny size, so it never rots. No timing is asserted here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_benchmark_runs_at_tiny_size(tmp_path: Path) -> None:
    pytest.importorskip("anki")
    spec = importlib.util.spec_from_file_location("bench_run", BENCHMARKS / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    table = tmp_path / "bench.md"
    results = module.main(
        [
            "--cards",
            "60",
            "--reviews",
            "300",
            "--answers",
            "20",
            "--repeat",
            "1",
            "--anki-python",
            sys.executable,
            "--write",
            str(table),
        ]
    )
    names = {figure.name for figure in results.figures}
    assert {
        "import CSV, N rows",
        "cold status (open + counts)",
        "answer latency median",
        "export reviews (CSV) over M reviews",
        "floor: a plain Python CSV writer over sqlite3, the same rows",
        "check over N cards and M reviews",
        "import CSV, N rows, the whole command in a new store",
        "  of which creating the new store's tables",
        "cold review to first question",
        "floor: the command line and the quick sqlite3 store loaded, no SQLAlchemy, no work",
        "exam forecast over N cards (180 days ahead)",
        "floor: loading the modules exam --json loads, no work",
        "floor: exam's cards query alone through sqlite3",
        "optimize over 2,000 reviews",
    } <= names
    assert all(
        figure.ours is not None and figure.ours > 0
        for figure in results.figures
        if figure.unit != "MB" and not figure.name.startswith("  of which")
    )
    phases = [figure for figure in results.figures if figure.name.startswith("  of which")]
    whole = next(f for f in results.figures if f.name.endswith("whole command in a new store"))
    # a new store: its tables are made; an import takes no first-run decks, nothing to back up
    assert all(figure.ours is not None and figure.ours >= 0 for figure in phases)
    assert phases[2].ours is not None and phases[2].ours > 0
    assert phases[3].ours == 0 and whole.ours is not None
    assert abs(sum(figure.ours or 0 for figure in phases) - whole.ours) < 1e-6
    assert "| answer latency median |" in table.read_text(encoding="utf-8")
