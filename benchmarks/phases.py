"""Run a `stalindeck` command in this process and report where its time went, to $PHASES_FILE
(JSON, seconds).

    python phases.py --db STORE import cards.csv

Phases: `imports` (the modules loaded before the command runs: typer, the CLI and what the
store needs), `schema` (creating or upgrading the store's tables: alembic, on a new store),
`bundled` (loading the bundled decks on a first run), `backup` (the copy taken before an
import writes) and `command` (the command from the CLI's start to its end, the three before
included). Python's own start is not seen from inside: the parent times the whole process, and
what is left once `imports` and `command` are taken out is the interpreter's. Modules a command
imports inside its work count in the phase that imports them.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

_spent: dict[str, float] = {"schema": 0.0, "bundled": 0.0, "backup": 0.0}


def _timed(phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _spent[phase] += time.perf_counter() - started

    return wrapper


def main() -> None:
    import stalindeck.cli
    import stalindeck.decks.importing
    import stalindeck.store.backup
    import stalindeck.store.open

    _spent["imports"] = time.perf_counter() - _began
    stalindeck.store.open.ensure_schema = _timed("schema", stalindeck.store.open.ensure_schema)
    stalindeck.decks.importing.bring_in_bundled = _timed(
        "bundled", stalindeck.decks.importing.bring_in_bundled
    )
    stalindeck.store.backup.backup_before = _timed("backup", stalindeck.store.backup.backup_before)
    started = time.perf_counter()

    def report() -> None:
        _spent["command"] = time.perf_counter() - started
        target = os.environ.get("PHASES_FILE")
        if target:
            with open(target, "w", encoding="utf-8") as out:
                json.dump(_spent, out)

    atexit.register(report)
    sys.argv = ["stalindeck", *sys.argv[1:]]
    stalindeck.cli.main()


_began = time.perf_counter()
if __name__ == "__main__":
    main()
