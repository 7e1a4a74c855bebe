"""SQL for the `settings` table, and the review history the optimizer fits settings to.

Settings are one row per (profile, key) holding JSON text. The reading query is plain SQL so
that `status` can run it on a bare sqlite3 connection without importing SQLAlchemy (see
`quick`); through a `Store` it runs as SQLAlchemy `text()`, like `counts`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stalindeck.store.open import Store

Run = Callable[[str, dict[str, Any]], Sequence[Sequence[Any]]]

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


def write_setting(store: Store, key: str, value: str) -> None:
    """Store the JSON text `value` under `key` for the store's profile (insert or replace)."""
    from sqlalchemy import delete, insert

    from stalindeck.store.engine import writing
    from stalindeck.store.models import Setting

    with writing(store.engine) as connection:
        where = (Setting.profile_id == store.profile_id) & (Setting.key == key)
        connection.execute(delete(Setting).where(where))
        connection.execute(
            insert(Setting).values(profile_id=store.profile_id, key=key, value=value)
        )


def delete_setting(store: Store, key: str) -> bool:
    """Remove `key` for the store's profile (back to its default); False if it was not set."""
    from sqlalchemy import delete

    from stalindeck.store.engine import writing
    from stalindeck.store.models import Setting

    with writing(store.engine) as connection:
        where = (Setting.profile_id == store.profile_id) & (Setting.key == key)
        return bool(connection.execute(delete(Setting).where(where)).rowcount)


def review_history(store: Store) -> list[tuple[int, int, int, int]]:
    """The profile's review log for fitting FSRS parameters: every review as ``(card_id,
    reviewed_at epoch ms, grade, state_before)``, card by card, each card's in time order."""
    from sqlalchemy import BigInteger, select, type_coerce

    from stalindeck.store.engine import reading
    from stalindeck.store.models import Review

    query = (
        select(
            Review.card_id,
            type_coerce(Review.reviewed_at, BigInteger),  # raw ms: no datetime per row
            Review.grade,
            Review.state_before,
        )
        .where(Review.profile_id == store.profile_id)
        .order_by(Review.card_id, Review.reviewed_at, Review.id)
    )
    with reading(store.engine) as connection:
        return [
            (int(card), int(at), int(grade), int(state))
            for card, at, grade, state in connection.execute(query)
        ]
