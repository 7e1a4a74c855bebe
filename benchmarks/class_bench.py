"""A school on one store: `class`, `stats --profile` and `export class` on 1,000 profiles x the
bundled deck x 90 days (about 2 million reviews), and 50 students answering at once.

Run (SQLite, a temporary store; or a PostgreSQL database whose tables are dropped first):

    .venv/bin/python benchmarks/class_bench.py
    .venv/bin/python benchmarks/class_bench.py --db postgresql+psycopg://postgres@127.0.0.1/bench

Options: ``--profiles N --days N --per-day N`` (the school), ``--reviewers N --seconds S`` (the
concurrent part; 0 reviewers skips it), ``--keep`` (keep a SQLite store at --db's path).

The school is made with bulk inserts (a seeded RNG, so every run builds the same history,
ending now): each student answers `per-day` cards a day at an afternoon hour (due cards first,
then new ones, then the soonest due: a keen class), grades drawn 12 % Again, the rest Hard,
Good or Easy, FSRS-like stability growth, the log in time order. Timings are the best of three,
in process (the computation) and as the command a teacher types (a fresh process: start-up,
imports and printing included; stalindeck's bytecode written first, as an installed wheel has
it).

The concurrent part starts `reviewers` processes of ``stalindeck review --ahead`` in line mode
(stdin a pipe), each a different student, answering as fast as they can for `seconds`: a
driver thread per process sends a grade as soon as a card is shown and times the answer (from
the grade sent to the ``graded:`` line, the commit) and the wait for the next card. It checks
that no process failed and that every answer printed is exactly one new row of the log. On
PostgreSQL it runs twice: with the per-profile write lock stalindeck takes, and with every
answer taking the store-wide lock (what a single writer lock costs).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from stalindeck.store.models import to_millis
from stalindeck.store.open import Store, open_store

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
DAY_MS = 86_400_000
REVIEW_COLUMNS = (
    "card_id", "profile_id", "grade", "reviewed_at", "duration_ms", "elapsed_days",
    "state_before", "step_before", "stability_before", "difficulty_before", "due_before",
    "last_review_before", "state_after", "step_after", "stability_after", "difficulty_after",
    "due_after",
)  # fmt: skip
STATE_COLUMNS = (
    "profile_id", "card_id", "state", "step", "stability", "difficulty", "due", "last_review",
    "reps", "lapses", "suspended",
)  # fmt: skip


def _simulate(
    rng: random.Random, profile: int, cards: list[int], days: int, per_day: int
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """One student's review rows (in time order) and final card states."""
    # card → [state, stability, difficulty, due, last, reps, lapses]
    known: dict[int, list[Any]] = {}
    order = cards[:]
    rng.shuffle(order)
    fresh = iter(order)
    rows: list[tuple[Any, ...]] = []
    now_ms = to_millis(NOW)
    for day in range(days, 0, -1):
        day_start = now_ms - day * DAY_MS + rng.randrange(12, 20) * 3_600_000
        at = day_start
        by_due = sorted(known, key=lambda card: known[card][3])
        picked = [card for card in by_due if known[card][3] <= at + 8 * 3_600_000][:per_day]
        while len(picked) < per_day:
            card = next(fresh, None)
            if card is None:
                break
            picked.append(card)
        picked += [card for card in by_due if card not in picked][: per_day - len(picked)]
        for card in picked:
            at += rng.randrange(6_000, 30_000)
            grade = 1 if rng.random() < 0.12 else rng.choice((2, 3, 3, 3, 4))
            state, stability, difficulty, due, last, reps, lapses = known.get(
                card, [0, None, rng.uniform(2, 9), None, None, 0, 0]
            )
            if grade == 1:
                lapses += state == 2
                new_stability = max(0.2, (stability or 1.0) * 0.4)
                new_state = 3 if state else 1
                interval = 600_000
            else:
                new_stability = min(36_500.0, (stability or 1.0) * (1.3 + grade * 0.5))
                new_state = 2
                interval = max(DAY_MS, int(new_stability * DAY_MS))
            elapsed = None if last is None else (at - last) / DAY_MS
            rows.append(
                (
                    card,
                    profile,
                    grade,
                    at,
                    rng.randrange(2000, 20000),
                    elapsed,
                    state,
                    None,
                    stability,
                    None if state == 0 else difficulty,
                    due,
                    last,
                    new_state,
                    0 if new_state in (1, 3) else None,
                    new_stability,
                    difficulty,
                    at + interval,
                )
            )
            known[card] = [
                new_state, new_stability, difficulty, at + interval, at, reps + 1, lapses,
            ]  # fmt: skip
    states = []
    for card in cards:
        state, stability, difficulty, due, last, reps, lapses = known.get(
            card, [0, None, None, None, None, 0, 0]
        )
        step = 0 if state in (1, 3) else None
        states.append(
            (profile, card, state, step, stability, difficulty, due, last, reps, lapses, False)
        )
    return rows, states


def build_school(store: Store, profiles: int, days: int, per_day: int, seed: int = 1) -> int:
    """Fill a store that has the bundled deck with `profiles` students; returns the reviews."""
    from sqlalchemy import insert, select

    from stalindeck.store.engine import writing
    from stalindeck.store.models import Card, Profile

    rng = random.Random(seed)
    with writing(store.engine) as connection:
        cards = [int(i) for i in connection.scalars(select(Card.id).where(Card.retired.is_(False)))]
        connection.execute(
            insert(Profile),
            [
                {"name": f"s{n:04d}", "created_at": NOW - timedelta(days=days + 1)}
                for n in range(1, profiles + 1)
            ],
        )
        ids = [
            int(i)
            for i in connection.scalars(
                select(Profile.id).where(Profile.name.like("s%")).order_by(Profile.name)
            )
        ]
    postgres = store.engine.dialect.name == "postgresql"
    raw = store.engine.raw_connection()
    total = 0
    try:
        cursor = raw.cursor()
        if not postgres:
            cursor.execute("BEGIN")
        batch_reviews: list[tuple[Any, ...]] = []
        batch_states: list[tuple[Any, ...]] = []

        def flush() -> None:
            batch_reviews.sort(key=lambda row: row[3])  # the log in time order, per batch
            _load(cursor, postgres, "reviews", REVIEW_COLUMNS, batch_reviews)
            _load(cursor, postgres, "card_states", STATE_COLUMNS, batch_states)
            batch_reviews.clear()
            batch_states.clear()

        for profile in ids:
            rows, states = _simulate(rng, profile, cards, days, per_day)
            total += len(rows)
            batch_reviews += rows
            batch_states += states
            if len(batch_reviews) >= 200_000:
                flush()
        flush()
        if postgres:
            raw.commit()
            driver: Any = raw.driver_connection
            driver.autocommit = True  # VACUUM runs outside a transaction
            driver.execute("VACUUM ANALYZE")
            driver.autocommit = False
        else:
            cursor.execute("COMMIT")
            cursor.execute("ANALYZE")
    finally:
        raw.close()
    return total


def _load(
    cursor: Any, postgres: bool, table: str, columns: tuple[str, ...], rows: list[Any]
) -> None:
    if not rows:
        return
    names = ", ".join(columns)
    if postgres:
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def timed(label: str, work: Any, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    print(f"  {label:<44} {best:8.3f} s", flush=True)
    return best


def _compile_stalindeck() -> None:
    """Write stalindeck's bytecode, as installing the wheel does, so that the processes timed
    start as a teacher's would: from a source checkout run with PYTHONDONTWRITEBYTECODE set,
    every start compiled stalindeck's modules again (~60 ms of `stats --profile`)."""
    import compileall

    import stalindeck

    compileall.compile_dir(Path(stalindeck.__file__).parent, quiet=1)


def command(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "stalindeck", "--db", url, *args]


# -- many students at once ---------------------------------------------------------------------

# A reviewer process: stalindeck's own CLI, with every answer taking the store-wide lock when
# asked (to measure what a single writer lock costs); nothing else changed.
_REVIEWER = """
import sys
if sys.argv[1] == "store-wide":
    from stalindeck.store import engine
    whole = engine.take_write_lock
    engine.take_write_lock = lambda connection, where, profile_id=None: whole(connection, where)
sys.argv = ["stalindeck", *sys.argv[2:]]
from stalindeck.cli import main
main()
"""


@dataclass
class Reviewer:
    profile: str
    answers: int = 0
    commit_ms: list[float] = field(default_factory=list)
    next_ms: list[float] = field(default_factory=list)
    failed: str | None = None


def _drive(process: subprocess.Popen[str], reviewer: Reviewer, until: float) -> None:
    """Answer every card as soon as it is shown, until `until`; then quit."""
    assert process.stdin is not None and process.stdout is not None
    sent_at: float | None = None
    graded_at: float | None = None
    for line in process.stdout:
        now = time.perf_counter()
        if line.startswith("question:"):
            if graded_at is not None:
                reviewer.next_ms.append((now - graded_at) * 1000)
            if now >= until:
                process.stdin.write("q\n")
                process.stdin.flush()
                break
            sent_at = now
            process.stdin.write("3\n")  # a grade; on a typed card, the typed answer
            process.stdin.flush()
        elif line.startswith("grades:"):
            sent_at = time.perf_counter()
            process.stdin.write("3\n")
            process.stdin.flush()
        elif line.startswith("graded:"):
            if sent_at is not None:
                reviewer.commit_ms.append((now - sent_at) * 1000)
            reviewer.answers += 1
            graded_at = now
    process.stdin.close()
    process.wait()
    if process.returncode != 0:
        reviewer.failed = f"exit status {process.returncode}"


def review_log_counts(url: str) -> dict[str, tuple[int, int]]:
    """Per profile name: reviews, and distinct (card, time) pairs among them (read through a
    store opened afresh, as a teacher's next command would)."""
    from sqlalchemy import distinct, func, select, tuple_

    from stalindeck.store.engine import reading
    from stalindeck.store.models import Profile, Review

    query = (
        select(
            Profile.name,
            func.count(Review.id),
            func.count(distinct(tuple_(Review.card_id, Review.reviewed_at)))
            if url.startswith("postgresql")
            else func.count(distinct(Review.card_id * 10_000_000_000_000 + Review.reviewed_at)),
        )
        .join(Review, Review.profile_id == Profile.id)
        .group_by(Profile.name)
    )
    store = open_store(url, "teacher")
    try:
        with reading(store.engine) as connection:
            return {name: (int(n), int(d)) for name, n, d in connection.execute(query)}
    finally:
        store.close()


def concurrent(url: str, reviewers: int, seconds: float, lock: str) -> None:
    names = [f"s{n:04d}" for n in range(1, reviewers + 1)]
    before = review_log_counts(url)
    team = [Reviewer(name) for name in names]
    env = dict(os.environ, PYTHONUNBUFFERED="1", COLUMNS="100")
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _REVIEWER,
                lock,
                "--db",
                url,
                "--profile",
                name,
                "review",
                "--ahead",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in names
    ]
    until = time.perf_counter() + seconds
    threads = [
        threading.Thread(target=_drive, args=(process, member, until))
        for process, member in zip(processes, team, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [m for m in team if m.failed]
    for member, process in zip(team, processes, strict=True):
        if member.failed and process.stderr is not None:
            print(f"    {member.profile}: {member.failed}: {process.stderr.read()[-300:]}")
    after = review_log_counts(url)
    logged_once = all(
        after.get(m.profile, (0, 0))[0] - before.get(m.profile, (0, 0))[0] == m.answers
        and after.get(m.profile, (0, 0))[0] == after.get(m.profile, (0, 0))[1]
        for m in team
    )
    for m in team:
        added = after.get(m.profile, (0, 0))[0] - before.get(m.profile, (0, 0))[0]
        if added != m.answers or after.get(m.profile, (0, 0))[0] != after[m.profile][1]:
            print(
                f"    {m.profile}: {m.answers} answers printed, {added} logged, "
                f"{after.get(m.profile)}"
            )
    commits = sorted(ms for m in team for ms in m.commit_ms)
    waits = sorted(ms for m in team for ms in m.next_ms)
    answers = sum(m.answers for m in team)

    def p99(values: list[float]) -> float:
        return values[min(len(values) - 1, int(len(values) * 0.99))] if values else float("nan")

    print(
        f"  {reviewers} reviewers, {seconds:.0f} s, {lock} lock: {answers:,} answers "
        f"({answers / seconds:.0f}/s), {len(errors)} errors, every answer logged once: "
        f"{'yes' if logged_once else 'NO'}",
        flush=True,
    )
    if commits:
        print(
            f"    answer (grade sent → committed): median {statistics.median(commits):.1f} ms, "
            f"p99 {p99(commits):.1f} ms; next card shown: median "
            f"{statistics.median(waits):.1f} ms, p99 {p99(waits):.1f} ms",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", help="A PostgreSQL URL (tables dropped!) or a SQLite path.")
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--per-day", type=int, default=22)
    parser.add_argument("--reviewers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--keep", action="store_true", help="Keep the SQLite store at --db.")
    args = parser.parse_args(argv)

    from stalindeck.clock import utc_now
    from stalindeck.decks.importing import bring_in_bundled
    from stalindeck.stats.classroom import compute_class
    from stalindeck.stats.figures import compute

    with tempfile.TemporaryDirectory() as folder:
        url = args.db or str(Path(folder) / "school.db")
        if url.startswith("postgresql"):
            from sqlalchemy import create_engine, text

            engine = create_engine(url)
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        elif Path(url).exists() and not args.keep:
            raise SystemExit(f"{url} exists; give a new path")
        store = open_store(url, "teacher")
        try:
            bring_in_bundled(store, NOW - timedelta(days=args.days + 2))
            started = time.perf_counter()
            reviews = build_school(store, args.profiles, args.days, args.per_day)
            print(
                f"{store.engine.dialect.name}: built {args.profiles:,} profiles x the bundled "
                f"deck x {args.days} days: {reviews:,} reviews in "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
            student = open_store(url, "s0500")
            timed(
                "class (computation)",
                lambda: compute_class(store, utc_now(), leave_out=store.profile_id),
            )
            timed("stats --profile (computation)", lambda: compute(student, utc_now()))
            student.close()
            _compile_stalindeck()
            teacher = ("--profile", "teacher")
            for label, words in (
                ("`stalindeck class` (process)", (*teacher, "class")),
                ("`stalindeck class --json` (process)", (*teacher, "class", "--json")),
                ("`stalindeck stats --profile s0500` (process)", ("stats", "--profile", "s0500")),
            ):
                timed(
                    label,
                    lambda words=words: subprocess.run(
                        command(url, *words), stdout=subprocess.DEVNULL, check=True
                    ),
                )
            out = Path(folder)
            for fmt in ("csv", "html", "json"):
                target = out / f"class.{fmt}"
                timed(
                    f"`stalindeck export class -f {fmt}` (process)",
                    lambda fmt=fmt, target=target: subprocess.run(
                        command(url, *teacher, "export", "class", "-f", fmt, "-o", str(target),
                                "--force"),
                        stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True,
                    ),
                )  # fmt: skip
        finally:
            store.close()
        if args.reviewers:
            postgres = url.startswith("postgresql")
            for lock in ["per-profile", "store-wide"] if postgres else ["sqlite"]:
                concurrent(url, args.reviewers, args.seconds, lock)
    return 0


if __name__ == "__main__":
    sys.exit(main())
