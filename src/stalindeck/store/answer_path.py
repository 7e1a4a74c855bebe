"""The per-answer hot path: read the next card, record an answer, durably, in as little time as
the database allows.

A review session answers hundreds of cards; building SQLAlchemy expressions for each costs more
than the database work itself. So these few statements are plain SQL strings with named
parameters, run on one connection the session holds (on SQLite, the DBAPI connection itself,
in autocommit mode between transactions: no transaction stays open while the student thinks).
The same strings run through SQLAlchemy's `text()` on other databases.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from stalindeck.scheduling.fsrs_bridge import Memory
from stalindeck.store import safety
from stalindeck.store.location import shown_url
from stalindeck.store.models import from_millis, to_millis
from stalindeck.store.open import Store
from stalindeck.store.queue import CardView
from stalindeck.store.values import LEECH_LAPSES, LEECH_TAG

CHECKPOINT_EVERY = 100  # answers (about 700 log pages) between checkpoints taken while idle
_AUTOCHECKPOINT_PAGES = 4000  # SQLite's own trigger, on the session's connection only
_DEFAULT_AUTOCHECKPOINT = 1000  # SQLite's default, given back with the connection

Buried = tuple[tuple[int, datetime | None], ...]
Run = Callable[[str, dict[str, Any]], list[Any]]  # a statement → its rows
Recompute = Callable[[Memory], Memory]  # the state stored now → the answer's state after
Insert = Callable[[str, dict[str, Any]], int]  # an INSERT → the new row's id

_LOAD_CARD = """
SELECT c.id, c.deck_id, d.slug, d.name, d.path, d.tags, c.key, c.note, c.kind, c.front, c.back,
       c.answer, c.accept, c.extra, c.tags, c.line, c.retired, s.suspended, s.buried_until,
       s.state, s.step, s.stability, s.difficulty, s.due, s.last_review, s.reps, s.lapses,
       EXISTS (SELECT 1 FROM cards o WHERE o.deck_id = c.deck_id AND o.note = c.note
               AND o.id != c.id) AS has_siblings
FROM cards c JOIN decks d ON d.id = c.deck_id
JOIN card_states s ON s.card_id = c.id AND s.profile_id = :profile
WHERE c.id = :card
"""
# The card's state as stored now, read inside the answer's write transaction (on PostgreSQL
# with the row locked): another window may have answered the card since it was put on screen.
_CURRENT_STATE = """
SELECT state, step, stability, difficulty, due, last_review, reps, lapses FROM card_states
WHERE profile_id = :profile AND card_id = :card
"""
_LOCK_ROW = " FOR UPDATE"
_INSERT_REVIEW = """
INSERT INTO reviews (card_id, profile_id, grade, reviewed_at, duration_ms, elapsed_days,
    state_before, step_before, stability_before, difficulty_before, due_before,
    last_review_before, state_after, step_after, stability_after, difficulty_after, due_after)
VALUES (:card, :profile, :grade, :reviewed_at, :duration_ms, :elapsed_days,
    :state_before, :step_before, :stability_before, :difficulty_before, :due_before,
    :last_review_before, :state_after, :step_after, :stability_after, :difficulty_after,
    :due_after)
"""
_UPDATE_STATE = """
UPDATE card_states SET state = :state, step = :step, stability = :stability,
    difficulty = :difficulty, due = :due, last_review = :last_review, reps = :reps,
    lapses = :lapses, buried_until = NULL
WHERE profile_id = :profile AND card_id = :card
"""
# Siblings to bury: new cards of the same entry, and its review cards due before `until` (one
# due later has nothing to wait for: burying it would only list it as buried), not already
# buried past `until`.
_SIBLINGS = """
SELECT s.card_id, s.buried_until FROM cards c
JOIN card_states s ON s.card_id = c.id AND s.profile_id = :profile
WHERE c.deck_id = :deck AND c.note = :note AND c.id != :card
  AND (s.state = 0 OR (s.state = 2 AND s.due < :until))
  AND (s.buried_until IS NULL OR s.buried_until < :until)
"""
# Anki tags a card "leech" at its 8th lapse; done in the answer's own transaction.
_IS_LEECH = "SELECT 1 FROM card_tags WHERE card_id = :card AND tag = :tag"
# Two students' 8th lapses of one card may commit side by side (see `engine.take_write_lock`).
_LEECH = "INSERT INTO card_tags (card_id, tag) VALUES (:card, :tag) ON CONFLICT DO NOTHING"
_BURY = """
UPDATE card_states SET buried_until = :until WHERE profile_id = :profile AND card_id = :card
"""
# A typed answer the student accepts as right, with the answer that accepts it.
_IS_ACCEPTED = """
SELECT 1 FROM accepted_answers WHERE profile_id = :profile AND card_id = :card
  AND answer = :answer
"""
_ACCEPT = """
INSERT INTO accepted_answers (profile_id, card_id, answer, created_at)
VALUES (:profile, :card, :answer, :created_at)
"""


class Recorded(NamedTuple):
    """What an answer wrote, kept so it can be undone exactly."""

    review_id: int
    buried: Buried  # siblings buried by this answer, with what they had before
    leech_tagged: bool = False  # this answer's lapse made the card a leech
    accepted: str | None = None  # the typed answer this answer added to the card's accepted
    before: Memory | None = None  # the state the answer was computed from (None: as shown)
    after: Memory | None = None  # the state it stored (None: as computed when shown)


def _ms(moment: datetime | None) -> int | None:
    return None if moment is None else to_millis(moment)


def _time(value: int | None) -> datetime | None:
    return None if value is None else from_millis(value)


def card_view(row: Sequence[Any]) -> CardView:
    """A `CardView` from a row of `_LOAD_CARD`."""
    return CardView(
        card_id=row[0], deck_id=row[1], deck_slug=row[2], deck_name=row[3], deck_path=row[4],
        deck_tags=tuple(row[5].split()), key=row[6], note=row[7], kind=row[8], front=row[9],
        back=row[10], answer=row[11], accept=() if row[12] == "[]" else tuple(json.loads(row[12])),
        extra=row[13],
        tags=tuple(row[14].split()), line=row[15], retired=bool(row[16]),
        suspended=bool(row[17]), buried_until=_time(row[18]),
        memory=Memory(row[19], row[20], row[21], row[22], _time(row[23]), _time(row[24]),
                      row[25], row[26]),
        has_siblings=bool(row[27]),
    )  # fmt: skip


class AnswerPath:
    """The statements of the review loop, on one connection held for a session.

    Args:
        store: the open store.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._raw: Any = None  # the pool's connection, given back on close
        self._db: sqlite3.Connection | None = None  # the sqlite3 connection inside it
        if store.engine.dialect.name == "sqlite":
            self._raw = store.engine.raw_connection()
            self._db = self._raw.driver_connection
            self._db.execute(f"PRAGMA wal_autocheckpoint = {_AUTOCHECKPOINT_PAGES}")
        self._where = str(store.path or shown_url(store.url))
        self._commits = 0  # since the last checkpoint

    def close(self) -> None:
        """Give the connection back to the pool."""
        if self._raw is not None:
            if self._db is not None:  # the pool hands this connection out again
                self._db.execute(f"PRAGMA wal_autocheckpoint = {_DEFAULT_AUTOCHECKPOINT}")
            self._db = None
            self._raw.close()
            self._raw = None

    def query(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run one read statement on the session's connection; its rows."""
        if self._db is not None:
            try:
                return self._db.execute(sql, params).fetchall()
            except Exception as error:
                safety.reraise(error, self._where)
        from sqlalchemy import text

        with self.store.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]

    def _transaction(self, work: Callable[[Run, Insert], Any]) -> Any:
        """Run `work` in one write transaction; it gets `run` (a statement, its rows) and
        `insert` (an INSERT, the new row's id)."""
        db = self._db
        if db is None:
            from sqlalchemy import text

            from stalindeck.store.engine import writing

            # Other databases: this profile's writes take turns under PostgreSQL's advisory
            # locks; other profiles' go side by side.
            with writing(self.store.engine, self.store.profile_id) as connection:

                def run(sql: str, params: dict[str, Any]) -> list[Any]:
                    result = connection.execute(text(sql), params)
                    return list(result) if result.returns_rows else []

                def insert(sql: str, params: dict[str, Any]) -> int:
                    return int(connection.execute(text(sql + " RETURNING id"), params).scalar_one())

                return work(run, insert)
        # BEGIN IMMEDIATE retried while another process writes; a full disk or a read-only
        # store becomes a one-line StoreError, and SQLite's own rollback is not fought.
        self._commits += 1

        def added(sql: str, params: dict[str, Any]) -> int:
            row_id = db.execute(sql, params).lastrowid  # cheaper than RETURNING, in SQLite
            assert row_id is not None
            return row_id

        return safety.in_immediate(
            db,
            self._where,
            lambda: work(lambda sql, params: db.execute(sql, params).fetchall(), added),
        )

    def checkpoint_if_due(self) -> bool:
        """Copy the write-ahead log into the store once enough answers have gone into it.

        SQLite does this by itself inside the commit that fills the log (a few milliseconds,
        added to that one answer); the session calls this instead while the student reads a
        card, and SQLite's own trigger stays as a backstop at a larger size.

        A checkpoint that fails (a full disk) loses nothing: the answers are safe in the log,
        and the next try comes after as many answers again. Reviewing goes on.

        Returns:
            Whether a checkpoint ran.
        """
        if self._db is None or self._commits < CHECKPOINT_EVERY:
            return False
        self._commits = 0
        try:
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            return False
        return True

    def load_card(self, card_id: int) -> CardView | None:
        """One card with its deck and the profile's state, or None if it no longer exists."""
        rows = self.query(_LOAD_CARD, {"profile": self.store.profile_id, "card": card_id})
        return card_view(rows[0]) if rows else None

    def load_cards(self, card_ids: Sequence[int]) -> dict[int, CardView]:
        """Several cards as `load_card` reads them, in one query; missing ones left out."""
        if not card_ids:
            return {}
        names = [f"card{index}" for index in range(len(card_ids))]
        sql = _LOAD_CARD.replace("c.id = :card", f"c.id IN ({', '.join(':' + n for n in names)})")
        params: dict[str, Any] = dict(zip(names, card_ids, strict=True))
        params["profile"] = self.store.profile_id
        return {row[0]: card_view(row) for row in self.query(sql, params)}

    def data_version(self) -> int | None:
        """A number that changes whenever another connection commits to the store (SQLite's
        `PRAGMA data_version`): while it stays the same, what this connection read is still
        what is stored, but for its own writes. None where there is no such number."""
        if self._db is None:
            return None
        try:
            return int(self._db.execute("PRAGMA data_version").fetchone()[0])
        except Exception as error:
            safety.reraise(error, self._where)

    def record_answer(
        self,
        card: CardView,
        grade: int,
        reviewed_at: datetime,
        duration_ms: int,
        after: Memory,
        bury_until: datetime,
        accept: str | None = None,
        recompute: Recompute | None = None,
    ) -> Recorded:
        """Append the review, store the new state and bury new/review siblings, atomically;
        with `accept`, a typed answer the student accepts as right for this card from now on
        (at most `ACCEPTED_LENGTH` characters).

        `after` was worked out from the state the card had when it was shown. The transaction
        reads the state again once it holds the write lock: if another window answered the card
        in between, `recompute` works the answer out afresh from what is stored now (without
        it, the answer is refused with `StaleCardError`), so no answer is lost under another.
        """
        profile = self.store.profile_id
        until = to_millis(bury_until)
        key = {"profile": profile, "card": card.card_id}
        lock = _LOCK_ROW if self.store.engine.dialect.name == "postgresql" else ""

        def work(run: Run, insert: Insert) -> Recorded:
            rows = run(_CURRENT_STATE + lock, key)
            before, now_after = card.memory, after
            if rows:
                stored = _memory(rows[0])
                if stored != before:
                    if recompute is None:
                        raise StaleCardError(card.card_id)
                    before, now_after = stored, recompute(stored)
            review_id = insert(
                _INSERT_REVIEW, _review_row(key, grade, reviewed_at, duration_ms, before, now_after)
            )
            run(_UPDATE_STATE, _state_row(key, now_after))
            tag_leech = False
            if now_after.lapses >= LEECH_LAPSES and now_after.lapses > before.lapses:
                leech = {"card": card.card_id, "tag": LEECH_TAG}
                tag_leech = not run(_IS_LEECH, leech)
                if tag_leech:
                    run(_LEECH, leech)
            siblings = (
                run(
                    _SIBLINGS,
                    {
                        "profile": profile,
                        "deck": card.deck_id,
                        "note": card.note,
                        "card": card.card_id,
                        "until": until,
                    },
                )
                if card.has_siblings  # most cards are their entry's only card
                else []
            )
            for sibling, _previous in siblings:
                run(_BURY, {"until": until, "profile": profile, "card": sibling})
            buried = tuple((row[0], _time(row[1])) for row in siblings)
            accepted = None
            if accept is not None:
                wanted = {"profile": profile, "card": card.card_id, "answer": accept}
                if not run(_IS_ACCEPTED, wanted):
                    run(_ACCEPT, {**wanted, "created_at": to_millis(reviewed_at)})
                    accepted = accept
            return Recorded(int(review_id), buried, tag_leech, accepted, before, now_after)

        result: Recorded = self._transaction(work)
        return result


class StaleCardError(Exception):
    """The card was answered elsewhere since it was shown, and no recompute was given."""

    def __init__(self, card_id: int) -> None:
        super().__init__(f"card {card_id} changed since it was shown")
        self.card_id = card_id


def _memory(row: Sequence[Any]) -> Memory:
    return Memory(row[0], row[1], row[2], row[3], _time(row[4]), _time(row[5]), row[6], row[7])


def _review_row(
    key: dict[str, Any],
    grade: int,
    reviewed_at: datetime,
    duration_ms: int,
    before: Memory,
    after: Memory,
) -> dict[str, Any]:
    elapsed = (
        (reviewed_at - before.last_review).total_seconds() / 86400 if before.last_review else None
    )
    return {
        **key, "grade": grade, "reviewed_at": to_millis(reviewed_at), "duration_ms": duration_ms,
        "elapsed_days": elapsed, "state_before": before.state, "step_before": before.step,
        "stability_before": before.stability, "difficulty_before": before.difficulty,
        "due_before": _ms(before.due), "last_review_before": _ms(before.last_review),
        "state_after": after.state, "step_after": after.step,
        "stability_after": after.stability, "difficulty_after": after.difficulty,
        "due_after": _ms(after.due),
    }  # fmt: skip


def _state_row(key: dict[str, Any], after: Memory) -> dict[str, Any]:
    return {
        **key, "state": after.state, "step": after.step, "stability": after.stability,
        "difficulty": after.difficulty, "due": _ms(after.due),
        "last_review": _ms(after.last_review), "reps": after.reps, "lapses": after.lapses,
    }  # fmt: skip
