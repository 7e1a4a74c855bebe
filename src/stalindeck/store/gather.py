"""Today's queue, gathered by the one rule that `review`, `status` and `decks` share.

The rule, Anki's queue builder with sibling burying on (rslib/src/scheduler/queue/builder):

1. Cards in (re)learning whose step falls before the day ends: all of them.
2. New cards that a sibling held back on an earlier day (buried, the burial over: they have
   waited), in deck order, within the new-card allowance.
3. Review cards due before the day ends, most overdue first, within the review allowance.
4. The other new cards, in deck order, within what is left of the new-card allowance.

A card of an entry (a note: a card and its reverse, the deletions of one cloze) gathered in an
earlier step holds back its siblings for the day, as Anki buries siblings while it gathers.
Step 2 is what keeps a sibling from waiting more than a day: a review card on daily intervals
would otherwise hold its new sibling back every day; a review card held back is more overdue
than its sibling the next day, so step 3 brings it first then. Suspended cards and cards buried
until later than now are left out everywhere.

Plain SQL through a `Run`, so that `status` runs it on a bare sqlite3 connection without
importing SQLAlchemy (see `quick`), and a review session on the connection it holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from stalindeck.store.values import NEW, REVIEW, from_millis, to_millis

Run = Callable[[str, dict[str, Any]], Sequence[Sequence[Any]]]
Entry = tuple[int, str]  # (deck id, note): the cards of one entry are siblings

# How many rows to read per card wanted, at first: an entry has one card, or two (a reverse),
# or a few (a cloze's deletions); if they were not enough, four times as many are read.
_SIBLINGS_GUESS = 4


class QueueEntry(NamedTuple):
    """A card waiting in today's queue."""

    card_id: int
    note: str
    deck_id: int
    due: datetime | None


@dataclass(frozen=True, slots=True)
class Scope:
    """Which cards to gather from: some decks (by id; None for all), with some tags (any)."""

    deck_ids: tuple[int, ...] | None = None
    tags: tuple[str, ...] = ()


class Gathered(NamedTuple):
    """Today's queue: learning steps (earliest first), reviews and new cards in the order
    they are served."""

    learning: list[QueueEntry]
    reviews: list[QueueEntry]
    new: list[QueueEntry]


_FROM = """
FROM card_states s CROSS JOIN cards c{decks}
WHERE s.profile_id = :profile AND {condition}
  AND NOT s.suspended AND (s.buried_until IS NULL OR s.buried_until <= :now)
  AND c.id = s.card_id AND NOT c.retired{scope}
"""
_COLUMNS = "SELECT c.id, c.note, c.deck_id, s.due"
# CROSS JOIN keeps SQLite driving from card_states, through the state/due index.
_LEARNING = ("s.state IN (1, 3) AND s.due < :until", "ORDER BY s.due, c.id")
_REVIEWS = (f"s.state = {REVIEW} AND s.due < :until", "ORDER BY s.due, c.id")
_IN_DECK_ORDER = "ORDER BY d.name, c.position, c.id"
# Through the partial index of buried cards (revision 0008): a handful, not every new card.
_WAITED = (
    f"s.state = {NEW} AND s.buried_until IS NOT NULL AND s.buried_until <= :now",
    _IN_DECK_ORDER,
)
_NEW = (f"s.state = {NEW}", _IN_DECK_ORDER)


def _scope_sql(scope: Scope, params: dict[str, Any]) -> str:
    sql = ""
    if scope.deck_ids is not None:
        names = [f"deck{index}" for index in range(len(scope.deck_ids))]
        params.update(zip(names, scope.deck_ids, strict=True))
        sql += f" AND c.deck_id IN ({', '.join(':' + name for name in names) or 'NULL'})"
    if scope.tags:
        names = [f"tag{index}" for index in range(len(scope.tags))]
        params.update(zip(names, scope.tags, strict=True))
        sql += (
            " AND EXISTS (SELECT 1 FROM card_tags t WHERE t.card_id = c.id"
            f" AND t.tag IN ({', '.join(':' + name for name in names)}))"
        )
    return sql


class _Reader:
    def __init__(self, run: Run, params: dict[str, Any], scope: str) -> None:
        self.run, self.params, self.scope = run, params, scope

    def sql(self, part: tuple[str, str], ordered: bool = True) -> str:
        condition, order = part
        deck_order = ordered and order == _IN_DECK_ORDER
        decks = " JOIN decks d ON d.id = c.deck_id" if deck_order else ""
        body = _FROM.format(decks=decks, condition=condition, scope=self.scope)
        return f"{_COLUMNS}{body}{order if ordered else ''}"

    def all(self, part: tuple[str, str]) -> list[QueueEntry]:
        return [_entry(row) for row in self.run(self.sql(part), self.params)]

    def lazily(
        self, part: tuple[str, str], wanted: int, ordered: bool = True
    ) -> Iterator[QueueEntry]:
        """The rows of `part` in order, read a few more than `wanted` at a time: a queue of
        20 new cards needs about 20 rows, not the 100,000 new cards of the store. Each longer
        read yields its rows from the first again: without an order the database may return
        them otherwise, and a card seen twice is skipped by `_take` (its entry is held)."""
        sql = self.sql(part, ordered) + " LIMIT :fetch"
        fetch = max(1, wanted) * _SIBLINGS_GUESS
        while True:
            rows = self.run(sql, {**self.params, "fetch": fetch})
            for row in rows:
                yield _entry(row)
            if len(rows) < fetch:  # every candidate was read
                return
            fetch *= 4


def _entry(row: Sequence[Any]) -> QueueEntry:
    due = row[3]
    return QueueEntry(
        int(row[0]), str(row[1]), int(row[2]), None if due is None else from_millis(due)
    )


def _take(
    candidates: Iterable[QueueEntry], held: set[Entry], limit: int, into: list[QueueEntry]
) -> None:
    """Append to `into` the first card of each entry not `held` (holding it), until `into` has
    `limit` cards."""
    if len(into) >= limit:
        return
    for card in candidates:
        entry = (card.deck_id, card.note)
        if entry in held:
            continue
        held.add(entry)
        into.append(card)
        if len(into) >= limit:
            return


def gather(
    run: Run,
    profile_id: int,
    now: datetime,
    until: datetime,
    scope: Scope,
    reviews_left: int,
    new_left: int,
    *,
    in_order: bool = True,
) -> Gathered:
    """Today's queue by the rule above: learning steps due before `until` (the day's end),
    at most `reviews_left` reviews and `new_left` new cards.

    `in_order=False` leaves the order of the ordinary new cards (step 4) to the database:
    which cards come then depends on it, how many does not (each entry not held gives one),
    and counting is all `status` needs, without sorting every new card of the store.
    """
    params: dict[str, Any] = {
        "profile": profile_id,
        "now": to_millis(now),
        "until": to_millis(until),
    }
    reader = _Reader(run, params, _scope_sql(scope, params))
    learning = reader.all(_LEARNING)
    held = {(card.deck_id, card.note) for card in learning}
    new: list[QueueEntry] = []
    if new_left > 0:
        _take(reader.all(_WAITED), held, new_left, new)
    reviews: list[QueueEntry] = []
    if reviews_left > 0:
        _take(reader.lazily(_REVIEWS, reviews_left + len(held)), held, reviews_left, reviews)
    if len(new) < new_left:
        wanted = new_left + len(held)
        _take(reader.lazily(_NEW, wanted, in_order), held, new_left, new)
    return Gathered(learning, reviews, new)


def any_new(run: Run, profile_id: int, now: datetime, scope: Scope) -> bool:
    """Whether any card never seen is available (not suspended or buried), whatever the
    day's allowance and siblings."""
    params: dict[str, Any] = {"profile": profile_id, "now": to_millis(now)}
    reader = _Reader(run, params, _scope_sql(scope, params))
    return bool(run(reader.sql(_NEW, ordered=False) + " LIMIT 1", params))
