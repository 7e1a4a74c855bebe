"""Finding cards and one card's history: the core of `cards`, `card`, `suspend`,
`unsuspend` and `reset`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from stalindeck.errors import NotFoundError, StalindeckError
from stalindeck.store import stats_queries as q
from stalindeck.store.open import Store
from stalindeck.store.stats_queries import CardRow, Curve, HistoryRow, Scope

STATES = q.CARD_STATES
SORTS = q.CARD_SORTS


def check_scope(store: Store, scope: Scope) -> Scope:
    """`scope` with its decks and tags as the store spells them (see `names.match`: any case,
    a deck's title, a unique start).

    Raises:
        NotFoundError: a deck or tag names nothing (with the closest name), or several.
    """
    from stalindeck.names import deck_slugs, tag_names

    return Scope(decks=deck_slugs(store, scope.decks), tags=tag_names(store, scope.tags))


def find(
    store: Store,
    now: datetime,
    curve: Curve,
    *,
    scope: Scope | None = None,
    state: str | None = None,
    search: str | None = None,
    sort: str = "deck",
    limit: int | None = None,
) -> tuple[list[CardRow], int]:
    """Cards matching the filters (see `stats_queries.find_cards`) and how many match."""
    scope = scope or Scope()
    if state is not None and state not in STATES:
        raise StalindeckError(f"unknown state {state!r}; use one of {', '.join(STATES)}")
    if sort not in SORTS:
        raise StalindeckError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    if limit is not None and limit < 0:
        raise StalindeckError("--limit must be 0 (no limit) or more")
    scope = check_scope(store, scope)
    return q.find_cards(
        store, scope, now, curve, state=state, search=search, sort=sort, limit=limit or None
    )


def resolve(store: Store, idents: Sequence[str]) -> dict[str, int]:
    """Card ids for ``deck-slug/card-key`` identifiers (or what names one card, see
    `names.card_idents`); raises `NotFoundError` naming every unknown one (and nothing is
    changed by the caller)."""
    from stalindeck.names import card_idents

    known, retired, unknown = q.resolve_idents(store, idents)
    if unknown:
        spelled = card_idents(store, unknown)
        found, _retired, _unknown = q.resolve_idents(store, list(spelled.values()))
        known.update({given: found[ident] for given, ident in spelled.items()})
    if retired:
        names = ", ".join(repr(ident) for ident in retired)
        its, it = ("its", "it") if len(retired) == 1 else ("their", "them")
        raise NotFoundError(
            f"{names} left {its} deck file (the history is kept): put {it} back in the file and "
            f"import it again to use {it}"
        )
    return known


@dataclass(frozen=True, slots=True)
class CardDetail:
    """One card, its state, its full review history and what FSRS expects next.

    Attributes:
        card: the card and its current state.
        back: the back of the card.
        extra: what the card shows under its answer ("" for none).
        answer: what a typed answer is checked against (None: a reveal card).
        accept: the deck's other answers that count as right.
        yours: the typed answers the profile accepted as right on the review screen.
        history: every review, oldest first.
        below_target: when its retrievability falls below `target` (None if never reviewed).
        target: the desired retention.
        media: the media files its Anki note shows, with their sizes (None: not in the
            store).
    """

    card: CardRow
    back: str
    extra: str
    answer: str | None
    accept: tuple[str, ...]
    yours: tuple[str, ...]
    history: tuple[HistoryRow, ...]
    below_target: datetime | None
    target: float
    media: tuple[tuple[str, int | None], ...] = ()


def below_target(
    card: CardRow, last_review: datetime | None, curve: Curve, target: float
) -> datetime | None:
    """The moment after `last_review` at which retrievability falls to `target` (it counts
    the exact time since the last review, as Anki shows it)."""
    if last_review is None or not card.stability or card.stability <= 0:
        return None
    return last_review + timedelta(days=card.stability * curve.elapsed_ratio(target))


def detail(store: Store, ident: str, now: datetime, curve: Curve, target: float) -> CardDetail:
    """The card named `ident` (``deck-slug/card-key``) with its history."""
    # Imported here: `stats` does not need them (the answer path's modules, FSRS).
    from stalindeck.store.interop_queries import card_media
    from stalindeck.store.reviews import accepted_answers

    card_id = resolve(store, [ident])[ident]
    card = q.card_by_id(store, card_id, now, curve)
    if card is None:  # the profile has no state for it: cannot happen for a live card
        raise NotFoundError(f"no card {ident!r} for this profile")
    text = q.card_text_and_last_review(store, card_id)
    history = tuple(q.card_history(store, card_id))
    return CardDetail(
        card=card,
        back=text.back,
        extra=text.extra,
        answer=text.answer,
        accept=text.accept,
        yours=accepted_answers(store, [card_id]).get(card_id, ()),
        history=history,
        below_target=below_target(card, text.last_review, curve, target),
        target=target,
        media=tuple(card_media(store, card_id)),
    )
