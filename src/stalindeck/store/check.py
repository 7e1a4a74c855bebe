"""`stalindeck check`: is the store sound, and is the review log consistent with the cards?

Like Anki's "Check Database", it repairs what can be repaired without guessing (rows that
point at nothing, and a missing per-profile card state, which the review log determines) and
reports the rest. Before it repairs anything it takes a backup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, delete, func, insert, select, text, true, update

from stalindeck.store.engine import reading, writing
from stalindeck.store.models import NEW, REVIEW, Card, CardState, CardTag, Profile, Review, Setting
from stalindeck.store.open import Store
from stalindeck.words import plural

_MAX_LISTED = 5
# Tables whose dangling rows the checks below repair or report themselves.
_COVERED = frozenset({"card_tags", "card_states", "settings", "reviews", "cards"})


@dataclass(slots=True)
class CheckReport:
    """What `check_store` found.

    Attributes:
        integrity: SQLite's integrity check: ``["ok"]`` or its findings.
        repaired: what was repaired, one line each.
        problems: what is wrong and was left alone, one line each.
        backup: the copy taken before repairing, if any.
    """

    integrity: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    backup: Path | None = None

    @property
    def ok(self) -> bool:
        """Nothing is left wrong (repairs may have been made)."""
        return self.integrity == ["ok"] and not self.problems


def check_store(
    store: Store, now: datetime, *, repair: bool = True, full: bool = False
) -> CheckReport:
    """Check the store; repair what is safe to repair unless `repair` is False.

    Args:
        store: the open store.
        now: the current time (reviews far beyond it are reported).
        repair: whether to repair (a backup is taken first).
        full: SQLite's full integrity check (every index against its table: seconds per
            hundred megabytes) instead of its quick check of every page.
    """
    report = CheckReport(integrity=_integrity(store, full))
    if report.integrity != ["ok"]:
        report.problems.append(
            "the store file is damaged; nothing was repaired. Restore the newest good "
            "backup: `stalindeck backups`, then `stalindeck restore FILE`"
        )
        return report
    with reading(store.engine) as connection:
        log = _read_log(connection, now)
        repairs = _find_repairs(connection, log)
        report.problems.extend(_find_problems(connection, log))
    if any(count for count, _ in repairs.values()):
        if repair:
            if store.path is not None:
                from stalindeck.store.backup import take_backup

                report.backup = take_backup(store.path, "check")
            with writing(store.engine) as connection:
                report.repaired.extend(_repair(connection, repairs, now))
        else:
            report.problems.extend(message for count, message in repairs.values() if count)
    report.problems.extend(_foreign_key_problems(store))
    return report


def _integrity(store: Store, full: bool = False) -> list[str]:
    """SQLite's quick (or `full` integrity) check; other databases check themselves:
    ``["ok"]`` or findings."""
    if store.engine.dialect.name != "sqlite":
        return ["ok"]
    import sqlite3

    raw = store.engine.raw_connection()
    try:
        rows = (
            raw.cursor()
            .execute(f"PRAGMA {'integrity_check' if full else 'quick_check'}(20)")
            .fetchall()
        )
    except sqlite3.DatabaseError as error:
        return [str(error)]  # damaged beyond what the check itself can walk
    finally:
        raw.close()
    return [str(row[0]) for row in rows]


# -- what can be repaired --------------------------------------------------------------------

_ORPHAN_TAGS = ~select(Card.id).where(Card.id == CardTag.card_id).exists()
_ORPHAN_STATES = (
    ~select(Card.id).where(Card.id == CardState.card_id).exists()
    | ~select(Profile.id).where(Profile.id == CardState.profile_id).exists()
)
_ORPHAN_SETTINGS = ~select(Profile.id).where(Profile.id == Setting.profile_id).exists()


def _missing_states(connection: Connection) -> list[tuple[int, int]]:
    profiles = (
        select(Profile.id.label("profile_id"), Card.id.label("card_id"))
        .join_from(Profile, Card, true())
        .subquery()
    )
    rows = connection.execute(
        select(profiles.c.profile_id, profiles.c.card_id).where(
            ~select(CardState.card_id)
            .where(
                CardState.profile_id == profiles.c.profile_id,
                CardState.card_id == profiles.c.card_id,
            )
            .exists()
        )
    ).all()
    return [(int(row.profile_id), int(row.card_id)) for row in rows]


def _count(connection: Connection, table: type, condition: object) -> int:
    return int(
        connection.execute(select(func.count()).select_from(table).where(condition)).scalar_one()  # type: ignore[arg-type]
    )


def _find_repairs(connection: Connection, log: _Log) -> dict[str, tuple[int, str]]:
    tags = _count(connection, CardTag, _ORPHAN_TAGS)
    states = _count(connection, CardState, _ORPHAN_STATES)
    settings = _count(connection, Setting, _ORPHAN_SETTINGS)
    missing = len(_missing_states(connection))
    stale = log.stale
    return {
        "tags": (tags, f"{plural(tags, 'topic tag')} of cards that no longer exist"),
        "states": (
            states,
            f"{plural(states, 'card state')} of cards or profiles that no longer exist",
        ),
        "settings": (settings, f"{plural(settings, 'setting')} of profiles that no longer exist"),
        "missing": (missing, f"{plural(missing, 'card')} without a scheduling state for a profile"),
        "stale": (
            len(stale),
            f"{plural(len(stale), 'card')} whose scheduling state does not follow from its "
            f"review log (card ids {_ids(sorted({card for _profile, card in stale}))})",
        ),
    }


def _repair(
    connection: Connection, repairs: dict[str, tuple[int, str]], now: datetime
) -> list[str]:
    done = []
    if repairs["tags"][0]:
        connection.execute(delete(CardTag).where(_ORPHAN_TAGS))
        done.append(f"removed {repairs['tags'][1]}")
    if repairs["states"][0]:
        connection.execute(delete(CardState).where(_ORPHAN_STATES))
        done.append(f"removed {repairs['states'][1]}")
    if repairs["settings"][0]:
        connection.execute(delete(Setting).where(_ORPHAN_SETTINGS))
        done.append(f"removed {repairs['settings'][1]}")
    missing = _missing_states(connection)
    if missing:
        rebuilt = sum(_rebuild_state(connection, profile, card) for profile, card in missing)
        done.append(
            f"recreated {plural(len(missing), 'missing card state')} "
            f"({rebuilt} from the review log, the others as new cards)"
        )
    stale = _read_log(connection, now).stale if repairs["stale"][0] else []
    if stale:
        redone = [card for profile, card in stale if _replay_state(connection, profile, card)]
        left = len(stale) - len(redone)
        done.append(
            f"worked out {plural(len(redone), 'card state')} again from the review log "
            f"(card ids {_ids(sorted(set(redone)))})"
            + (f"; {left} left as they are: their log holds an impossible grade" if left else "")
        )
    return done


# The review log read once, grouped by card (one pass, not a search per card; 1M reviews in
# about two seconds): what each card's state must agree with, and which reviews are impossible,
# dated in the future or of nothing.
_LOG_PASS = """
SELECT g.profile_id, g.card_id, g.newest, g.first, g.started, g.answers, g.bad,
       s.state, s.last_review, s.reps,
       CASE WHEN c.id IS NULL OR p.id IS NULL THEN 1 ELSE 0 END AS orphan
FROM (SELECT profile_id, card_id, max(reviewed_at) AS newest, min(reviewed_at) AS first,
             max(CASE WHEN state_before = 0 THEN reviewed_at END) AS started,
             count(*) AS answers, sum(CASE WHEN {bad} THEN 1 ELSE 0 END) AS bad
      FROM reviews GROUP BY profile_id, card_id) AS g
LEFT JOIN card_states s ON s.profile_id = g.profile_id AND s.card_id = g.card_id
LEFT JOIN cards c ON c.id = g.card_id
LEFT JOIN profiles p ON p.id = g.profile_id
WHERE c.id IS NULL OR p.id IS NULL OR g.bad > 0 OR g.newest > :future
   OR (s.state IS NOT NULL AND s.state != :new
       AND (s.last_review IS NULL OR s.last_review < g.newest
            OR (g.started IS NOT NULL AND (g.started > g.first OR s.reps != g.answers))))
"""
# (The WHERE passes on only the groups `_read_log` may find wrong: SQLite sorts them out
# faster than Python could look at every card's.)
# (Written as equalities rather than `NOT IN (...)`: the same for these NOT NULL columns, and
# SQLite tests a million rows against them in 0.17 s instead of 0.28 s.)
_BAD = (
    "NOT (grade = 1 OR grade = 2 OR grade = 3 OR grade = 4) "
    "OR NOT (state_before = 0 OR state_before = 1 OR state_before = 2 OR state_before = 3) "
    "OR NOT (state_after = 1 OR state_after = 2 OR state_after = 3) OR due_after < reviewed_at"
)
# The same pass for a SQLite store whose log is one profile's (every student's, unless they
# share a store): grouped by card alone, the counts and times come from the (card, time)
# index in order, with no sort of a million rows, and one plain scan of the table finds the
# few reviews the rest needs (each card's starts as new, and impossible rows). 1M reviews:
# 0.45 s instead of 1.1 s. The columns and the WHERE are `_LOG_PASS`'s.
_ONE_PROFILE_PASS = """
WITH g AS (SELECT card_id, max(reviewed_at) AS newest, min(reviewed_at) AS first,
                  count(*) AS answers
           FROM reviews GROUP BY card_id),
     x AS (SELECT card_id, max(CASE WHEN state_before = 0 THEN reviewed_at END) AS started,
                  sum(CASE WHEN {bad} THEN 1 ELSE 0 END) AS bad
           FROM reviews NOT INDEXED WHERE state_before = 0 OR {bad} GROUP BY card_id)
SELECT :profile AS profile_id, g.card_id, g.newest, g.first, x.started, g.answers,
       coalesce(x.bad, 0) AS bad, s.state, s.last_review, s.reps,
       CASE WHEN c.id IS NULL OR p.id IS NULL THEN 1 ELSE 0 END AS orphan
FROM g
LEFT JOIN x ON x.card_id = g.card_id
LEFT JOIN card_states s ON s.profile_id = :profile AND s.card_id = g.card_id
LEFT JOIN cards c ON c.id = g.card_id
LEFT JOIN profiles p ON p.id = :profile
WHERE c.id IS NULL OR p.id IS NULL OR coalesce(x.bad, 0) > 0 OR g.newest > :future
   OR (s.state IS NOT NULL AND s.state != :new
       AND (s.last_review IS NULL OR s.last_review < g.newest
            OR (x.started IS NOT NULL AND (x.started > g.first OR s.reps != g.answers))))
"""
# Which profiles the log holds: the lowest and highest, each one step down an index.
_LOG_PROFILES = (
    "SELECT (SELECT min(profile_id) FROM reviews), (SELECT max(profile_id) FROM reviews)"
)
# Answers since the card last started as new, for the few cards reset since their first.
_SINCE = (
    "SELECT count(*) FROM reviews WHERE profile_id = :profile AND card_id = :card "
    "AND reviewed_at >= :started"
)


@dataclass(slots=True)
class _Log:
    """What one pass over the review log found, by (profile, card)."""

    stale: list[tuple[int, int]] = field(default_factory=list)
    orphans: list[tuple[int, int]] = field(default_factory=list)
    bad: list[tuple[int, int]] = field(default_factory=list)
    future: list[tuple[int, int]] = field(default_factory=list)
    future_ms: int = 0  # reviews after this are dated in the future


def _read_log(connection: Connection, now: datetime) -> _Log:
    """One grouped pass over the log. A card's state is stale when it is older than the card's
    newest review, or counts other than the answers given since the card last started as new
    (another window's answer worked out from a stale state, before answers were recomputed
    under the write lock, leaves one out)."""
    from stalindeck.store.values import to_millis

    future = to_millis(now + timedelta(days=1))
    log = _Log(future_ms=future)
    since = text(_SINCE)
    params: dict[str, int] = {"future": future, "new": NEW}
    query = _LOG_PASS
    if connection.dialect.name == "sqlite":
        lowest, highest = connection.execute(text(_LOG_PROFILES)).one()
        if lowest is not None and lowest == highest:
            query, params["profile"] = _ONE_PROFILE_PASS, int(lowest)
    found = connection.execute(text(query.format(bad=_BAD)), params)
    for row in found:
        key = (int(row.profile_id), int(row.card_id))
        if row.orphan:
            log.orphans.append(key)
        if row.bad:
            log.bad.append(key)
        if row.newest > future:
            log.future.append(key)
        if row.state is None or row.state == NEW or row.orphan:
            continue
        stale = row.last_review is None or row.last_review < row.newest
        if not stale and row.started is not None:
            answers = row.answers
            if row.started > row.first:  # reset since: count from its last start
                answers = connection.execute(
                    since, {"profile": key[0], "card": key[1], "started": row.started}
                ).scalar_one()
            stale = row.reps != answers
        if stale:
            log.stale.append(key)
    return log


def _review_ids(
    connection: Connection, keys: list[tuple[int, int]], condition: str = "1 = 1"
) -> list[int]:
    """The ids of the reviews of `keys` (profile, card) meeting `condition`, at most enough
    to list (and count) them."""
    found: list[int] = []
    for profile, card in keys:
        found.extend(
            int(row[0])
            for row in connection.execute(
                text(
                    f"SELECT id FROM reviews WHERE profile_id = :profile AND card_id = :card "
                    f"AND ({condition}) ORDER BY id"
                ),
                {"profile": profile, "card": card},
            )
        )
    return sorted(found)


def _replay_state(connection: Connection, profile_id: int, card_id: int) -> bool:
    """Set the card's state to what its review log works out to (`scheduling.replay`);
    False (nothing changed) when the log cannot be replayed."""
    from stalindeck.scheduling.fsrs_bridge import Memory
    from stalindeck.scheduling.replay import replayed
    from stalindeck.scheduling.settings import settings_from_rows
    from stalindeck.store.settings_store import run_read_settings

    def run(sql: str, params: dict[str, object]) -> list[tuple[object, ...]]:
        return [tuple(row) for row in connection.execute(text(sql), params)]

    settings = settings_from_rows(run_read_settings(run, profile_id)).scheduler()
    rows = connection.execute(
        select(
            Review.reviewed_at, Review.grade, Review.state_before, Review.step_before,
            Review.stability_before, Review.difficulty_before, Review.due_before,
            Review.last_review_before,
        )
        .where(Review.profile_id == profile_id, Review.card_id == card_id)
        .order_by(Review.reviewed_at, Review.id)
    ).all()  # fmt: skip
    answers = [
        (row[0], int(row[1]), Memory(row[2], row[3], row[4], row[5], row[6], row[7], 0, 0))
        for row in rows
    ]
    memory = replayed(answers, settings)
    if memory is None:
        return False
    connection.execute(
        update(CardState)
        .where(CardState.profile_id == profile_id, CardState.card_id == card_id)
        .values(
            state=memory.state, step=memory.step, stability=memory.stability,
            difficulty=memory.difficulty, due=memory.due, last_review=memory.last_review,
            reps=memory.reps, lapses=memory.lapses,
        )
    )  # fmt: skip
    return True


def _rebuild_state(connection: Connection, profile_id: int, card_id: int) -> bool:
    """Insert the state the review log implies (new when there is none); True if from the log."""
    reviews = connection.execute(
        select(Review)
        .where(Review.profile_id == profile_id, Review.card_id == card_id)
        .order_by(Review.reviewed_at, Review.id)
    ).all()
    values: dict[str, object] = {
        "profile_id": profile_id,
        "card_id": card_id,
        "state": NEW,
        "reps": 0,
        "lapses": 0,
        "suspended": False,
    }
    if reviews:
        last = reviews[-1]
        values.update(
            state=last.state_after,
            step=last.step_after,
            stability=last.stability_after,
            difficulty=last.difficulty_after,
            due=last.due_after,
            last_review=last.reviewed_at,
            reps=len(reviews),
            lapses=sum(1 for row in reviews if row.grade == 1 and row.state_before == REVIEW),
        )
    connection.execute(insert(CardState).values(**values))
    return bool(reviews)


# -- what is only reported -------------------------------------------------------------------


def _ids(rows: list[int]) -> str:
    shown = ", ".join(str(value) for value in rows[:_MAX_LISTED])
    return shown + (", …" if len(rows) > _MAX_LISTED else "")


def _find_problems(connection: Connection, log: _Log) -> list[str]:
    problems = []
    orphans = _review_ids(connection, log.orphans)
    if orphans:
        problems.append(
            f"{plural(len(orphans), 'review')} of a card or profile that no longer exists "
            f"(review ids {_ids(orphans)}); kept, since they are history"
        )
    cards = [
        int(row[0])
        for row in connection.execute(
            text("SELECT id FROM cards WHERE deck_id NOT IN (SELECT id FROM decks)")
        )
    ]
    if cards:
        problems.append(f"{plural(len(cards), 'card')} of no deck (card ids {_ids(cards)})")
    invalid = _review_ids(connection, log.bad, _BAD)
    if invalid:
        problems.append(
            f"{plural(len(invalid), 'review')} with an impossible grade, state or due date "
            f"(review ids {_ids(invalid)})"
        )
    future = _review_ids(connection, log.future, f"reviewed_at > {log.future_ms:d}")
    if future:
        problems.append(
            f"{plural(len(future), 'review')} dated in the future (review ids {_ids(future)}); "
            "is the computer's clock right?"
        )
    return problems


def _foreign_key_problems(store: Store) -> list[str]:
    """Rows pointing at nothing in tables the checks above do not cover."""
    if store.engine.dialect.name != "sqlite":
        return []
    with reading(store.engine) as connection:
        tables = [
            str(row[0])
            for row in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            if str(row[0]) not in _COVERED  # the review log's million rows are read once above
        ]
        rows = [
            row
            for table in tables
            for row in connection.exec_driver_sql(f'PRAGMA foreign_key_check("{table}")')
        ]
    counts: dict[str, int] = {}
    for row in rows:
        if str(row[0]) not in _COVERED:
            counts[str(row[0])] = counts.get(str(row[0]), 0) + 1
    return [
        f"{plural(count, 'row')} of {table} pointing at rows that no longer exist"
        for table, count in sorted(counts.items())
    ]
