"""The cycle collector paused where 100,000 rows are built at once (`stalindeck.bulk`)."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import stalindeck.stats.exam
from stalindeck.bulk import no_cycle_collection
from stalindeck.cli import app
from stalindeck.scheduling.day import study_date


def test_paused_for_the_block_only_and_restored_as_it_was() -> None:
    assert gc.isenabled()
    with no_cycle_collection():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), no_cycle_collection():
        raise ValueError("an error inside still restores it")
    assert gc.isenabled()
    gc.disable()
    try:
        with no_cycle_collection():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def test_exam_builds_its_forecast_without_collector_passes(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    real = stalindeck.stats.exam.forecast

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(stalindeck.stats.exam, "forecast", watched)
    day = (study_date(datetime.now(UTC)) + timedelta(days=30)).isoformat()
    result = CliRunner().invoke(app, ["--db", str(db_path), "exam", day, "--json"])
    assert result.exit_code == 0, result.output
    assert seen == [False]
    assert gc.isenabled()
