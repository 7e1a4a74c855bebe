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
        "exam forecast over N cards (180 days ahead)",
        "optimize over 2,000 reviews",
    } <= names
    assert all(
        figure.ours is not None and figure.ours > 0
        for figure in results.figures
        if figure.unit != "MB"
    )
    assert "| answer latency median |" in table.read_text(encoding="utf-8")
