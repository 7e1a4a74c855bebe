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
from stalindeck.ui.format import plural

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


def check_store(store: Store, now: datetime, *, repair: bool = True) -> CheckReport:
    """Check the store; repair what is safe to repair unless `repair` is False.

    Args:
        store: the open store.
        now: the current time (reviews far beyond it are reported).
        repair: whether to repair (a backup is taken first).
    """
    report = CheckReport(integrity=_integrity(store))
    if report.integrity != ["ok"]:
        report.problems.append(
            "the store file is damaged; nothing was repaired. Restore the newest good "
            "backup: `stalindeck backups`, then `stalindeck restore FILE`"
        )
        return report
    with reading(store.engine) as connection:
        repairs = _find_repairs(connection)
        report.problems.extend(_find_problems(connection, now))
    if any(count for count, _ in repairs.values()):
        if repair:
            if store.path is not None:
                from stalindeck.store.backup import take_backup

                report.backup = take_backup(store.path, "check")
            with writing(store.engine) as connection:
                report.repaired.extend(_repair(connection, repairs))
        else:
            report.problems.extend(message for count, message in repairs.values() if count)
    report.problems.extend(_foreign_key_problems(store))
    return report


def _integrity(store: Store) -> list[str]:
    """SQLite's integrity check (other databases check themselves): ``["ok"]`` or findings."""
    if store.engine.dialect.name != "sqlite":
        return ["ok"]
    import sqlite3

    raw = store.engine.raw_connection()
    try:
        rows = raw.cursor().execute("PRAGMA integrity_check(20)").fetchall()
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


def _find_repairs(connection: Connection) -> dict[str, tuple[int, str]]:
    tags = _count(connection, CardTag, _ORPHAN_TAGS)
    states = _count(connection, CardState, _ORPHAN_STATES)
    settings = _count(connection, Setting, _ORPHAN_SETTINGS)
    missing = len(_missing_states(connection))
    stale = _stale_states(connection)
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


def _repair(connection: Connection, repairs: dict[str, tuple[int, str]]) -> list[str]:
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
    stale = _stale_states(connection)
    if stale:
        redone = [card for profile, card in stale if _replay_state(connection, profile, card)]
        left = len(stale) - len(redone)
        done.append(
            f"worked out {plural(len(redone), 'card state')} again from the review log "
            f"(card ids {_ids(sorted(set(redone)))})"
            + (f"; {left} left as they are: their log holds an impossible grade" if left else "")
        )
    return done


# A state older than the card's newest review, or one that counts fewer (or more) answers than
# the log holds since the card last started as new (another window's answer computed from a
# stale state, before answers were recomputed under the write lock, left one out): each a
# grouped pass over the log, not a search per card.
_STALE = """
SELECT s.profile_id, s.card_id FROM card_states s
JOIN (SELECT profile_id, card_id, max(reviewed_at) AS newest FROM reviews
      GROUP BY profile_id, card_id) r
  ON r.profile_id = s.profile_id AND r.card_id = s.card_id
WHERE s.state != 0 AND (s.last_review IS NULL OR s.last_review < r.newest)
UNION
SELECT s.profile_id, s.card_id FROM card_states s
JOIN (SELECT r.profile_id, r.card_id, count(*) AS answers FROM reviews r
      JOIN (SELECT profile_id, card_id, max(reviewed_at) AS started FROM reviews
            WHERE state_before = 0 GROUP BY profile_id, card_id) f
        ON f.profile_id = r.profile_id AND f.card_id = r.card_id AND r.reviewed_at >= f.started
      GROUP BY r.profile_id, r.card_id) n
  ON n.profile_id = s.profile_id AND n.card_id = s.card_id
WHERE s.state != 0 AND s.reps != n.answers
"""


def _stale_states(connection: Connection) -> list[tuple[int, int]]:
    """(profile, card) of each card state that its review log contradicts, among those that
    exist (a missing one is rebuilt on its own)."""
    rows = connection.execute(
        text(
            f"SELECT k.profile_id, k.card_id FROM ({_STALE}) AS k "
            "JOIN card_states s ON s.profile_id = k.profile_id AND s.card_id = k.card_id "
            "JOIN cards c ON c.id = k.card_id ORDER BY k.profile_id, k.card_id"
        )
    )
    return [(int(profile), int(card)) for profile, card in rows]


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


def _find_problems(connection: Connection, now: datetime) -> list[str]:
    problems = []
    orphans = [
        int(row[0])
        for row in connection.execute(
            select(Review.id).where(
                ~select(Card.id).where(Card.id == Review.card_id).exists()
                | ~select(Profile.id).where(Profile.id == Review.profile_id).exists()
            )
        )
    ]
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
    invalid = [
        int(row[0])
        for row in connection.execute(
            select(Review.id).where(
                Review.grade.not_in((1, 2, 3, 4))
                | Review.state_before.not_in((0, 1, 2, 3))
                | Review.state_after.not_in((1, 2, 3))
                | (Review.due_after < Review.reviewed_at)
            )
        )
    ]
    if invalid:
        problems.append(
            f"{plural(len(invalid), 'review')} with an impossible grade, state or due date "
            f"(review ids {_ids(invalid)})"
        )
    future = [
        int(row[0])
        for row in connection.execute(
            select(Review.id).where(Review.reviewed_at > now + timedelta(days=1))
        )
    ]
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
        rows = list(connection.exec_driver_sql("PRAGMA foreign_key_check"))
    counts: dict[str, int] = {}
    for row in rows:
        if str(row[0]) not in _COVERED:
            counts[str(row[0])] = counts.get(str(row[0]), 0) + 1
    return [
        f"{plural(count, 'row')} of {table} pointing at rows that no longer exist"
        for table, count in sorted(counts.items())
    ]
