"""benchmarks/class_bench.py runs at a tiny size, so it never rots. No timing is asserted."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "class_bench.py"


def test_class_bench_runs_at_tiny_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the reviewers' processes write nothing beside the checkout
    spec = importlib.util.spec_from_file_location("class_bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    store = tmp_path / "school.db"
    arguments = ["--db", str(store), "--profiles", "3", "--days", "4", "--per-day", "5"]
    assert module.main([*arguments, "--reviewers", "2", "--seconds", "3"]) == 0
    out = capsys.readouterr().out
    assert "built 3 profiles" in out and "60 reviews" in out
    assert "`stalindeck export class -f html` (process)" in out
    answered = re.search(r"2 reviewers, 3 s, sqlite lock: ([\d,]+) answers", out)
    assert answered is not None and int(answered.group(1).replace(",", "")) > 0
    assert "0 errors, every answer logged once: yes" in out
