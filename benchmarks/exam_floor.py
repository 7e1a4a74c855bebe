"""The floor under `stalindeck exam DATE --json` over a whole store: with no module of
stalindeck loaded, the cards' query `exam` runs (every unsuspended card of the default profile
with its state and topics, in deck order), fetched through plain sqlite3. Beside the time to
load the modules the command loads (`run.py`'s other floor row), what no forecast can go below
before it looks at one card.

    python exam_floor.py STORE
"""

from __future__ import annotations

import sqlite3
import sys

# What `stalindeck.store.exam_queries.exam_cards` sends for the whole store (test_exam_same
# checks the two agree).
CARDS = """
SELECT cards.id, decks.slug, cards.section, card_states.state, card_states.step,
       card_states.stability, card_states.difficulty, card_states.due, card_states.last_review,
       card_tags.tag
FROM cards JOIN card_states ON card_states.card_id = cards.id
JOIN decks ON decks.id = cards.deck_id
LEFT OUTER JOIN card_tags ON card_tags.card_id = cards.id AND card_tags.tag != 'leech'
WHERE cards.retired IS 0 AND card_states.profile_id = 1 AND card_states.suspended IS 0
ORDER BY decks.name, cards.position, cards.id, card_tags.tag
"""


def main() -> None:
    connection = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    rows = connection.execute(CARDS).fetchall()
    connection.close()
    print(len(rows))


if __name__ == "__main__":
    main()
