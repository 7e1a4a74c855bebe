"""Shared fixtures: one migrated template store per test session, copied for each test."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stalindeck.store.open import Store, open_store

REPO = Path(__file__).resolve().parents[1]
BUNDLED_DECK = REPO / "decks" / "khrushchev-destalinisation.toml"
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

# The durability suite (`pytest -m durability`): its kill, race and damage loops are sized for
# the everyday run; STALINDECK_DURABILITY_SCALE=N runs each N times as long. What they did is
# summed here and printed at the end of the run (the figures in docs/data.md).
DURABILITY_SCALE = max(1, int(os.environ.get("STALINDECK_DURABILITY_SCALE", "1") or "1"))
_FIGURES: Counter[str] = Counter()


def record(figure: str, amount: int = 1) -> None:
    """Add `amount` to one of the durability suite's figures."""
    _FIGURES[figure] += amount


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _FIGURES:
        terminalreporter.write_sep("-", f"durability figures (scale {DURABILITY_SCALE})")
        for figure, amount in _FIGURES.items():
            terminalreporter.write_line(f"{figure}: {amount:,}")


def rollover_far_from_now() -> str:
    """A `rollover_hour` twelve hours from the machine's local time: for tests on the real
    clock whose learning steps must come back within the same study day (one due past the
    day's end waits for the next day, as in Anki)."""
    return str((datetime.now().hour + 12) % 24)


@pytest.fixture(scope="session")
def template_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    open_store(str(path)).close()
    return path


@pytest.fixture
def db_path(template_store: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    shutil.copyfile(template_store, path)
    return path


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    opened = open_store(str(db_path))
    yield opened
    opened.close()


@pytest.fixture
def write_deck(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a deck file from TOML text; returns its path."""

    def write(text: str, name: str = "deck.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
