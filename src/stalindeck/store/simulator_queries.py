"""The SQL behind the workload simulator: how the profile answers (grades, times, steps)."""

from __future__ import annotations

from typing import Any

from stalindeck.store.engine import placeholder, reading
from stalindeck.store.open import Store

# (card_id, reviewed_at epoch ms, grade, state_before, duration_ms)
AnswerRow = tuple[int, int, int, int, int]


def answer_log(store: Store) -> list[AnswerRow]:
    """Every answer of the store's profile, card by card, each card's in time order: what the
    simulator learns the student's grades and answer times from."""
    with reading(store.engine) as connection:
        raw: Any = connection.connection.driver_connection  # plain tuples, a row per answer
        rows: list[AnswerRow] = raw.execute(
            "SELECT card_id, reviewed_at, grade, state_before, duration_ms FROM reviews "
            f"WHERE profile_id = {placeholder(connection)} ORDER BY +card_id, reviewed_at, id",
            (store.profile_id,),
        ).fetchall()
        return rows
