"""The layering the house style asks for, read from the source: cli → ui and core → store, and
no import circle inside the store."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "stalindeck"
BELOW_UI = ("store", "decks", "scheduling", "review", "stats", "interop")


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@pytest.mark.parametrize("package", BELOW_UI)
def test_the_core_and_the_store_never_reach_up_to_the_screen_or_the_command_line(
    package: str,
) -> None:
    wrong = {
        f"{_module(path)} imports {name}"
        for path in (SRC / package).rglob("*.py")
        for name in _imports(path)
        if name.startswith(("stalindeck.ui", "stalindeck.cli", "typer"))
    }
    assert not wrong, sorted(wrong)


def test_the_store_has_no_import_circle() -> None:
    modules = {_module(path): path for path in (SRC / "store").rglob("*.py")}
    graph = {
        name: {other for other in modules if other != name and other in _imports(path)}
        for name, path in modules.items()
    }
    # A package's __init__ re-exporting its modules is not a circle through them.
    for name in graph:
        graph[name] = {o for o in graph[name] if not name.startswith(o + ".")}

    def circle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for other in graph[node]:
                if other == start:
                    return [*trail, start]
                if other not in trail:
                    stack.append((other, [*trail, other]))
        return None

    circles = [trail for name in sorted(graph) if (trail := circle_from(name))]
    assert not circles, " ; ".join(" → ".join(trail) for trail in circles)
