"""The review session: a state machine with a clock and a store, and no terminal.

It builds today's queue the way Anki does (learning steps when due, due reviews, new cards
within the daily limits), hands out one card at a time with the outcome of each grade worked
out in advance (so the interval a button shows is the one applied, fuzz included), records
answers one short transaction at a time, and undoes them.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from stalindeck import names
from stalindeck.clock import Clock, utc_now
from stalindeck.review.typed import acceptable
from stalindeck.scheduling.day import day_end, day_start
from stalindeck.scheduling.fsrs_bridge import Memory, SchedulerSettings, make_scheduler, shifted
from stalindeck.scheduling.limits import Limits
from stalindeck.scheduling.outcomes import Outcomes
from stalindeck.store import queue as queries
from stalindeck.store import reviews as writes
from stalindeck.store.answer_path import AnswerPath, Recorded
from stalindeck.store.backup import backup_if_due
from stalindeck.store.counts import done_today
from stalindeck.store.gather import Gathered, QueueEntry, any_new, gather
from stalindeck.store.models import LEARNING, NEW, RELEARNING
from stalindeck.store.open import Store
from stalindeck.store.queue import CardView, Filter

GRADES = (1, 2, 3, 4)
GRADE_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
MAX_ANSWER_MS = 60_000  # like Anki: a card left on screen while away counts a minute at most
UNDO_DEPTH = 30
_NEW_CARD_ESTIMATE = timedelta(seconds=45)  # a new card takes about three short views
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Source(StrEnum):
    """Which queue a card came from; decides the counts shown."""

    NEW = "new"
    LEARNING = "learning"
    REVIEW = "review"


class Shown(NamedTuple):
    """The card on screen and what each grade would do to it.

    Attributes:
        card: the card's content and stored state.
        source: the queue it came from.
        shown_at: when it was put on screen.
        outcomes: for each grade 1-4, the state it would leave the card in.
    """

    card: CardView
    source: Source
    shown_at: datetime
    outcomes: dict[int, Memory]

    def interval(self, grade: int) -> timedelta:
        """How long until the card comes back after `grade`."""
        due = self.outcomes[grade].due
        assert due is not None
        return due - self.shown_at


@dataclass(frozen=True, slots=True)
class Counts:
    """Cards left in this session, as Anki shows them: new · learning · due."""

    new: int
    learning: int
    review: int


@dataclass(slots=True)
class Summary:
    """What a session did."""

    answered: int = 0
    passed: int = 0
    new_learned: int = 0
    time_ms: int = 0
    answered_cards: list[int] = field(default_factory=list)

    @property
    def cards(self) -> int:
        """Different cards answered."""
        return len(set(self.answered_cards))

    @property
    def percent_correct(self) -> float | None:
        return None if not self.answered else 100.0 * self.passed / self.answered


class _Undo(NamedTuple):
    action: str  # "answer", "suspend" or "bury"
    shown: Shown
    recorded: Recorded | None = None
    duration_ms: int = 0
    grade: int = 0
    dropped: tuple[tuple[Source, QueueEntry], ...] = ()  # siblings taken out of the queues
    topped: tuple[Source, QueueEntry] | None = None  # the card a suspension or burial let in


class _LearningQueue:
    """Cards in (re)learning, earliest step first. A heap: every answer to a learning card puts
    it back, and re-sorting a list of hundreds each time showed up in profiles."""

    def __init__(self, entries: list[QueueEntry]) -> None:
        self._heap = [(entry.due or _EPOCH, entry.card_id, entry) for entry in entries]
        heapq.heapify(self._heap)

    def __len__(self) -> int:
        return len(self._heap)

    def first_due(self) -> datetime | None:
        return self._heap[0][0] if self._heap else None

    def first(self) -> QueueEntry | None:
        return self._heap[0][2] if self._heap else None

    def pop(self) -> QueueEntry:
        return heapq.heappop(self._heap)[2]

    def push(self, entry: QueueEntry) -> None:
        heapq.heappush(self._heap, (entry.due or _EPOCH, entry.card_id, entry))

    def remove(self, card_id: int) -> None:
        self._heap = [item for item in self._heap if item[1] != card_id]
        heapq.heapify(self._heap)


class ReviewSession:
    """One sitting of reviews for one profile.

    Args:
        store: the open store.
        where: which decks and tags to draw from.
        clock: what "now" is (tests pass a fixed one).
        limits: daily limits and the learn-ahead window.
        settings: FSRS settings.
        card_limit: at most this many different cards from the new and review queues.
        new_limit: at most this many new cards (default: what is left of today's limit).
        minutes: a time budget: due cards first, new cards only while it allows, and no new
            card drawn once it is spent.
        ahead: review ahead (cramming for an exam): every review card, due or not, the least
            likely to be recalled first, and no new cards; the daily review limit does not
            apply. Answers are ordinary reviews: FSRS schedules the card from that day.
    """

    def __init__(
        self,
        store: Store,
        where: Filter | None = None,
        *,
        clock: Clock = utc_now,
        limits: Limits | None = None,
        settings: SchedulerSettings | None = None,
        card_limit: int | None = None,
        new_limit: int | None = None,
        minutes: float | None = None,
        ahead: bool = False,
    ) -> None:
        self.store = store
        where = where or Filter()
        # The names as the student typed them, spelled as the store does (any case, a deck's
        # title, a unique start); a slip is refused here, with the closest name.
        self.where = Filter(
            decks=names.deck_slugs(store, where.decks), tags=names.tag_names(store, where.tags)
        )
        self.clock = clock
        self.limits = limits or Limits()
        # the four outcomes of a card, in one pass, under these settings' scheduler, elapsed
        # time counted in study days
        self._outcomes = Outcomes(make_scheduler(settings), self.limits.rollover_hour)
        self.budget = None if minutes is None else timedelta(minutes=minutes)
        self.summary = Summary()
        self.current: Shown | None = None
        self._undo: deque[_Undo] = deque(maxlen=UNDO_DEPTH)
        self._started = self.clock()
        self._card_limit = card_limit
        self.ahead = ahead
        self._drawn = 0  # cards taken from the new and review queues
        self._new_drawn: set[int] = set()  # new cards this session has put on screen
        self._path = AnswerPath(store)
        # Cards that may come next, read while the student reads the current one; good while
        # the store's data version stays the one they were read at (see `_prefetch`).
        self._ready: dict[int, CardView] = {}
        self._ready_version: int | None = None
        self._scope = queries.scope_of(store, self.where)
        self._new_limit = new_limit  # the session's own (`review --new N`), if any
        self._build(new_limit)

    # -- the queue -------------------------------------------------------------------------

    def _gather(self, now: datetime, new_limit: int | None = None) -> Gathered:
        """Today's queue for this session's decks, by the rule `status` counts with (see
        `gather`), new cards within `new_limit` if given, else what today still allows."""
        reviews_left, new_left = self._left_today(now)
        return gather(
            self._path.query,
            self.store.profile_id,
            now,
            day_end(now, self.limits.rollover_hour),
            self._scope,
            reviews_left,
            new_left if new_limit is None else new_limit,
        )

    def _build(self, new_limit: int | None) -> None:
        now = self.clock()
        self._day_end = day_end(now, self.limits.rollover_hour)
        today = self._gather(now, 0 if self.ahead else new_limit)
        self._learning = _LearningQueue(today.learning)
        if self.ahead:
            self._reviews: deque[QueueEntry] = deque(
                queries.weakest_reviews(self.store, now, self.where, self._card_limit)
            )
            self._new: deque[QueueEntry] = deque()
            return
        # An entry with a card in today's queue brings no other card today (its siblings get
        # buried when that one is answered): the next entry's card takes its place.
        self._reviews = deque(today.reviews)
        self._new = deque(today.new)

    def counts(self) -> Counts:
        """What is left in this session, the card on screen included (as Anki counts)."""
        left = None if self._card_limit is None else max(0, self._card_limit - self._drawn)
        new, review = len(self._new), len(self._reviews)
        if left is not None:
            review = min(review, left)
            new = min(new, left - review)
        source = None if self.current is None else self.current.source
        return Counts(
            new=new + (source is Source.NEW),
            learning=len(self._learning) + (source is Source.LEARNING),
            review=review + (source is Source.REVIEW),
        )

    def _budget_spent(self, now: datetime) -> bool:
        return self.budget is not None and now - self._started >= self.budget

    def _new_fits(self, now: datetime) -> bool:
        if self.budget is None:
            return True
        reviews_time = self._average_answer() * len(self._reviews)
        return now - self._started + reviews_time + _NEW_CARD_ESTIMATE <= self.budget

    def _average_answer(self) -> timedelta:
        if not self.summary.answered:
            return timedelta(seconds=10)
        return timedelta(milliseconds=self.summary.time_ms / self.summary.answered)

    def _pick(self, now: datetime) -> tuple[QueueEntry, Source] | None:
        first = self._learning.first_due()
        if first is not None and first <= now:
            return self._learning.pop(), Source.LEARNING
        may_draw = not self._budget_spent(now) and (
            self._card_limit is None or self._drawn < self._card_limit
        )
        if may_draw and (self._reviews or self._new):
            take_new = (
                bool(self._new) and self._new_fits(now) and (not self._reviews or self._new_turn())
            )
            if take_new:
                self._drawn += 1
                entry = self._new.popleft()
                self._new_drawn.add(entry.card_id)
                return entry, Source.NEW
            if self._reviews:
                self._drawn += 1
                return self._reviews.popleft(), Source.REVIEW
        ahead = now + self.learn_ahead
        if first is not None and first <= ahead:
            return self._learning.pop(), Source.LEARNING
        return None

    def _new_turn(self) -> bool:
        # Spread new cards evenly among the reviews, as Anki's default "mix with reviews" does.
        if self.budget is not None:
            return False  # with a budget, due reviews come first
        total = len(self._new) + len(self._reviews)
        every = max(1, math.ceil(total / len(self._new)))
        return self._drawn % every == every - 1

    # -- showing and answering ---------------------------------------------------------------

    def next_card(self) -> Shown | None:
        """Put the next card on screen, or None when the session is over."""
        while True:
            now = self.clock()
            picked = self._pick(now)
            if picked is None:
                self.current = None
                return None
            entry, source = picked
            card = self._take_ready(entry.card_id) or self._path.load_card(entry.card_id)
            if (
                card is None
                or card.retired
                or card.suspended
                or (card.buried_until is not None and card.buried_until > now)
            ):
                continue  # changed since the queue was built (edited, another session)
            self.current = self._show(card, source, now)
            return self.current

    def _show(self, card: CardView, source: Source, now: datetime) -> Shown:
        return Shown(
            card=card, source=source, shown_at=now, outcomes=self._outcomes(card.memory, now)
        )

    def _require_current(self) -> Shown:
        if self.current is None:
            raise RuntimeError("no card is on screen")
        return self.current

    def answer(
        self, grade: int, duration_ms: int | None = None, *, accept: str | None = None
    ) -> Memory:
        """Grade the card on screen (1 Again, 2 Hard, 3 Good, 4 Easy) and commit it.

        Args:
            grade: the grade.
            duration_ms: time spent on the card; by default, since it was shown (capped).
            accept: a typed answer to accept as right for this card from now on (the
                student's own, kept with the answer; undo takes it back). See `acceptable`.

        Returns:
            The card's new state.
        """
        if grade not in GRADES:
            raise ValueError(f"grade must be 1, 2, 3 or 4, not {grade!r}")
        if accept is not None and not acceptable(accept):
            raise ValueError(f"cannot accept {accept!r}: see `acceptable`")
        shown = self._require_current()
        now = self.clock()
        if duration_ms is None:
            duration_ms = int((now - shown.shown_at).total_seconds() * 1000)
        duration_ms = max(0, min(duration_ms, MAX_ANSWER_MS))
        crossed = bool(self._outcomes.study_days(shown.shown_at, now))
        if crossed:
            # Shown before the rollover, answered after: the card's elapsed study days grew.
            after = self._outcomes(shown.card.memory, now)[grade]
        else:
            after = shifted(shown.outcomes[grade], now - shown.shown_at)

        def recompute(stored: Memory) -> Memory:
            # Another window answered the card since it was shown: the grade applies to what
            # is stored now, worked out as the screen would have, inside the answer's lock.
            if crossed:
                return self._outcomes(stored, now)[grade]
            return shifted(self._outcomes(stored, shown.shown_at)[grade], now - shown.shown_at)

        recorded = self._path.record_answer(
            shown.card, grade, now, duration_ms, after, self._day_end, accept, recompute
        )
        if recorded.after is not None and recorded.before is not None:
            after = recorded.after
            if recorded.before != shown.card.memory:  # undo puts back what was stored
                shown = shown._replace(card=shown.card._replace(memory=recorded.before))
        self._ready.pop(shown.card.card_id, None)
        dropped: tuple[tuple[Source, QueueEntry], ...] = ()
        if recorded.buried:
            dropped = self._drop({card_id for card_id, _ in recorded.buried})
            for card_id, _ in recorded.buried:
                self._ready.pop(card_id, None)
        self._undo.append(_Undo("answer", shown, recorded, duration_ms, grade, dropped))
        self._tally(shown, grade, duration_ms, +1)
        if (
            after.state in (LEARNING, RELEARNING)
            and after.due is not None
            and after.due < self._day_end
        ):
            self._learning.push(
                QueueEntry(shown.card.card_id, shown.card.note, shown.card.deck_id, after.due)
            )
        self.current = None
        return after

    def idle(self) -> None:
        """Work kept off the answer path, for the screens to call once a card is drawn and the
        student is reading it: checkpoint the write-ahead log every so many answers, take the
        half-hourly automatic backup when it is due, and read the cards that may come next."""
        self._path.checkpoint_if_due()
        backup_if_due(self.store.path)  # cheap: a dictionary lookup unless 30 minutes passed
        self._prefetch()

    def _prefetch(self) -> None:
        """Read the cards at the head of each queue, so the card after this one is on screen
        as soon as the student grades this one.

        Exact, not a guess about staleness: `data_version` changes whenever another connection
        (another process, or this one's own SQLAlchemy writes: undo, suspend, an edit) commits,
        and the rows are dropped then; this connection's own writes touch only the card
        answered and its buried siblings, which `answer` drops.
        """
        heads = [queue[0] for queue in (self._new, self._reviews) if queue]
        learning = self._learning.first()
        if learning is not None:
            heads.append(learning)
        on_screen = None if self.current is None else self.current.card.card_id
        wanted = [
            e.card_id for e in heads if e.card_id not in self._ready and e.card_id != on_screen
        ]
        if not wanted:
            return
        version = self._path.data_version()  # before reading: a later commit is then seen
        if version is None:
            return  # not SQLite: each card is read when it comes
        if version != self._ready_version:
            self._ready.clear()
            self._ready_version = version
        self._ready.update(self._path.load_cards(wanted))

    def _take_ready(self, card_id: int) -> CardView | None:
        card = self._ready.pop(card_id, None)
        if card is None:
            return None
        if self._path.data_version() != self._ready_version:
            self._ready.clear()  # something else was written since: read afresh
            return None
        return card

    def _tally(self, shown: Shown, grade: int, duration_ms: int, sign: int) -> None:
        if sign > 0:
            self.summary.answered_cards.append(shown.card.card_id)
        else:
            self.summary.answered_cards.remove(shown.card.card_id)
        self.summary.answered += sign
        self.summary.passed += sign if grade > 1 else 0
        self.summary.time_ms += sign * duration_ms
        if shown.card.memory.state == NEW:
            self.summary.new_learned += sign

    def _drop(self, card_ids: set[int]) -> tuple[tuple[Source, QueueEntry], ...]:
        """Take `card_ids` out of the new and review queues; what was taken, in queue order."""
        dropped = tuple(
            (source, entry)
            for source, queue in ((Source.NEW, self._new), (Source.REVIEW, self._reviews))
            for entry in queue
            if entry.card_id in card_ids
        )
        if dropped:
            self._new = deque(entry for entry in self._new if entry.card_id not in card_ids)
            self._reviews = deque(e for e in self._reviews if e.card_id not in card_ids)
        return dropped

    def suspend(self) -> None:
        """Suspend the card on screen: it leaves every queue until unsuspended. As in Anki, a
        card suspended is not a card studied: it gives its place back (see `_give_back`)."""
        shown = self._require_current()
        writes.set_suspended(self.store, [shown.card.card_id], True)
        self._undo.append(_Undo("suspend", shown, topped=self._give_back(shown)))
        self.current = None

    def bury(self) -> None:
        """Bury the card on screen until the next study day; it gives its place back, as a
        suspended card does."""
        shown = self._require_current()
        writes.set_buried(self.store, shown.card.card_id, self._day_end)
        self._undo.append(_Undo("bury", shown, topped=self._give_back(shown)))
        self.current = None

    def _give_back(self, shown: Shown) -> tuple[Source, QueueEntry] | None:
        """A new or review card put aside unanswered (suspended or buried) takes no place in
        the session's `--limit` or `--new`, nor in the day's allowance: the card today's queue
        brings in its stead, if any, joins the end of its queue. Returns what joined."""
        if shown.source is Source.LEARNING:
            return None
        self._drawn -= 1
        self._new_drawn.discard(shown.card.card_id)
        if self.ahead:
            return None
        today = self._gather(self.clock(), self._new_limit_left())
        queue = self._new if shown.source is Source.NEW else self._reviews
        queued = {entry.card_id for entry in (*self._new, *self._reviews)}
        held = {(entry.deck_id, entry.note) for entry in (*self._new, *self._reviews)}
        for entry in today.new if shown.source is Source.NEW else today.reviews:
            if entry.card_id in queued or entry.card_id in self._new_drawn:
                continue
            if (entry.deck_id, entry.note) in held:
                continue
            queue.append(entry)
            return shown.source, entry
        return None

    def _new_limit_left(self) -> int | None:
        """New cards the session's own `--new N` still allows, counting those on screen or
        shown; None without one."""
        if self._new_limit is None:
            return None
        return max(0, self._new_limit - len(self._new_drawn)) + len(self._new)

    def accepted(self, card_id: int) -> tuple[str, ...]:
        """The typed answers the student accepted as right for the card (see `answer`)."""
        return writes.accepted_answers(self.store, [card_id]).get(card_id, ())

    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> Shown | None:
        """Undo the last answer, suspension or burial and show that card again.

        Returns:
            The card back on screen, or None if there was nothing to undo.
        """
        if not self._undo:
            return None
        step = self._undo.pop()
        card = step.shown.card
        if self.current is not None:
            self._requeue(self.current)
        if step.action == "answer" and step.recorded is not None:
            writes.undo_answer(self.store, card.card_id, step.recorded, card.memory)
            self._learning.remove(card.card_id)
            self._tally(step.shown, step.grade, step.duration_ms, -1)
            # Siblings the answer buried are unburied; those it took out of this session's
            # queues go back (at the front); the others were never due in this session.
            for source, entry in reversed(step.dropped):
                (self._new if source is Source.NEW else self._reviews).appendleft(entry)
        else:
            if step.action == "suspend":
                writes.set_suspended(self.store, [card.card_id], False)
            else:
                writes.set_buried(self.store, card.card_id, card.buried_until)
            # The card takes its place again; the one that came in its stead goes.
            if step.shown.source is not Source.LEARNING:
                self._drawn += 1
                if step.shown.source is Source.NEW:
                    self._new_drawn.add(card.card_id)
            if step.topped is not None:
                source, entry = step.topped
                queue = self._new if source is Source.NEW else self._reviews
                if entry in queue:
                    queue.remove(entry)
        now = self.clock()
        fresh = self._path.load_card(card.card_id) or card
        self.current = self._show(fresh, step.shown.source, now)
        return self.current

    def _requeue(self, shown: Shown) -> None:
        entry = QueueEntry(
            shown.card.card_id, shown.card.note, shown.card.deck_id, shown.card.memory.due
        )
        if shown.source is Source.NEW:
            self._new.appendleft(entry)
            self._drawn -= 1
        elif shown.source is Source.REVIEW:
            self._reviews.appendleft(entry)
            self._drawn -= 1
        else:
            self._learning.push(entry)

    def reload_current(self) -> Shown | None:
        """Read the card on screen again (after its deck was edited); None if it is gone."""
        shown = self._require_current()
        card = self._path.load_card(shown.card.card_id)
        if card is None or card.retired:
            self.current = None
            return None
        self.current = self._show(card, shown.source, self.clock())
        return self.current

    def take_new_arrivals(self) -> int:
        """After this session's decks were re-imported (the edit key) and the card on screen
        read again: new cards that are not queued yet — a spreadsheet row whose question was
        edited comes back as one — join the front of the new queue, within today's allowance
        (the new card on screen counts). How many joined."""
        if self.ahead:
            return 0
        now = self.clock()
        _reviews, allowance = self._left_today(now)
        on_screen = self.current is not None and self.current.source is Source.NEW
        room = allowance - len(self._new) - on_screen
        if self._new_limit is not None:  # `--new N` holds for cards arriving mid-session too
            room = min(room, self._new_limit - len(self._new_drawn) - len(self._new))
        known = self._new_drawn.union(entry.card_id for entry in self._new)
        arrivals = [entry for entry in self._gather(now).new if entry.card_id not in known][
            : max(0, room)
        ]
        self._new.extendleft(reversed(arrivals))
        return len(arrivals)

    def close(self) -> None:
        """Release the session's connection."""
        self._path.close()

    def left_today(self) -> Counts:
        """What a plain review of this session's decks would still bring today, whatever the
        session's own bounds (a card limit, a new-card limit, minutes, reviewing ahead):
        learning steps due today, and reviews and new cards within the day's limits."""
        today = self._gather(self.clock())
        return Counts(new=len(today.new), learning=len(today.learning), review=len(today.reviews))

    @property
    def learn_ahead(self) -> timedelta:
        """How far ahead of its due time a learning step is shown (Anki's learn-ahead)."""
        return timedelta(minutes=self.limits.learn_ahead_minutes)

    def learning_due(self) -> datetime | None:
        """When the first of today's learning steps in this session's decks is due."""
        steps = self._gather(self.clock(), 0).learning
        return min((entry.due for entry in steps if entry.due is not None), default=None)

    def _left_today(self, now: datetime) -> tuple[int, int]:
        """What the daily limits still allow today: reviews, new cards."""
        done = done_today(self.store, day_start(now, self.limits.rollover_hour))
        return (
            max(0, self.limits.reviews_per_day - done.reviews),
            max(0, self.limits.new_per_day - done.new),
        )

    def new_waiting(self) -> bool:
        """Whether cards never seen are left in this session's decks (beyond today's allowance
        once the session's own new cards are done)."""
        return any_new(self._path.query, self.store.profile_id, self.clock(), self._scope)

    def suspended(self) -> int:
        """How many of this session's cards are suspended."""
        return queries.suspended_count(self.store, self.where)

    def next_due(self) -> datetime | None:
        """When the next card of this session's decks falls due, after now."""
        return queries.next_due(self.store, self.clock(), self.where)
