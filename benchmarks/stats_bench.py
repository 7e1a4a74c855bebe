"""How long `stalindeck stats` takes on a big store: 100,000 cards and 1,000,000 reviews.

Run: ``.venv/bin/python benchmarks/stats_bench.py [--cards N] [--reviews N] [--keep PATH]``.
The data are made with raw bulk inserts into a temporary store (a seeded RNG, so every run
builds the same history, ending at the current hour): 20 decks, 40 tags, review histories
spread over two years and stored in time order. Prints the time of each figure group, of the
whole `stats` computation, and of the `stalindeck stats` command in a fresh process (start-up,
imports and drawing included); best of three runs.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from stalindeck.store.models import to_millis
from stalindeck.store.open import Store, open_store

# The store ends now, so that `stalindeck stats` run on a kept store sees it as a user would.
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
DAY_MS = 86_400_000
DECKS = 20
TAGS = 40


def build(store: Store, cards: int, reviews: int, seed: int = 1) -> None:
    """Fill an empty store with `cards` cards and `reviews` reviews."""
    rng = random.Random(seed)
    now_ms = to_millis(NOW)
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN")
        cursor.executemany(
            "INSERT INTO decks (id, slug, name, description, source, tags, path, imported_at)"
            " VALUES (?, ?, ?, '', '', '', '', ?)",
            [(d + 1, f"deck-{d:02d}", f"Deck {d:02d}", now_ms) for d in range(DECKS)],
        )

        def card_rows() -> Iterator[tuple[Any, ...]]:
            for i in range(1, cards + 1):
                yield (
                    i, i % DECKS + 1, f"card-{i}", f"card-{i}", "basic", f"Front {i}",
                    f"Back {i}", f"tag-{i % TAGS:02d}", i, i, now_ms, now_ms,
                )  # fmt: skip

        cursor.executemany(
            "INSERT INTO cards (id, deck_id, key, note, kind, front, back, answer, accept, extra,"
            " section, tags, line, position, retired, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, NULL, '[]', '', '', ?, ?, ?, 0, ?, ?)",
            card_rows(),
        )
        cursor.executemany(
            "INSERT INTO card_tags (card_id, tag) VALUES (?, ?)",
            ((i, f"tag-{i % TAGS:02d}") for i in range(1, cards + 1)),
        )
        # A quarter of the cards stay new; the others share the reviews.
        seen = int(cards * 0.75)
        per_card = reviews // seen
        extra = reviews - per_card * seen
        states: list[tuple[Any, ...]] = []

        def review_rows() -> Iterator[tuple[Any, ...]]:
            for card in range(1, seen + 1):
                count = per_card + (1 if card <= extra else 0)
                start = now_ms - rng.randrange(30, 730) * DAY_MS
                gaps = sorted(start + rng.randrange(0, now_ms - start) for _ in range(count))
                stability, lapses, state = 1.0, 0, 0
                last: int | None = None
                due: int | None = None
                for n, at in enumerate(gaps):
                    grade = 1 if rng.random() < 0.12 else rng.choice((2, 3, 3, 3, 4))
                    before, stability_before, due_before, last_before = state, stability, due, last
                    if grade == 1:
                        lapses += state == 2
                        stability = max(0.2, stability * 0.4)
                        state = 3 if n else 1
                    else:
                        stability = min(36_500.0, stability * (1.2 + grade * 0.4))
                        state = 2
                    interval = max(DAY_MS, int(stability * DAY_MS)) if state == 2 else 600_000
                    due, last = at + interval, at
                    yield (
                        card, grade, at, rng.randrange(2000, 20000), before, stability_before,
                        5.0, due_before, last_before, state, stability, 5.0, due,
                    )  # fmt: skip
                step = 0 if state in (1, 3) else None  # learning cards are on a step
                states.append(
                    (card, state, step, stability, rng.uniform(1, 10), due, last, count, lapses)
                )

        # Made card by card, stored in time order as a real (append-only) log is.
        columns = (
            "card_id, grade, reviewed_at, duration_ms, state_before, stability_before,"
            " difficulty_before, due_before, last_review_before, state_after, stability_after,"
            " difficulty_after, due_after"
        )
        cursor.execute(f"CREATE TEMP TABLE staged ({columns})")
        cursor.executemany(
            f"INSERT INTO staged ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            review_rows(),
        )
        cursor.execute(
            f"INSERT INTO reviews (profile_id, {columns})"
            f" SELECT 1, {columns} FROM staged ORDER BY reviewed_at"
        )
        cursor.execute("DROP TABLE staged")
        cursor.executemany(
            "INSERT INTO card_states (profile_id, card_id, state, step, stability, difficulty,"
            " due, last_review, reps, lapses, suspended) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            states,
        )
        cursor.executemany(
            "INSERT INTO card_states (profile_id, card_id, state, reps, lapses, suspended)"
            " VALUES (1, ?, 0, 0, 0, 0)",
            ((card,) for card in range(seen + 1, cards + 1)),
        )
        cursor.execute("COMMIT")
        cursor.execute("ANALYZE")
    finally:
        raw.close()


def timed(label: str, work: Any, runs: int = 3) -> Any:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    print(f"{label:<28} {best * 1000:8.1f} ms")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="Build the store at this path and keep it.")
    args = parser.parse_args(argv)

    from stalindeck.stats.figures import compute, default_curve
    from stalindeck.store import stats_queries as q

    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "bench.db"
        store = open_store(str(path))
        try:
            started = time.perf_counter()
            build(store, args.cards, args.reviews)
            print(
                f"built {args.cards:,} cards and {args.reviews:,} reviews"
                f" in {time.perf_counter() - started:.1f} s"
            )
            curve = default_curve()
            scope = q.Scope()
            end = NOW + timedelta(hours=16)
            timed(
                "state counts",
                lambda: q.state_counts(store, scope, NOW, end, end + timedelta(days=1)),
            )
            timed("memory", lambda: q.memory(store, scope, NOW, curve))
            timed("topics", lambda: q.topics(store, scope, NOW, curve))
            timed("hardest cards", lambda: q.hardest(store, scope, NOW, curve, 10))
            timed("stats (all figures)", lambda: compute(store, NOW))
            timed("stats --deck deck-03", lambda: compute(store, NOW, scope=q.Scope(("deck-03",))))
            command = [sys.executable, "-m", "stalindeck", "--db", str(path), "stats"]
            timed(
                "`stalindeck stats` (process)",
                lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL),
            )
        finally:
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
