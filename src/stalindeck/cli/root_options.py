"""`--db` and `--profile` anywhere on the line: ``stalindeck stats --profile s3`` works as
``stalindeck --profile s3 stats`` does.

Click reads an option only at the level it belongs to, so the root options given after the
command would be refused as unknown. The root group moves them in front of the command before
click parses anything; everything after a ``--`` stays where it is (it is data).
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperGroup

ROOT_OPTIONS = ("--db", "--profile")


def hoist(args: list[str]) -> list[str]:
    """`args` with every root option (and its value) after the command moved before it.

    Root options before the command, and anything after ``--``, are left alone. An option
    given twice keeps click's rule: the last one wins (the one after the command).
    """
    command_at = _command_position(args)
    if command_at is None:
        return list(args)
    before, after = list(args[:command_at]), args[command_at:]
    kept: list[str] = []
    moved: list[str] = []
    index = 0
    while index < len(after):
        word = after[index]
        if word == "--":
            kept.extend(after[index:])
            break
        name = word.partition("=")[0]
        if name in ROOT_OPTIONS and "=" in word:
            moved.append(word)
        elif word in ROOT_OPTIONS and index + 1 < len(after):
            moved.extend(after[index : index + 2])
            index += 1
        else:
            kept.append(word)  # `--db` with nothing after it: click says what is missing
        index += 1
    return before + moved + kept


def _command_position(args: list[str]) -> int | None:
    """Where the command name is: the first word that is neither a root option nor its value."""
    index = 0
    while index < len(args):
        word = args[index]
        if word in ROOT_OPTIONS:
            index += 2
        elif word.startswith("-"):
            index += 1
        else:
            return index
    return None


class RootGroup(TyperGroup):
    """The root command group, taking the root options wherever they are on the line."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        position = _command_position(args)
        if position is not None and len(args) > position + 1 and args[-1] in ROOT_OPTIONS:
            ctx.fail(f"Option '{args[-1]}' requires an argument.")
        return super().parse_args(ctx, hoist(args))
