"""SQL for the `settings` table, the review log the optimizer fits FSRS's weights to, and
the memory states new weights recompute from it.

Settings are one row per (profile, key) holding JSON text. The reading query is plain SQL so
that `status` can run it on a bare sqlite3 connection without importing SQLAlchemy (see
`quick`); through a `Store` it runs as SQLAlchemy `text()`, like `counts`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from stalindeck.store.values import NEW

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from stalindeck.store.open import Store

Run = Callable[[str, dict[str, Any]], Sequence[Sequence[Any]]]
Then = Callable[["Connection"], None]

_READ = "SELECT key, value FROM settings WHERE profile_id = :profile"


def run_read_settings(run: Run, profile_id: int) -> dict[str, str]:
    """Every stored setting of a profile, key → JSON text, through `run`."""
    return {str(key): str(value) for key, value in run(_READ, {"profile": profile_id})}


def read_settings(store: Store) -> dict[str, str]:
    """Every stored setting of the store's profile, key → JSON text."""
    from sqlalchemy import text

    from stalindeck.store.engine import reading

    with reading(store.engine) as connection:

        def run(sql: str, params: dict[str, Any]) -> Sequence[Sequence[Any]]:
            return connection.execute(text(sql), params).all()

        return run_read_settings(run, store.profile_id)


def read_all_settings(store: Store) -> dict[int, dict[str, str]]:
    """Every stored setting of every profile: profile id → key → JSON text (for `class`)."""
    from sqlalchemy import text

    from stalindeck.store.engine import reading

    found: dict[int, dict[str, str]] = {}
    with reading(store.engine) as connection:
        rows = connection.execute(text("SELECT profile_id, key, value FROM settings"))
        for profile, key, value in rows:
            found.setdefault(int(profile), {})[str(key)] = str(value)
    return found


def write_setting(store: Store, key: str, value: str, then: Then | None = None) -> None:
    """Store the JSON text `value` under `key` for the store's profile (insert or replace);
    `then`, if given, runs in the same transaction."""
    from sqlalchemy import delete, insert

    from stalindeck.store.engine import writing
    from stalindeck.store.models import Setting

    with writing(store.engine, store.profile_id) as connection:
        where = (Setting.profile_id == store.profile_id) & (Setting.key == key)
        connection.execute(delete(Setting).where(where))
        connection.execute(
            insert(Setting).values(profile_id=store.profile_id, key=key, value=value)
        )
        if then is not None:
            then(connection)


def delete_setting(store: Store, key: str, then: Then | None = None) -> bool:
    """Remove `key` for the store's profile (back to its default); False if it was not set.
    `then`, if given, runs in the same transaction when the setting was removed."""
    from sqlalchemy import delete

    from stalindeck.store.engine import writing
    from stalindeck.store.models import Setting

    with writing(store.engine, store.profile_id) as connection:
        where = (Setting.profile_id == store.profile_id) & (Setting.key == key)
        removed = bool(connection.execute(delete(Setting).where(where)).rowcount)
        if removed and then is not None:
            then(connection)
        return removed


def review_history(store: Store) -> list[tuple[int, int, int, int]]:
    """The profile's review log for fitting FSRS parameters (`review_log`)."""
    from stalindeck.store.engine import reading

    with reading(store.engine) as connection:
        return review_log(connection, store.profile_id)


def review_log(connection: Connection, profile_id: int) -> list[tuple[int, int, int, int]]:
    """Every review of the profile as ``(card_id, reviewed_at epoch ms, grade,
    state_before)``, card by card, each card's in the order given."""
    # `+card_id` keeps SQLite from walking the (card, time) index: that visits the reviews
    # in card order, each a random read of the table (1.7 s for 1M reviews); reading them
    # through the profile's index and sorting is twice as fast.
    from stalindeck.store.engine import placeholder

    raw: Any = connection.connection.driver_connection  # plain tuples: a row per review
    rows: list[tuple[int, int, int, int]] = raw.execute(
        "SELECT card_id, reviewed_at, grade, state_before FROM reviews "
        f"WHERE profile_id = {placeholder(connection)} ORDER BY +card_id, reviewed_at, id",
        (profile_id,),
    ).fetchall()
    return rows


def stored_memory(connection: Connection, profile_id: int) -> dict[int, tuple[float, float]]:
    """Stability and difficulty of each of the profile's cards that is not new."""
    return {
        card_id: (stability, difficulty)
        for card_id, stability, difficulty in connection.exec_driver_sql(
            "SELECT card_id, stability, difficulty FROM card_states "
            f"WHERE profile_id = {profile_id:d} AND state != {NEW}"
        )
    }


def write_memory(
    connection: Connection, profile_id: int, memories: Sequence[tuple[float, float, int]]
) -> None:
    """Store ``(stability, difficulty, card_id)`` for the profile's cards."""
    from stalindeck.store.engine import placeholder

    if memories:
        mark = placeholder(connection)
        connection.exec_driver_sql(
            f"UPDATE card_states SET stability = {mark}, difficulty = {mark} "
            f"WHERE card_id = {mark} AND profile_id = {profile_id:d}",
            list(memories),
        )
