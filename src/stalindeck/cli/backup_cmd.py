"""`stalindeck backup`, `backups`, `restore` and `check`: keeping the review history safe."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stalindeck.cli.common import Context, OverwriteOption, console, open_for, user_errors
from stalindeck.ui.format import local_time
from stalindeck.words import plural

if TYPE_CHECKING:
    from stalindeck.store.backup import StoreSummary


def register(app: typer.Typer) -> None:
    app.command("backup")(backup_command)
    app.command("backups")(backups_command)
    app.command("restore")(restore_command)
    app.command("check")(check_command)


def _store_file(ctx: typer.Context) -> Path:
    """The store file named by the root options, without opening it (it may be damaged)."""
    from stalindeck.store.backup import require_file
    from stalindeck.store.engine import resolve_url, sqlite_path

    options: Context = ctx.obj
    return require_file(sqlite_path(resolve_url(options.db)))


def _postgres_url(ctx: typer.Context) -> str | None:
    """The store's URL when it is a PostgreSQL database, else None."""
    from stalindeck.store.engine import resolve_url, sqlite_path

    options: Context = ctx.obj
    url = resolve_url(options.db)
    if sqlite_path(url) is None and url.startswith("postgresql"):
        return url
    return None


def _pg_backup(url: str, output: Path | None, force: bool) -> None:
    """`backup` of a PostgreSQL store: pg_dump to -o FILE, or to a dated file here."""
    import time

    from stalindeck.clock import utc_now
    from stalindeck.exporting import check_output
    from stalindeck.store.pg_backup import default_dump_path, dump

    destination = output or default_dump_path(url, "manual", utc_now(), Path.cwd())
    check_output(destination, force)
    started = time.perf_counter()
    dump(url, destination)
    seconds = time.perf_counter() - started
    print(
        f"Backed up the PostgreSQL store with pg_dump to {destination} "
        f"({_size(destination.stat().st_size)}, {seconds:.2f} s); "
        f"put it back with: stalindeck restore {destination}",
        file=sys.stderr,
    )


def _pg_restore(url: str, file: Path) -> None:
    """`restore` of a PostgreSQL store: the store as it is dumped beside the file first."""
    from stalindeck.clock import utc_now
    from stalindeck.store.pg_backup import default_dump_path, dump, restore_dump

    if not file.is_file():
        from stalindeck.errors import StoreError

        raise StoreError(f"{file} is not a file; give a pg_dump file (`stalindeck backup`)")
    previous = default_dump_path(url, "before-restore", utc_now(), file.absolute().parent)
    dump(url, previous)
    restore_dump(url, file)
    print(f"Restored {file} with pg_restore.", file=sys.stderr)
    print(f"The store as it was is kept as {previous}.", file=sys.stderr)


def _size(size: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:,.0f} {unit}"
        size //= 1024
    return f"{size} GB"  # pragma: no cover


def _holds(summary: StoreSummary) -> str:
    last = "" if summary.last_review is None else f", last review {local_time(summary.last_review)}"
    return f"{plural(summary.cards, 'card')}, {plural(summary.reviews, 'review')}{last}"


def backup_command(
    ctx: typer.Context,
    *,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the copy to this file instead of the backups folder.",
            show_default=False,
        ),
    ] = None,
    force: OverwriteOption = False,
) -> None:
    """Copy the store now (SQLite's backup API: safe while reviewing). Without -o, the copy
    goes to the backups folder beside the store and counts towards its rotation. A PostgreSQL
    store is dumped with pg_dump (to -o FILE, or a dated file in the current folder)."""
    import time

    from stalindeck.errors import StalindeckError
    from stalindeck.store.backup import backup_file, inspect, take_backup

    with user_errors():
        if _postgres_url(ctx) is not None:
            _pg_backup(_postgres_url(ctx) or "", output, force)
            return
        store_path = _store_file(ctx)
        started = time.perf_counter()
        if output is None:
            written = take_backup(store_path, "manual")
        else:
            if output.is_dir():
                raise StalindeckError(f"{output} is a folder; name a file")
            if output.exists() and not force:
                raise StalindeckError(f"{output} exists; use --force to overwrite it")
            if not output.parent.is_dir():
                raise StalindeckError(f"the folder {output.parent} does not exist")
            written = backup_file(store_path, output)
        seconds = time.perf_counter() - started
        summary = inspect(written)
        print(
            f"Backed up {_holds(summary)} to {written} "
            f"({_size(written.stat().st_size)}, {seconds:.2f} s).",
            file=sys.stderr,
        )


def backups_command(ctx: typer.Context) -> None:
    """List the copies in the backups folder, newest first, and how they are kept."""
    from rich.table import Table
    from rich.text import Text

    from stalindeck.store.backup import (
        KEEP_DAILY,
        KEEP_MONTHLY,
        KEEP_WEEKLY,
        backup_dir_for,
        list_backups,
    )

    with user_errors():
        store_path = _store_file(ctx)
        folder = backup_dir_for(store_path)
        found = list_backups(folder, store_path.stem)
        out = console()
        if not found:
            out.print(Text(f"No backups yet in {folder}."))
            return
        table = Table(
            box=None, pad_edge=False, title=Text(f"Backups in {folder}"), title_justify="left"
        )
        table.add_column("taken", no_wrap=True)
        table.add_column("why", no_wrap=True)
        table.add_column("size", justify="right", no_wrap=True)
        table.add_column("file", no_wrap=True)
        for info in found:
            table.add_row(
                local_time(info.taken_at), info.label, _size(info.size), Text(info.path.name)
            )
        out.print(table)
        out.print(
            Text(
                "Kept: all from today and yesterday, then the newest of each day for "
                f"{KEEP_DAILY} days, of each week for {KEEP_WEEKLY} weeks, of each month for "
                f"{KEEP_MONTHLY} months."
            )
        )
        out.print(Text("Restore one with: stalindeck restore FILE"))


def restore_command(
    ctx: typer.Context,
    file: Annotated[
        str,
        typer.Argument(
            help="The copy to restore: a path, or a file name from `stalindeck backups`.",
            show_default=False,
        ),
    ],
) -> None:
    """Replace the store with a backup copy. The copy is checked first (integrity, schema
    version); the store as it was is kept in the backups folder. Close other stalindeck
    windows first. A PostgreSQL store is restored from a pg_dump file with pg_restore (the
    store as it was is dumped beside that file first)."""
    from stalindeck.store.backup import resolve_backup, restore

    with user_errors():
        if _postgres_url(ctx) is not None:
            _pg_restore(_postgres_url(ctx) or "", Path(file))
            return
        store_path = _store_file(ctx)
        backup = resolve_backup(file, store_path)
        restored = restore(backup, store_path)
        print(f"Restored {backup} to {store_path}: {_holds(restored.summary)}.", file=sys.stderr)
        if restored.previous is not None:
            print(f"The store as it was is kept as {restored.previous}.", file=sys.stderr)


def check_command(
    ctx: typer.Context,
    *,
    no_repair: Annotated[
        bool, typer.Option("--no-repair", help="Only report; change nothing.")
    ] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="SQLite's full integrity check (indexes too; slower) instead of its quick check.",
        ),
    ] = False,
) -> None:
    """Check the store: SQLite's integrity check, rows pointing at nothing, and the review
    log against the cards. Repairs what is safe (after a backup) and reports the rest;
    exits with status 1 if anything is left wrong."""
    from stalindeck.clock import utc_now
    from stalindeck.store.check import check_store

    with user_errors():
        store = open_for(ctx, first_run=False)
        report = check_store(store, utc_now(), repair=not no_repair, full=full)
        if report.backup is not None:
            print(f"Backed up the store first, to {report.backup}.", file=sys.stderr)
        for line in report.repaired:
            print(f"repaired: {line}")
        for line in report.problems:
            print(f"problem: {line}")
        if report.integrity != ["ok"]:
            for line in report.integrity:
                print(f"integrity: {line}")
        if report.ok:
            print("The store is sound." if not report.repaired else "The store is sound now.")
        else:
            raise typer.Exit(1)
