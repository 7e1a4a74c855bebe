"""The Rich review screen until its first question is on screen, in a pseudo-terminal.

    python benchmarks/screen_first.py [--cards N] [--rounds R] [--anki-python PATH | --no-anki]

What a student sees daily: `stalindeck review` with a terminal on both ends, timed from the
process's start until the first question's text has been written to the terminal; beside
Anki's cold open + counts (`anki_side.py open`, as `run.py` has it), the ordinary path (`review
--minutes 600`: no quick first frame, the same first card) and the floor: Python, the
command line, the quick sqlite3 store, `review.first` and Rich's console, panel and text
imported, no work. The four are taken in interleaved rounds (a noisy machine slows them
alike); minimum, median and maximum of each.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ANKI_SIDE, STALINDECK, anki, anki_python, timed_process, write_csv, write_toml

# The floor of a first frame drawn without the session: what must be loaded at the least.
FLOOR_MODULES = (
    "import stalindeck.cli, stalindeck.store.quick, stalindeck.review.first, "
    "rich.console, rich.panel, rich.text"
)
QUESTION = "Question 0: what happened"


def screen_until_question(db: Path, env: dict[str, str], *options: str) -> float:
    """Seconds from the start of `stalindeck review` in an 80x24 pseudo-terminal until the
    first question's text has reached the terminal; the screen is then quit with `q`."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(
        [*STALINDECK, "--db", str(db), "review", *options],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    elapsed = None
    try:
        while elapsed is None:
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                raise RuntimeError(f"no question on screen: {seen[-400:]!r}")
            chunk = os.read(master, 65536)
            seen += chunk
            if QUESTION.encode() in seen:
                elapsed = time.perf_counter() - started
        os.write(master, b"q")
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    return elapsed


def spread(values: list[float]) -> str:
    return f"{min(values):.3f} / {statistics.median(values):.3f} / {max(values):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--anki-python", default=None)
    parser.add_argument("--no-anki", action="store_true")
    args = parser.parse_args()
    python = anki_python(args.anki_python, args.no_anki)
    work = Path(tempfile.mkdtemp(prefix="stalindeck-screen-"))
    env = {**os.environ, "TERM": "xterm-256color"}
    for name in ("STALINDECK_DB", "NO_COLOR", "COLUMNS", "LINES"):
        env.pop(name, None)
    try:
        deck, csv_file = work / "deck.toml", work / "cards.csv"
        write_toml(deck, args.cards)
        db, collection = work / "ours.db", work / "anki.anki2"
        subprocess.run(
            [*STALINDECK, "--db", str(db), "import", str(deck)],
            check=True,
            env=env,
            capture_output=True,
        )
        if python:
            write_csv(csv_file, args.cards)
            anki(python, "import", str(collection), str(csv_file))
        screen: list[float] = []
        ordinary: list[float] = []
        floor: list[float] = []
        anki_open: list[float] = []
        for _ in range(args.rounds):
            screen.append(screen_until_question(db, env))
            ordinary.append(screen_until_question(db, env, "--minutes", "600"))
            floor.append(timed_process([sys.executable, "-c", FLOOR_MODULES], env=env)[0])
            if python:
                anki_open.append(
                    timed_process([python, str(ANKI_SIDE), "open", str(collection)])[0]
                )
        print(f"{args.cards:,} cards, {args.rounds} interleaved rounds; min / median / max s")
        print(f"  screen to first question   {spread(screen)}")
        print(f"  the same, ordinary path    {spread(ordinary)}")
        print(f"  floor (CLI, quick, Rich)   {spread(floor)}")
        if anki_open:
            print(f"  Anki cold open + counts    {spread(anki_open)}")
            base = statistics.median(anki_open)
            print(
                f"  ratios of medians: screen {statistics.median(screen) / base:.2f}, "
                f"ordinary {statistics.median(ordinary) / base:.2f}, "
                f"floor {statistics.median(floor) / base:.2f}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
