"""How long `stalindeck optimize` takes over a store of 100,000 reviews.

Run: ``.venv/bin/python benchmarks/optimize_bench.py [--reviews N] [--keep PATH]``.
The store is built with `stats_bench.build` (a seeded, synthetic history: one card per ten
reviews). The figure is the optimize step itself, best of three: reading the review log,
building the FSRS items, fitting, and evaluating the old and new parameters (nothing is saved).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stats_bench import build  # a sibling script, not a package

from stalindeck.store.open import open_store


def measure(reviews: int = 100_000, keep: Path | None = None, runs: int = 3) -> float:
    """Seconds for the optimize step (best of `runs`) over a store with `reviews` reviews."""
    from stalindeck.scheduling.optimizer import optimize

    with tempfile.TemporaryDirectory() as folder:
        path = keep or Path(folder) / "optimize.db"
        store = open_store(str(path))
        try:
            build(store, max(1, reviews // 10), reviews)
            best = float("inf")
            for _ in range(runs):
                started = time.perf_counter()
                optimize(store, dry_run=True)
                best = min(best, time.perf_counter() - started)
        finally:
            store.close()
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="Build the store at this path and keep it.")
    args = parser.parse_args(argv)
    seconds = measure(args.reviews, args.keep)
    print(f"optimize over {args.reviews:,} reviews: {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
