"""A command's start-up: what it imports and how the cycle collector runs while it starts
(issue 17's `stats --profile` in half a second; the figures are in BENCHMARKS.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from stalindeck.store.open import Store


def _run_main(code: str) -> list[str]:
    """Run `code` (which calls the console entry point) in a fresh Python; its stdout lines."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return result.stdout.strip().splitlines()


def test_the_collector_is_paused_until_the_store_is_open_then_runs_again(
    db_path: Path, store: Store
) -> None:
    # `main` pauses it; `open_for` starts it again, start-up's objects frozen out of its
    # passes, so a long review session still collects its cycles.
    code = (
        "import gc, sys\n"
        "import stalindeck.store.open as opening\n"
        "real = opening.open_store\n"
        "def spy(*args, **kwargs):\n"
        "    print('while opening:', gc.isenabled())\n"
        "    return real(*args, **kwargs)\n"
        "opening.open_store = spy\n"
        "import stalindeck.stats.figures as figures\n"
        "compute = figures.compute\n"
        "def computing(*args, **kwargs):\n"
        "    print('frozen while computing:', gc.isenabled() and gc.get_freeze_count() > 0)\n"
        "    return compute(*args, **kwargs)\n"
        "figures.compute = computing\n"
        "from stalindeck.cli import main\n"
        f"sys.argv = ['stalindeck', '--db', {str(db_path)!r}, 'stats', '--json']\n"
        "try: main()\n"
        "except SystemExit as exit: print('exit:', exit.code)\n"
        "print('after:', gc.isenabled(), gc.get_freeze_count() > 0)\n"
    )
    lines = _run_main(code)
    assert "while opening: False" in lines
    assert "frozen while computing: True" in lines
    assert lines[-2:] == ["exit: 0", "after: True True"]


def test_a_collector_paused_by_the_caller_stays_paused() -> None:
    # Only the pause `main` made is ended: a caller's own pause (a test, a bulk import) is kept.
    import gc

    from stalindeck.bulk import resume_collector

    frozen = gc.get_freeze_count()
    gc.disable()
    try:
        resume_collector()
        assert not gc.isenabled()
        assert gc.get_freeze_count() == frozen
    finally:
        gc.enable()


def test_stats_does_not_load_the_answer_path(db_path: Path, store: Store) -> None:
    # `stats` needs the leech threshold, not the modules that record an answer.
    code = (
        "import sys\n"
        "from stalindeck.cli import main\n"
        f"sys.argv = ['stalindeck', '--db', {str(db_path)!r}, 'stats']\n"
        "try: main()\n"
        "except SystemExit: pass\n"
        "print(sorted(name for name in ('stalindeck.store.answer_path', "
        "'stalindeck.store.reviews', 'stalindeck.store.queue') if name in sys.modules))\n"
    )
    assert _run_main(code)[-1] == "[]"


def test_the_stalindeck_command_pauses_the_collector_before_importing_typer() -> None:
    code = (
        "import gc, sys\n"
        "class Spy:\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'typer':\n"
        "            print('typer imported, collector on:', gc.isenabled())\n"
        "        return None\n"
        "sys.meta_path.insert(0, Spy())\n"
        "from stalindeck.__main__ import main\n"
        "sys.argv = ['stalindeck', '--version']\n"
        "try: main()\n"
        "except SystemExit: pass\n"
        "print('after:', gc.isenabled())\n"
    )
    lines = _run_main(code)
    assert lines[0] == "typer imported, collector on: False"
    assert lines[-1] == "after: True"
