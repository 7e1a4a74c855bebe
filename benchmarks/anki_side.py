"""The same work as `run.py` measures in stalindeck, done by the real Anki engine.

Run by `run.py` with a Python that has the `anki` package (a separate virtual environment by
default), one action per process so a cold start is a cold start. Prints one JSON object.

    python anki_side.py import  COLLECTION CSVFILE      # import, then re-import unchanged
    python anki_side.py open    COLLECTION              # open and read the counts
    python anki_side.py answer  COLLECTION N            # answer N cards, per-answer latency
"""

from __future__ import annotations

import json
import sys
import time

DEFAULT_DECK = 1  # where Anki's CSV import puts notes when the file names no deck


def _collection(path: str):  # type: ignore[no-untyped-def]
    from anki.collection import Collection

    return Collection(path)


def import_csv(col_path: str, csv_path: str) -> dict[str, float]:
    from anki.collection import ImportCsvRequest

    col = _collection(col_path)
    timings: dict[str, float] = {}
    for label in ("import", "reimport"):
        started = time.perf_counter()
        metadata = col.get_csv_metadata(csv_path, None)
        col.import_csv(ImportCsvRequest(path=csv_path, metadata=metadata))
        timings[label] = time.perf_counter() - started
    timings["cards"] = col.card_count()
    col.close()
    return timings


def open_counts(col_path: str) -> dict[str, object]:
    col = _collection(col_path)
    counts = col.sched.counts()
    col.close()
    return {"counts": list(counts)}


def answer(col_path: str, count: int) -> dict[str, object]:
    col = _collection(col_path)  # imports anki.collection first, as Anki's own code does
    from anki.cards import Card
    from anki.scheduler.v3 import CardAnswer

    # Let the session draw as many new cards as it answers (the default deck's options).
    config = col.decks.config_dict_for_deck_id(DEFAULT_DECK)
    config["new"]["perDay"] = config["rev"]["perDay"] = 9999  # the most Anki allows
    col.decks.update_config(config)
    latencies = []
    for index in range(count):
        started = time.perf_counter()
        queued = col.sched.get_queued_cards(fetch_limit=1)
        if not queued.cards:
            break
        top = queued.cards[0]
        card = Card(col, backend_card=top.card)
        card.start_timer()
        rating = CardAnswer.GOOD if index % 3 == 0 else CardAnswer.EASY
        col.sched.answer_card(col.sched.build_answer(card=card, states=top.states, rating=rating))
        latencies.append((time.perf_counter() - started) * 1000)
    col.close()
    return {"latencies_ms": latencies}


def main() -> None:
    action, *args = sys.argv[1:]
    if action == "import":
        result: object = import_csv(args[0], args[1])
    elif action == "open":
        result = open_counts(args[0])
    elif action == "answer":
        result = answer(args[0], int(args[1]))
    else:
        raise SystemExit(f"unknown action {action!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
