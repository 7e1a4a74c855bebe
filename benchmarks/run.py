"""stalindeck side by side with the real Anki engine, on the same machine, in one run.

    python benchmarks/run.py [--cards N] [--reviews M] [--answers K] [--repeat R]
                             [--anki-python PATH | --no-anki] [--write BENCHMARKS.md]

Builds the collections it needs in a temporary folder, then measures, interleaving the two
engines so that a noisy machine slows both alike, and reports medians with stalindeck / Anki
ratios. Anki runs in its own process (`anki_side.py`), by default from a separate virtual
environment `benchmarks/.venv-anki` that this script creates on first use.

Figures: cold `status` (time, peak RSS); cold `review` until the first question; import of an
N-row CSV file and re-import unchanged; import of an N-card TOML deck and re-import; answer
latency (next card + grade + durable commit, K answers, median and p99, through the session
the review screen uses); `stats` and `export reviews` over M reviews.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ANKI_SIDE = HERE / "anki_side.py"
STALINDECK = [sys.executable, "-m", "stalindeck"]


# What the review session loads (SQLAlchemy through the store, fsrs through the scheduler):
# before its first question until issue 18's quick path; since, while the student reads it.
_REVIEW_MODULES = (
    "import stalindeck.cli, stalindeck.review.session, stalindeck.ui.line_mode, "
    "stalindeck.decks.importing, stalindeck.store.open"
)
# What a first question served without SQLAlchemy (the plain sqlite3 path `status` takes)
# would load at the least: Python, the command line, the quick store module.
_QUICK_MODULES = "import stalindeck.cli, stalindeck.store.quick"
# What `exam DATE --json` loads: the command line, the store and its first-run check, the
# forecast and the JSON output.
_EXAM_MODULES = (
    "import stalindeck.cli, stalindeck.cli.exam_cmd, stalindeck.store.open, "
    "stalindeck.decks.importing, stalindeck.scheduling.settings, stalindeck.stats.exam, "
    "stalindeck.stats.cards, stalindeck.store.exam_queries, stalindeck.store.backup, "
    "stalindeck.bulk, stalindeck.ui.safe, stalindeck.resources, stalindeck.names, "
    "stalindeck.store.settings_store"
)


@dataclass
class Figure:
    """One row of the results table."""

    name: str
    ours: float | None
    anki: float | None
    unit: str
    goal: str
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.anki:
            return None
        return self.ours / self.anki


@dataclass
class Results:
    figures: list[Figure] = field(default_factory=list)

    def add(self, *args: object, **kwargs: object) -> None:
        figure = Figure(*args, **kwargs)  # type: ignore[arg-type]
        self.figures.append(figure)
        ours = "—" if figure.ours is None else f"{figure.ours:.3f}"
        anki = "—" if figure.anki is None else f"{figure.anki:.3f}"
        ratio = "—" if figure.ratio is None else f"{figure.ratio:.2f}"
        print(f"  {figure.name:<44} {ours:>9} {anki:>9} {figure.unit:<3} ratio {ratio}", flush=True)

    def markdown(self, header: str) -> str:
        lines = [
            header,
            "",
            "| figure | stalindeck | Anki | unit | ratio | goal |",
            "|---|---|---|---|---|---|",
        ]
        for f in self.figures:
            ours = "—" if f.ours is None else f"{f.ours:.3f}"
            anki = "—" if f.anki is None else f"{f.anki:.3f}"
            ratio = "—" if f.ratio is None else f"{f.ratio:.2f}"
            name = f.name + (f" ({f.note})" if f.note else "")
            lines.append(f"| {name} | {ours} | {anki} | {f.unit} | {ratio} | {f.goal} |")
        return "\n".join(lines) + "\n"


# -- running things --------------------------------------------------------------------------


def timed_process(
    argv: Sequence[str], *, until: str | None = None, env: dict[str, str] | None = None
) -> tuple[float, int, str]:
    """Run a Python process (argv after the interpreter); (seconds, peak memory in MB, stdout).
    With `until`, end its input once a line of its output contains that text, and count the
    time to that line."""
    python, *rest = argv
    with tempfile.TemporaryFile("w+") as errors, tempfile.NamedTemporaryFile() as peak:
        env = {**(env or os.environ), "PEAK_FILE": peak.name}
        started = time.perf_counter()
        process = subprocess.Popen(
            [python, str(HERE / "peak.py"), *rest],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env=env,
        )
        assert process.stdout is not None and process.stdin is not None
        output: list[str] = []
        elapsed = None
        for line in process.stdout:
            output.append(line)
            if until is not None and elapsed is None and until in line:
                elapsed = time.perf_counter() - started
                process.stdin.close()  # end of input: the session quits
        if not process.stdin.closed:
            process.stdin.close()
        process.wait()
        if elapsed is None:
            elapsed = time.perf_counter() - started
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{' '.join(argv)} failed: {errors.read()}")
        kilobytes = Path(peak.name).read_text(encoding="ascii").strip() or "0"
    return elapsed, round(int(kilobytes) / 1024), "".join(output)


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def anki_python(path: str | None, no_anki: bool) -> str | None:
    if no_anki:
        return None
    if path:
        return path
    venv = HERE / ".venv-anki"
    python = venv / "bin" / "python"
    if not python.exists():
        print("creating benchmarks/.venv-anki with the anki package (first run only)...")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "anki"], check=True)
    return str(python)


def anki(python: str, *args: str) -> dict[str, object]:
    result = subprocess.run(
        [python, str(ANKI_SIDE), *args], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- data ------------------------------------------------------------------------------------


def write_csv(path: Path, cards: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("#separator:tab\n#html:false\n#tags column:3\n")
        for n in range(cards):
            out.write(f"Question {n}: what happened in the Soviet Union?\tAnswer {n}\tt{n % 10}\n")


def write_toml(path: Path, cards: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('id = "bench"\nname = "Benchmark deck"\n\n')
        for n in range(cards):
            out.write(
                f'[[cards]]\nid = "c{n}"\nfront = "Question {n}: what happened in the '
                f'Soviet Union?"\nback = "Answer {n}"\ntags = ["t{n % 10}"]\n\n'
            )


# -- the run ---------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> Results:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--answers", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--anki-python", default=None)
    parser.add_argument("--no-anki", action="store_true")
    parser.add_argument(
        "--write", type=Path, default=None, help="write the table to this Markdown file"
    )
    args = parser.parse_args(argv)
    python = anki_python(args.anki_python, args.no_anki)
    results = Results()
    work = Path(tempfile.mkdtemp(prefix="stalindeck-bench-"))
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("STALINDECK_DB", None)
    try:
        print(
            f"{args.cards:,} cards, {args.reviews:,} reviews, {args.answers:,} answers; "
            f"median of {args.repeat}",
            flush=True,
        )
        csv_file, toml_file = work / "cards.csv", work / "deck.toml"
        write_csv(csv_file, args.cards)
        write_toml(toml_file, args.cards)
        ours_db, anki_col = work / "ours.db", work / "anki.anki2"

        # Imports, timed inside the process for both engines (as Anki's figure is).
        csv_ours = import_twice(work / "csv.db", csv_file)
        csv_anki = anki(python, "import", str(anki_col), str(csv_file)) if python else None
        results.add(
            "import CSV, N rows",
            csv_ours[0],
            None if csv_anki is None else float(csv_anki["import"]),
            "s",
            "",  # issue 7's third was withdrawn (under the floor): issue 18 holds the whole command
        )
        results.add(
            "re-import CSV unchanged",
            csv_ours[1],
            None if csv_anki is None else float(csv_anki["reimport"]),
            "s",
            "≤ 0.33",
        )
        results.add(
            "floor: SQLite writing the same N cards (no parsing, no checks)",
            sqlite_floor(work / "floor.db", args.cards),
            None if csv_anki is None else float(csv_anki["import"]),
            "s",
            "",
            note="Anki column: its CSV import",
        )
        results.add(
            "re-import CSV, one row edited",
            csv_ours[2],
            None if csv_anki is None else float(csv_anki["reimport"]),
            "s",
            "",
            note="Anki column: its unchanged re-import",
        )
        # The whole `stalindeck import` command into a new store, as a user runs it, and
        # where its time goes (`phases.py`); Anki's column is its import as above.
        whole = [
            whole_import(work / f"whole-{round_}.db", csv_file, env)
            for round_ in range(max(1, args.repeat // 2))
        ]
        anki_import = None if csv_anki is None else float(csv_anki["import"])
        results.add(
            "import CSV, N rows, the whole command in a new store",
            statistics.median(phase["total"] for phase in whole),
            anki_import,
            "s",
            "≤ 0.6",
            note="Anki column: its import",
        )
        for phase, label in (
            ("interpreter", "Python starting and exiting"),
            ("imports", "modules loaded before the command runs"),
            ("schema", "creating the new store's tables"),
            ("bundled", "first-run bundled decks"),
            ("backup", "backup before the import"),
            ("work", "reading and storing the rows, the table printed"),
        ):
            results.add(
                f"  of which {label}",
                statistics.median(p[phase] for p in whole),
                anki_import,
                "s",
                "",
            )
        toml_ours = import_twice(ours_db, toml_file)
        results.add("import TOML deck, N cards", toml_ours[0], None, "s", "seconds")
        results.add("re-import TOML unchanged", toml_ours[1], None, "s", "")
        results.add("re-import TOML, one card edited", toml_ours[2], None, "s", "")

        # Cold start: interleave the engines.
        ours_times, ours_rss, anki_times, anki_rss = [], [], [], []
        first_questions: list[float] = []
        review_floor: list[float] = []
        quick_floor: list[float] = []
        for _ in range(args.repeat):
            seconds, rss, _out = timed_process(
                [*STALINDECK, "--db", str(ours_db), "status"], env=env
            )
            ours_times.append(seconds)
            ours_rss.append(rss)
            first_questions.append(
                timed_process(
                    [*STALINDECK, "--db", str(ours_db), "review"], until="question:", env=env
                )[0]
            )
            review_floor.append(timed_process([sys.executable, "-c", _REVIEW_MODULES], env=env)[0])
            quick_floor.append(timed_process([sys.executable, "-c", _QUICK_MODULES], env=env)[0])
            if python:
                seconds, rss, _out = timed_process([python, str(ANKI_SIDE), "open", str(anki_col)])
                anki_times.append(seconds)
                anki_rss.append(rss)
        results.add(
            "cold status (open + counts)",
            statistics.median(ours_times),
            statistics.median(anki_times) if anki_times else None,
            "s",
            "≤ 1.0",
        )
        results.add(
            "cold status peak memory",
            statistics.median(ours_rss),
            statistics.median(anki_rss) if anki_rss else None,
            "MB",
            "≤ 1.0",
        )
        results.add(
            "cold review to first question",
            statistics.median(first_questions),
            statistics.median(anki_times) if anki_times else None,
            "s",
            "≤ 0.6",
            note="Anki column: its cold open + counts",
        )
        results.add(
            "loading the modules the review session loads (after the first question), no work",
            statistics.median(review_floor),
            statistics.median(anki_times) if anki_times else None,
            "s",
            "",
            note="Anki column: its cold open + counts",
        )
        results.add(
            "floor: the command line and the quick sqlite3 store loaded, no SQLAlchemy, no work",
            statistics.median(quick_floor),
            statistics.median(anki_times) if anki_times else None,
            "s",
            "",
            note="Anki column: its cold open + counts",
        )

        # Answer latency, through the session the review screen uses: each engine in a new
        # process on a fresh copy of its collection, interleaved, `repeat` rounds.
        ours_runs: list[list[float]] = []
        idle_runs: list[list[float]] = []
        anki_runs: list[list[float]] = []
        for _ in range(args.repeat):
            answer_db = work / "answer.db"
            fresh_copy(ours_db, answer_db)
            latencies, idle = answer_latencies_in_process(answer_db, args.answers)
            ours_runs.append(latencies)
            idle_runs.append(idle)
            if python:
                anki_copy = work / "answer.anki2"
                fresh_copy(anki_col, anki_copy)
                answered = anki(python, "answer", str(anki_copy), str(args.answers))
                anki_runs.append(sorted(answered["latencies_ms"]))  # type: ignore[call-overload]
        floor_db = work / "answer-floor.db"
        fresh_copy(ours_db, floor_db)
        anki_median = statistics.median(map(statistics.median, anki_runs)) if anki_runs else None
        results.add(
            "floor: SQLite alone, one answer's statements + commit, median",
            statistics.median(answer_floor(floor_db, args.answers)),
            anki_median,
            "ms",
            "",
            note="Anki column: its whole answer",
        )
        for label, pick in (
            ("median", statistics.median),
            ("p99", lambda values: values[int(len(values) * 0.99)]),
        ):
            results.add(
                f"answer latency {label}",
                statistics.median(map(pick, ours_runs)),
                statistics.median(map(pick, anki_runs)) if anki_runs else None,
                "ms",
                "≤ 1.0",
            )
        for label, pick in (("median", statistics.median), ("max", max)):
            results.add(
                f"housekeeping while a card is read, {label}",
                statistics.median(map(pick, idle_runs)),
                None,
                "ms",
                "",
                note="not in the answer latency: read-ahead, log checkpoints, backups",
            )

        # Over M reviews.
        history_db = work / "history.db"
        build_history(history_db, args.cards, args.reviews)
        stats_available = (
            subprocess.run([*STALINDECK, "stats", "-h"], capture_output=True, env=env).returncode
            == 0
        )
        if stats_available:
            results.add(
                "stats over M reviews",
                median_of(
                    args.repeat,
                    lambda: timed_process(
                        [*STALINDECK, "--db", str(history_db), "stats", "--json"], env=env
                    )[0],
                ),
                None,
                "s",
                "≤ 1 s",
            )
        results.add(
            "export reviews (CSV) over M reviews",
            median_of(
                max(1, args.repeat // 2),
                lambda: timed_process(
                    [*STALINDECK, "--db", str(history_db), "export", "reviews", "-f", "csv"],
                    env=env,
                )[0],
            ),
            None,
            "s",
            "≤ 2 s",
        )
        results.add(
            "floor: a plain Python CSV writer over sqlite3, the same rows",
            median_of(
                max(1, args.repeat // 2),
                lambda: timed_process(
                    [sys.executable, str(HERE / "export_floor.py"), str(history_db)]
                )[0],
            ),
            None,
            "s",
            "",
            note="interpreter included",
        )
        results.add(
            "check over N cards and M reviews",
            median_of(
                max(1, args.repeat // 2),
                lambda: timed_process([*STALINDECK, "--db", str(history_db), "check"], env=env)[0],
            ),
            None,
            "s",
            "≤ 3 s",
        )
        # The exam-day forecast over the same N cards (three quarters of them reviewed).
        exam_day = (datetime.now(UTC) + timedelta(days=180)).date().isoformat()
        results.add(
            "exam forecast over N cards (180 days ahead)",
            median_of(
                max(1, args.repeat // 2),
                lambda: timed_process(
                    [*STALINDECK, "--db", str(history_db), "exam", exam_day, "--json"], env=env
                )[0],
            ),
            None,
            "s",
            "≤ 1 s",
        )
        results.add(
            "floor: loading the modules exam --json loads, no work",
            median_of(
                max(1, args.repeat // 2),
                lambda: timed_process([sys.executable, "-c", _EXAM_MODULES], env=env)[0],
            ),
            None,
            "s",
            "",
        )
        results.add(
            "floor: exam's cards query alone through sqlite3",
            median_of(
                max(1, args.repeat // 2),
                lambda: timed_process(
                    [sys.executable, str(HERE / "exam_floor.py"), str(history_db)]
                )[0],
            ),
            None,
            "s",
            "",
            note="interpreter included",
        )

        # Fitting FSRS to 100,000 reviews (the whole command; it compares and saves nothing).
        optimize_db = work / "optimize.db"
        optimize_reviews = max(2_000, min(args.reviews, 100_000))
        build_history(optimize_db, optimize_reviews // 10, optimize_reviews)
        results.add(
            f"optimize over {optimize_reviews:,} reviews",
            median_of(
                max(1, args.repeat // 2),
                lambda: timed_process(
                    [*STALINDECK, "--db", str(optimize_db), "optimize", "--dry-run"], env=env
                )[0],
            ),
            None,
            "s",
            "",
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.write:
        header = (
            f"## {datetime.now(UTC):%Y-%m-%d} · {platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()} · "
            f"{args.cards:,} cards, {args.reviews:,} reviews, {args.answers:,} answers, "
            f"median of {args.repeat}"
        )
        args.write.write_text(results.markdown(header), encoding="utf-8")
    return results


def build_history(db: Path, cards: int, reviews: int) -> None:
    """A store of `cards` cards and `reviews` reviews over two years, in time order, as a
    student's log grows (the builder of `stats_bench.py`)."""
    sys.path.insert(0, str(HERE))
    from stats_bench import build

    from stalindeck.store.open import open_store

    store = open_store(str(db))
    build(store, cards, reviews)
    store.close()


def import_twice(db: Path, source: Path) -> tuple[float, float, float]:
    """Seconds to import `source` into a new store, to import it again unchanged (the file is
    recognised and not read), and again with one card edited (every card compared)."""
    from stalindeck.decks.importing import import_paths
    from stalindeck.store.open import open_store

    store = open_store(str(db))
    timings = []
    for round_ in range(3):
        if round_ == 2:
            text = source.read_text(encoding="utf-8")
            source.write_text(text.replace("Answer 7", "Answer seven", 1), encoding="utf-8")
        started = time.perf_counter()
        import_paths(store, [source], datetime.now(UTC))
        timings.append(time.perf_counter() - started)
    store.close()
    return timings[0], timings[1], timings[2]


def whole_import(db: Path, source: Path, env: dict[str, str]) -> dict[str, float]:
    """`stalindeck import SOURCE` into a new store `db` in a new process: its whole time and
    the phases `phases.py` reports (Python starting, the modules loaded before the command,
    the new store's tables, the bundled decks, the backup, the rest of the work)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        total, _rss, _out = timed_process(
            [sys.executable, str(HERE / "phases.py"), "--db", str(db), "import", str(source)],
            env={**env, "PHASES_FILE": report.name},
        )
        phases = json.loads(Path(report.name).read_text(encoding="utf-8"))
    return {
        "total": total,
        "interpreter": total - phases["imports"] - phases["command"],
        "imports": phases["imports"],
        "schema": phases["schema"],
        "bundled": phases["bundled"],
        "backup": phases["backup"],
        "work": phases["command"] - phases["schema"] - phases["bundled"] - phases["backup"],
    }


def sqlite_floor(db: Path, cards: int) -> float:
    """Seconds for SQLite alone to store `cards` new cards with the statements an import uses
    (card rows a thousand to an INSERT, states and tags each by one INSERT ... SELECT, one
    durable transaction), from values already built and flattened in memory: what no amount
    of work on parsing and checking can go below with today's tables."""
    import sqlite3

    from stalindeck.store.open import open_store

    open_store(str(db)).close()  # the schema, at head
    per = 1_000
    values = [
        value
        for n in range(cards)
        for value in (f"r-{n:016x}", f"r-{n:016x}", "basic",
                      f"Question {n}: what happened in the Soviet Union?", f"Answer {n}", None,
                      "[]", "", "", f"t{n % 10}", n + 4, n)
    ]  # fmt: skip
    chunks = [tuple(values[start : start + per * 12]) for start in range(0, len(values), per * 12)]
    row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, FALSE, 0, 0)"
    head = (
        "INSERT INTO cards (key, note, kind, front, back, answer, accept, extra, section, tags,"
        " line, position, deck_id, retired, created_at, updated_at) VALUES "
    )
    tag_lists = [(f"t{n}", f"t{n}") for n in range(10)]
    connection = sqlite3.connect(db, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "INSERT INTO decks (id, slug, name, description, source, tags, path, imported_at)"
            " VALUES (1, 'floor', 'Floor', '', '', '', '', 0)"
        )
        for chunk in chunks:
            connection.execute(head + ", ".join([row] * (len(chunk) // 12)), chunk)
        connection.execute(
            "INSERT INTO card_states (profile_id, card_id, state, reps, lapses, suspended)"
            " SELECT p.id, c.id, 0, 0, 0, FALSE FROM cards c CROSS JOIN profiles p"
        )
        connection.execute(
            "CREATE TEMP TABLE tag_lists (tags TEXT, tag TEXT, PRIMARY KEY (tags, tag)) "
            "WITHOUT ROWID"
        )
        connection.executemany("INSERT INTO temp.tag_lists VALUES (?, ?)", tag_lists)
        connection.execute(
            "INSERT INTO card_tags (card_id, tag) SELECT c.id, t.tag FROM cards c"
            " CROSS JOIN temp.tag_lists t ON t.tags = c.tags"
        )
        connection.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        connection.close()


def answer_floor(db: Path, answers: int) -> list[float]:
    """Per-answer time of the answer path's SQL alone (read the card, then in one durable
    transaction append the review and store the state; the benchmark's cards have no siblings
    to bury), with the values made up in advance: no scheduling, no Python objects. In
    milliseconds."""
    import sqlite3

    from stalindeck.store import answer_path as sql

    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA foreign_keys = ON")
    ids = [
        row[0] for row in connection.execute("SELECT id FROM cards ORDER BY id LIMIT ?", (answers,))
    ]
    now = int(time.time() * 1000)
    latencies = []
    try:
        for card in ids:
            started = time.perf_counter()
            connection.execute(sql._LOAD_CARD, {"profile": 1, "card": card}).fetchall()
            connection.execute("BEGIN IMMEDIATE")
            _review_id = connection.execute(
                sql._INSERT_REVIEW,
                {
                    "card": card, "profile": 1, "grade": 3, "reviewed_at": now,
                    "duration_ms": 4000, "elapsed_days": None, "state_before": 0,
                    "step_before": 0, "stability_before": None, "difficulty_before": None,
                    "due_before": None, "last_review_before": None, "state_after": 1,
                    "step_after": 1, "stability_after": 2.3, "difficulty_after": 5.1,
                    "due_after": now + 600_000,
                },
            ).lastrowid  # fmt: skip
            connection.execute(
                sql._UPDATE_STATE,
                {
                    "card": card, "profile": 1, "state": 1, "step": 1, "stability": 2.3,
                    "difficulty": 5.1, "due": now + 600_000, "last_review": now, "reps": 1,
                    "lapses": 0,
                },
            )  # fmt: skip
            connection.execute("COMMIT")
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
    return sorted(latencies)


def fresh_copy(source: Path, target: Path) -> None:
    """Copy a closed store or collection over `target`, leaving no old log beside it."""
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)


def answer_latencies_in_process(db: Path, answers: int) -> tuple[list[float], list[float]]:
    """`answer_latencies` in a new process, as `stalindeck review` would run (and as Anki's
    side runs): nothing left over from building the collections in this one."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); from run import answer_latencies; "
        "print(json.dumps(answer_latencies(__import__('pathlib').Path(sys.argv[2]), "
        "int(sys.argv[3]))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(HERE), str(db), str(answers)],
        capture_output=True,
        text=True,
        check=True,
    )
    latencies, idle = json.loads(result.stdout.strip().splitlines()[-1])
    return sorted(latencies), sorted(idle)


def answer_latencies(db: Path, answers: int) -> tuple[list[float], list[float]]:
    """Per-answer time of next card + grade + commit, and of the session's housekeeping done
    while a card is read (`ReviewSession.idle`), in milliseconds."""
    from stalindeck.review.session import ReviewSession
    from stalindeck.store.open import open_store

    store = open_store(str(db))
    session = ReviewSession(store, new_limit=answers)
    latencies, idle = [], []
    for index in range(answers):
        started = time.perf_counter()
        if session.next_card() is None:
            break
        shown = time.perf_counter()
        # As the screens do once the card is drawn, while the student reads it: read the next
        # cards ahead, checkpoint the log every 100 answers, take the half-hourly backup.
        session.idle()
        graded = time.perf_counter()
        session.answer(3 if index % 3 == 0 else 4)
        latencies.append((shown - started + time.perf_counter() - graded) * 1000)
        idle.append((graded - shown) * 1000)
    session.close()
    store.close()
    return latencies, idle


if __name__ == "__main__":
    main()
