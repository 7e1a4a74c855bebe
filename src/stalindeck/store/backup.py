"""Copies of a SQLite store: taking them, keeping a sensible number, and restoring one.

Copies are taken with SQLite's online backup API, never a file copy, so they are consistent
even while another process writes. Each is written to a temporary file, switched to a
self-contained rollback journal and renamed into place: a copy is either whole or absent.

Automatic copies go to the ``backups`` folder beside the store: before an import, before a
schema upgrade, and at most every `AUTO_INTERVAL` during review sessions. They are thinned
as Anki thins its own: every copy from today and yesterday is kept, then the newest of each
of the `KEEP_DAILY` days before, then one a week for `KEEP_WEEKLY` weeks and one a month for
`KEEP_MONTHLY` months.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from stalindeck.errors import DamagedStoreError, NotFoundError, StoreError
from stalindeck.store.engine import sqlite_path
from stalindeck.store.revision import HEAD_REVISION, known_revisions
from stalindeck.store.safety import disk_full, header_ok

KEEP_DAILY = 12
KEEP_WEEKLY = 10
KEEP_MONTHLY = 9
AUTO_INTERVAL = timedelta(minutes=30)
BACKUP_DIR_NAME = "backups"

# <store file stem>-<UTC time>Z-<reason>[-<n>].db: several stores may share one folder.
_NAME = re.compile(r"^(.+)-(\d{8}T\d{6})Z-([a-z]+(?:-[a-z]+)*?)(?:-(\d+))?\.db$")
_UPGRADE_NAME = re.compile(r"^before-upgrade-(\w+)-(\d{8}-\d{6})\.db$")
_STAMP = "%Y%m%dT%H%M%S"
_TMP_SUFFIX = ".tmp"
_STALE_TMP = timedelta(hours=1)
_SIDES = ("-wal", "-shm")  # a damaged store set aside keeps its journals beside it

REASONS = {
    "review": "during review",
    "import": "before import",
    "remove": "before removing decks",
    "manual": "by hand",
    "restore": "before restore",
    "check": "before check",
    "damaged": "damaged, set aside",
    "upgrade": "before upgrade",
}


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """One copy in the backups folder.

    Attributes:
        path: the file.
        taken_at: when it was taken (UTC).
        reason: why (a key of `REASONS`, or ``upgrade``).
        size: its size in bytes.
        rotated: whether rotation may delete it (upgrade copies are kept until removed).
        store: the stem of the store file it copies ("" when the name does not say).
    """

    path: Path
    taken_at: datetime
    reason: str
    size: int
    rotated: bool
    store: str = ""

    @property
    def label(self) -> str:
        """Why the copy was taken, in words."""
        if self.reason.startswith("upgrade"):
            return "before upgrade"
        return REASONS.get(self.reason, self.reason)


@dataclass(frozen=True, slots=True)
class StoreSummary:
    """What a store file holds, checked and counted.

    Attributes:
        revision: its schema revision.
        cards: cards, retired ones included.
        reviews: rows in the review log.
        last_review: the newest review, if any.
    """

    revision: str
    cards: int
    reviews: int
    last_review: datetime | None


@dataclass(frozen=True, slots=True)
class Restored:
    """What `restore` did.

    Attributes:
        summary: what the store now holds.
        previous: where the store as it was before was kept (None if there was none).
    """

    summary: StoreSummary
    previous: Path | None


def backup_dir_for(store_path: Path) -> Path:
    """The backups folder of the store file `store_path`."""
    return store_path.parent / BACKUP_DIR_NAME


def require_file(path: Path | None) -> Path:
    """The store file, or a clear error for a store that is not a SQLite file."""
    if path is None:
        raise StoreError(
            "the backups folder is for SQLite stores; a PostgreSQL store is backed up with "
            "`stalindeck backup -o FILE` (pg_dump) and put back with `stalindeck restore FILE`"
        )
    return path


# -- taking copies ---------------------------------------------------------------------------


def backup_file(source: Path, destination: Path) -> Path:
    """Write a consistent, self-contained copy of the SQLite file `source` to `destination`.

    Raises:
        NotFoundError: `source` does not exist.
        StoreError: the copy could not be written (nothing is left at `destination`).
    """
    if not source.is_file():
        raise NotFoundError(f"no store at {source}")
    # The process's own scratch name: two stalindecks backing up in the same second (two
    # imports at once) must not write into, or delete, each other's.
    tmp = destination.with_name(f".{destination.name}.{os.getpid()}{_TMP_SUFFIX}")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        _clear_leftovers(destination)
        tmp.unlink(missing_ok=True)
        _copy(source, tmp)
        damage = _damage(tmp)
        if damage is not None:
            # A damaged copy under a backup's name would later be offered for restoring.
            raise DamagedStoreError(
                f"the store {source} is damaged ({damage}); no backup of it was written",
                source,
            )
        _fsync(tmp)
        os.replace(tmp, destination)
        _fsync(destination.parent)
    except (OSError, sqlite3.Error) as error:
        # Judged before the half-written copy is deleted, which frees the space again.
        message = _failure(f"could not back up {source} to {destination}", error, tmp)
        _unlink_copy(tmp)
        raise StoreError(message) from error
    except StoreError:
        _unlink_copy(tmp)
        raise
    return destination


def _damage(path: Path) -> str | None:
    """Why the SQLite file `path` is damaged (SQLite's quick check of every page), or None."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = [row[0] for row in connection.execute("PRAGMA quick_check(5)")]
        finally:
            connection.close()
    except sqlite3.Error as error:
        return str(error)
    if found != ["ok"]:
        # SQLite's findings come as lines under a "*** in database main ***" heading.
        lines = [line for line in str(found[0]).splitlines() if not line.startswith("***")]
        return f"SQLite's check found: {(lines or ['damage'])[0][:160]}"
    return None


def _clear_leftovers(destination: Path) -> None:
    """Remove what a killed backup to `destination` left: its scratch copy and journal
    (``.NAME.PID.tmp``, ``.NAME.PID.tmp-journal``), once that process is gone."""
    for leftover in destination.parent.glob(f".{glob.escape(destination.name)}.*{_TMP_SUFFIX}*"):
        pid = leftover.name[len(destination.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            _unlink_quietly(leftover)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or no way to tell: leave its files alone
        return True
    return True


def _copy(source: Path, destination: Path, *, standalone: bool = True) -> None:
    from_connection = sqlite3.connect(source, timeout=10)
    try:
        to_connection = sqlite3.connect(destination, timeout=10)
        try:
            from_connection.backup(to_connection)
            if standalone:
                # A copy must not depend on a -wal file beside it.
                to_connection.execute("PRAGMA journal_mode = DELETE")
        finally:
            to_connection.close()
    finally:
        from_connection.close()


def _failure(what: str, error: BaseException, written: Path | None = None) -> str:
    """`what` failed, and why; a full disk named as such even where SQLite said "disk I/O
    error" (its words for some writes that ran out of space), judged at `written`."""
    reason = getattr(error, "strerror", None) or str(error)
    if (
        (isinstance(error, OSError) and error.errno == errno.ENOSPC)
        or "disk is full" in str(error)
        or (written is not None and disk_full(written))
    ):
        reason = "the disk is full; free some space, then try again"
    return f"{what}: {reason}"


def _unlink_copy(path: Path) -> None:
    """Delete a half-written copy and what SQLite kept beside it (a copy of a store in WAL
    mode is in WAL mode until it is finished)."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        _unlink_quietly(path.with_name(path.name + suffix))


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def backup_sqlite(engine: Engine, destination: Path) -> Path | None:
    """Write a consistent copy of the store to `destination`; None when not a SQLite file."""
    source_path = sqlite_path(str(engine.url))
    if source_path is None:
        return None
    return backup_file(source_path, destination)


def take_backup(store_path: Path, reason: str, now: datetime | None = None) -> Path:
    """Copy the store into its backups folder, named by time and `reason`, then rotate.

    Args:
        store_path: the store file.
        reason: a key of `REASONS`.
        now: the time to name it by (default: now).

    Returns:
        The new copy.
    """
    taken = (now or datetime.now(UTC)).astimezone(UTC)
    folder = backup_dir_for(store_path)
    stem = f"{store_path.stem}-{taken.strftime(_STAMP)}Z-{reason}"
    destination = folder / f"{stem}.db"
    number = 1
    while destination.exists():
        number += 1
        destination = folder / f"{stem}-{number}.db"
    backup_file(store_path, destination)
    _last_auto[store_path] = time.time()
    rotate(folder, taken, store_path.stem, good=destination)
    return destination


# -- listing and rotating --------------------------------------------------------------------


def list_backups(folder: Path, store: str | None = None) -> list[BackupInfo]:
    """The copies in `folder`, newest first (files not named by stalindeck are ignored).

    Args:
        folder: the backups folder.
        store: only copies of the store file with this stem (and upgrade copies, whose names
            do not say which store they copy).
    """
    found: list[BackupInfo] = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    except OSError as error:
        raise StoreError(f"cannot read the backups folder {folder}: {error.strerror}") from error
    for entry in entries:
        info = _parse(Path(entry.path), entry)
        if info is not None and (store is None or info.store in (store, "")):
            found.append(info)
    found.sort(key=lambda info: (info.taken_at, info.path.name), reverse=True)
    return found


def _parse(path: Path, entry: os.DirEntry[str]) -> BackupInfo | None:
    match = _NAME.match(path.name)
    try:
        size = entry.stat().st_size
    except OSError:
        return None
    if match:
        taken = datetime.strptime(match.group(2), _STAMP).replace(tzinfo=UTC)
        reason = match.group(3)
        return BackupInfo(
            path,
            taken,
            reason,
            size,
            rotated=not reason.startswith("upgrade"),
            store=match.group(1),
        )
    match = _UPGRADE_NAME.match(path.name)
    if match:
        # Named in local time by the upgrade step.
        taken = datetime.strptime(match.group(2), "%Y%m%d-%H%M%S").astimezone(UTC)
        return BackupInfo(path, taken, f"upgrade-{match.group(1)}", size, rotated=False)
    return None


def newest_backup(folder: Path, store: str | None = None) -> BackupInfo | None:
    """The newest copy in `folder` (of the store with stem `store`), if any."""
    backups = list_backups(folder, store)
    return backups[0] if backups else None


def obsolete(
    backups: Sequence[BackupInfo],
    today: date,
    *,
    daily: int = KEEP_DAILY,
    weekly: int = KEEP_WEEKLY,
    monthly: int = KEEP_MONTHLY,
) -> list[BackupInfo]:
    """The copies rotation deletes, by Anki's rule (days, weeks and months in local time).

    Every copy from `today` and the day before is kept; going back from there, the newest copy
    of each day is kept for `daily` days, then the newest of each week for `weekly` weeks,
    then the newest of each month for `monthly` months. Copies that are not rotated are
    neither kept nor counted.
    """
    yesterday = today - timedelta(days=1)
    last_day = last_week = last_month = None
    doomed: list[BackupInfo] = []
    for backup in sorted(backups, key=lambda info: info.taken_at, reverse=True):
        if not backup.rotated:
            continue
        day = backup.taken_at.astimezone().date()
        if day >= yesterday:
            continue
        week = day.isocalendar()[:2]
        month = (day.year, day.month)
        if daily > 0 and day != last_day:
            daily -= 1
        elif weekly > 0 and week != last_week:
            weekly -= 1
        elif monthly > 0 and month != last_month:
            monthly -= 1
        else:
            doomed.append(backup)
            continue
        last_day, last_week, last_month = day, week, month
    return doomed


def rotate(
    folder: Path, now: datetime | None = None, store: str | None = None, good: Path | None = None
) -> list[Path]:
    """Delete the copies `obsolete` names, and temporary files left by a killed backup.

    The newest copy of each store that passes SQLite's check is never deleted, whatever the
    thinning rule says (copies written before copies were checked may be damaged).

    Args:
        folder: the backups folder.
        now: the current time.
        store: rotate only the copies of the store with this stem (default: each store's).
        good: a copy known sound (just written and checked), the newest of its store.

    Returns:
        The files deleted.
    """
    moment = now or datetime.now(UTC)
    deleted = []
    by_store: dict[str, list[BackupInfo]] = {}
    for info in list_backups(folder, store):
        by_store.setdefault(info.store, []).append(info)
    doomed: list[BackupInfo] = []
    for copies in by_store.values():
        thinned = obsolete(copies, moment.astimezone().date())
        if thinned:
            keep = good if good is not None and good in {c.path for c in copies} else None
            keep = keep or _newest_sound(copies)
            doomed.extend(backup for backup in thinned if backup.path != keep)
    for backup in doomed:
        for path in (backup.path, *(backup.path.with_name(backup.path.name + s) for s in _SIDES)):
            _unlink_quietly(path)
        deleted.append(backup.path)
    cutoff = time.time() - _STALE_TMP.total_seconds()
    for tmp in folder.glob(f".*{_TMP_SUFFIX}*"):  # a scratch copy, or its -journal
        try:
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()
                deleted.append(tmp)
        except OSError:
            pass
    return deleted


def _newest_sound(copies: Sequence[BackupInfo]) -> Path | None:
    """The newest of `copies` that passes the check, if any."""
    for info in sorted(copies, key=lambda info: (info.taken_at, info.path.name), reverse=True):
        if info.reason != "damaged" and _damage(info.path) is None and _has_schema(info.path):
            return info.path
    return None


def _has_schema(path: Path) -> bool:
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'"
            ).fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return False
    return bool(row and row[0])


# -- automatic copies ------------------------------------------------------------------------

# When each store last got a copy (time.time()); read from disk once per process so the
# per-answer check costs a dictionary lookup.
_last_auto: dict[Path, float] = {}


def backup_if_due(store_path: Path | None, reason: str = "review") -> Path | None:
    """Take an automatic copy if the newest one is older than `AUTO_INTERVAL`.

    Meant for the review loop: a failure (say, a full disk) does not interrupt reviewing;
    the next answer after `AUTO_INTERVAL` tries again.

    Returns:
        The new copy, or None when none was due (or the store is not a SQLite file).
    """
    if store_path is None:
        return None
    last = _last_auto.get(store_path)
    if last is None:
        newest = newest_backup_quietly(backup_dir_for(store_path), store_path.stem)
        last = _last_auto[store_path] = newest.taken_at.timestamp() if newest else 0.0
    if time.time() - last < AUTO_INTERVAL.total_seconds():
        return None
    # Students of one class starting together would each copy the store: the first to claim
    # the copy takes it, the others count it as taken (and look again after the interval).
    folder = backup_dir_for(store_path)
    claim = folder / f".{store_path.stem}-auto.claim"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            if time.time() - claim.stat().st_mtime > _STALE_TMP.total_seconds():
                claim.unlink()  # left by a process that died while copying
        os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except OSError:
        _last_auto[store_path] = time.time()  # claimed by another process (or unwritable)
        return None
    try:
        return take_backup(store_path, reason)
    except StoreError:
        _last_auto[store_path] = time.time()  # do not retry on every answer
        return None
    finally:
        _unlink_quietly(claim)


def newest_backup_quietly(folder: Path, store: str | None = None) -> BackupInfo | None:
    """Like `newest_backup`, but None when the folder cannot be read."""
    try:
        return newest_backup(folder, store)
    except StoreError:
        return None


def backup_before(store_path: Path | None, reason: str) -> Path | None:
    """Copy the store before a change (`reason`, a key of `REASONS`: an import, a removal)
    writes to it; nothing for an empty or non-file store.

    Raises:
        StoreError: the copy failed; the caller should not write.
    """
    if store_path is None or not _has_data(store_path):
        return None
    try:
        return take_backup(store_path, reason)
    except StoreError as error:
        done = "imported" if reason == "import" else "changed"
        if isinstance(error, DamagedStoreError):
            raise DamagedStoreError(f"{error}; nothing was {done}", error.store) from error
        raise StoreError(f"{error}; nothing was {done}") from error


def _has_data(store_path: Path) -> bool:
    try:
        connection = sqlite3.connect(f"{store_path.as_uri()}?mode=ro", uri=True, timeout=10)
        try:
            row = connection.execute(
                "SELECT EXISTS (SELECT 1 FROM cards) OR EXISTS (SELECT 1 FROM reviews)"
            ).fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return True  # when in doubt, copy
    return bool(row and row[0])


# -- checking and restoring ------------------------------------------------------------------


def inspect(path: Path, *, name: Path | None = None) -> StoreSummary:
    """Check a store file (integrity and schema version) and count what it holds.

    Args:
        path: the file.
        name: the file to name in messages, if not `path`.

    Raises:
        NotFoundError: no such file.
        StoreError: it is damaged, not a stalindeck store, or from a newer stalindeck.
    """
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return _inspect(connection, name or path)
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise StoreError(
            f"{name or path} is damaged or not a stalindeck store ({error})"
        ) from error


def _inspect(connection: sqlite3.Connection, path: Path) -> StoreSummary:
    problems = [row[0] for row in connection.execute("PRAGMA integrity_check(5)")]
    if problems != ["ok"]:
        raise StoreError(f"{path} is damaged: {'; '.join(problems)}")
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if "alembic_version" not in tables or "cards" not in tables:
        raise StoreError(f"{path} is not a stalindeck store")
    revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    if revision is None:
        raise StoreError(f"{path} has no schema version; it is not a stalindeck store")
    _check_revision(str(revision[0]), path)
    cards = connection.execute("SELECT count(*) FROM cards").fetchone()[0]
    reviews, newest = connection.execute(
        "SELECT count(*), max(reviewed_at) FROM reviews"
    ).fetchone()
    last = None if newest is None else datetime.fromtimestamp(newest / 1000, UTC)
    return StoreSummary(str(revision[0]), int(cards), int(reviews), last)


def _check_revision(revision: str, path: Path) -> None:
    if revision == HEAD_REVISION:
        return
    if revision not in known_revisions():
        raise StoreError(
            f"{path} is at schema {revision}, newer than this stalindeck knows; "
            "upgrade stalindeck (pip install -U stalindeck) to restore it"
        )


def restore_hint(store_path: Path | None) -> str:
    """What to do about a damaged store: the command that restores its newest backup that
    passes SQLite's check (a damaged copy would only be refused by `restore`)."""
    if store_path is None:
        return "restore it from your database backups"
    folder = backup_dir_for(store_path)
    try:
        copies = [
            info for info in list_backups(folder, store_path.stem) if info.reason != "damaged"
        ]
    except StoreError:
        copies = []
    if not copies:
        return f"no backups found in {folder}; move the file aside to start afresh"
    sound = _newest_sound(copies)
    if sound is None:
        return (
            f"none of the copies in {folder} passes the check; see `stalindeck backups`, "
            "or move the file aside to start afresh"
        )
    return f"restore the newest backup with: stalindeck restore {sound}"


def check_header(path: Path) -> None:
    """Refuse a store file that is not a store: one that `header_ok` rejects, or an empty
    (0-byte) file beside backups of it — a store emptied by accident or a crash, which SQLite
    would take for a new one. (An empty file with no copies is a store being created.)

    Raises:
        DamagedStoreError: naming the newest sound backup.
    """
    if not header_ok(path):
        why = "it does not start as a SQLite file does"
    else:
        try:
            empty = path.stat().st_size == 0
        except OSError:
            return
        if not empty or not list_backups(backup_dir_for(path), path.stem):
            return
        why = "it is empty (0 bytes), though its backups folder holds copies of it"
    raise DamagedStoreError(
        f"the store at {path} is damaged or not a stalindeck store ({why}); {restore_hint(path)}",
        path,
        hinted=True,
    )


def resolve_backup(name: str, store_path: Path) -> Path:
    """The file `name` names: a path, or the name of a copy in the store's backups folder."""
    given = Path(name).expanduser()
    if given.is_file():
        return given
    in_folder = backup_dir_for(store_path) / name
    if given.name == name and in_folder.is_file():
        return in_folder
    raise NotFoundError(f"{name}: no such file; `stalindeck backups` lists the copies")


def restore(backup: Path, store_path: Path) -> Restored:
    """Replace the store with a copy, after checking the copy; the store as it was is kept.

    The copy is checked (integrity, schema version) before anything is touched. A readable
    store is copied into its backups folder and then overwritten through the backup API,
    which takes SQLite's locks, so other readers see the change safely. A store too damaged
    to read is moved into the backups folder as it is.

    Raises:
        NotFoundError: `backup` does not exist.
        StoreError: `backup` is damaged or not a stalindeck store, or the restore failed
            (in which case the store is unchanged).
    """
    if backup.resolve() == store_path.resolve():
        raise StoreError(f"{backup} is the store itself; name a backup copy")
    folder = backup_dir_for(store_path)
    staged = folder / f".restore-{os.getpid()}{_TMP_SUFFIX}"
    try:
        # Check a private copy, so what is checked is exactly what is restored.
        try:
            backup_file(backup, staged)
        except StoreError as error:
            raise StoreError(
                f"{backup} is not a stalindeck backup ({error.__cause__ or error}); "
                "the store is unchanged"
            ) from error
        inspect(staged, name=backup)
        previous = _set_aside(store_path) if store_path.exists() else None
        try:
            _copy(staged, store_path, standalone=False)
        except sqlite3.Error as error:
            raise StoreError(
                _failure(f"could not write {store_path}; the store is unchanged", error)
            ) from error
    finally:
        _unlink_quietly(staged)
    return Restored(summary=inspect(store_path), previous=previous)


def _set_aside(store_path: Path) -> Path:
    sound = (
        header_ok(store_path)
        and store_path.stat().st_size > 0
        and _readable(store_path)
        and _damage(store_path) is None
    )
    if sound:
        return take_backup(store_path, "restore")
    # Too damaged to copy page by page: move the file itself (and its journals) aside.
    folder = backup_dir_for(store_path)
    stamp = datetime.now(UTC).strftime(_STAMP)
    kept = folder / f"{store_path.stem}-{stamp}Z-damaged.db"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for suffix in _SIDES:
            journal = store_path.with_name(store_path.name + suffix)
            if journal.exists():
                os.replace(journal, kept.with_name(kept.name + suffix))
        os.replace(store_path, kept)
    except OSError as error:
        raise StoreError(f"could not move the damaged store aside: {error.strerror}") from error
    return kept


def _readable(path: Path) -> bool:
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return False
    return True
