"""The floor under `stalindeck export reviews -f csv`: a plain Python CSV writer over sqlite3,
the same reviews joined to their cards and decks in the same order, written to stdout as they
are stored (no ISO times, no state names, no neutralised cells). What no export written in
Python can go below: the driver handing over the rows and the CSV writer formatting them.

    python export_floor.py STORE > reviews.csv
"""

from __future__ import annotations

import csv
import sqlite3
import sys

_REVIEWS = """
SELECT d.slug, c.key, r.grade, r.reviewed_at, r.duration_ms, r.state_before, r.state_after,
       r.stability_after, r.difficulty_after, r.elapsed_days
FROM reviews r JOIN cards c ON c.id = r.card_id JOIN decks d ON d.id = c.deck_id
WHERE r.profile_id = 1
ORDER BY r.reviewed_at, r.id
"""


def main() -> None:
    connection = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    writer = csv.writer(sys.stdout, lineterminator="\r\n")
    writer.writerows(connection.execute(_REVIEWS))
    connection.close()


if __name__ == "__main__":
    main()
