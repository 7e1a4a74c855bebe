"""Names as a student types them: deck slugs and titles, tags, card ids, accepted answers.

A name is taken when it matches exactly, then in any case, then as the start of exactly one
name; anything else is refused with the closest names ("did you mean …"), so a slip is told
instead of looking like a day with nothing to do. Pure: the store hands in what exists.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stalindeck.errors import NotFoundError
from stalindeck.store.values import parent_decks

if TYPE_CHECKING:
    from stalindeck.store.open import Store


@dataclass(frozen=True, slots=True)
class Named:
    """Something that can be named: its canonical value and the spellings that reach it."""

    value: str
    spellings: tuple[str, ...]


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(repr(value) for value in values)


def suggestion(given: str, spellings: Iterable[str]) -> str | None:
    """The closest of `spellings` to `given` (any case), or None when none is close: close as
    a whole (difflib's ratio of 0.6 or more), or its start close to `given` ("krushchev" for
    "khrushchev-destalinisation", ratio 0.8 or more)."""
    folded = _fold(given)
    best: tuple[float, str] | None = None
    for spelling in spellings:
        other = _fold(spelling)
        whole = difflib.SequenceMatcher(None, folded, other).ratio()
        start = difflib.SequenceMatcher(None, folded, other[: len(folded) + 1]).ratio()
        score = max(whole if whole >= 0.6 else 0.0, start if start >= 0.8 else 0.0)
        if score and (best is None or score > best[0]):
            best = (score, spelling)
    return None if best is None else best[1]


def match(given: str, choices: Sequence[Named], what: str) -> str | None:
    """The value of the one choice `given` names, or None when it names none.

    Tried in turn: an exact spelling, a spelling in any case (and spacing), the start of the
    spellings of exactly one choice.

    Raises:
        NotFoundError: `given` names several choices (`what` says of what kind, "deck").
    """
    for exact in (
        [c for c in choices if given in c.spellings],
        [c for c in choices if _fold(given) in map(_fold, c.spellings)],
    ):
        values = list(dict.fromkeys(c.value for c in exact))
        if len(values) == 1:
            return values[0]
        if values:
            raise NotFoundError(
                f"{given!r} names several {what}s ({_quoted(values)}); give one of them exactly"
            )
    folded = _fold(given)
    starting = list(
        dict.fromkeys(
            c.value for c in choices if any(_fold(s).startswith(folded) for s in c.spellings)
        )
    )
    if len(starting) == 1 and folded:
        return starting[0]
    if starting and folded:
        shown = _quoted(starting[:5]) + (", …" if len(starting) > 5 else "")
        raise NotFoundError(
            f"{given!r} is the start of several {what}s ({shown}); type more of the name"
        )
    return None


def did_you_mean(missing: Sequence[str], choices: Sequence[Named]) -> str:
    """``did you mean 'x'? `` for the first of `missing` close to a spelling, else ""."""
    spellings = [s for c in choices for s in c.spellings]
    for given in missing:
        close = suggestion(given, spellings)
        if close is not None:
            return f"did you mean {close!r}? "
    return ""


def pick_all(
    given: Sequence[str], choices: Sequence[Named], what: str, missing: str
) -> tuple[str, ...]:
    """The value each of `given` names (`match`), in order and without repeats.

    Raises:
        NotFoundError: some name nothing: `missing` is the message, with ``{names}`` (the
            names, quoted) and ``{hint}`` (``did you mean …? `` or "") filled in.
    """
    found = {one: match(one, choices, what) for one in given}
    unknown = [one for one, value in found.items() if value is None]
    if unknown:
        raise NotFoundError(
            missing.format(
                names=" or ".join(map(repr, unknown)), hint=did_you_mean(unknown, choices)
            )
        )
    return tuple(dict.fromkeys(value for value in found.values() if value is not None))


def same_answer(given: str, answers: Sequence[str]) -> str | None:
    """The one of `answers` that `given` spells, in any case and spacing (exact first)."""
    if given in answers:
        return given
    return next((one for one in answers if _fold(one) == _fold(given)), None)


def deck_slugs(store: Store, given: Sequence[str]) -> tuple[str, ...]:
    """The slugs of the decks in use that `given` name (slug or title, see `match`); a parent
    in Anki's tree that is no deck of its own stays its name.

    Raises:
        NotFoundError: a name matches no deck, or several.
    """
    if not given:
        return ()
    from stalindeck.store.queue import deck_spellings

    return deck_slugs_among(deck_spellings(store), given)


def deck_slugs_among(decks: Sequence[tuple[str, str]], given: Sequence[str]) -> tuple[str, ...]:
    """`deck_slugs` among `decks`, the slug and name of each deck in use.

    Raises:
        NotFoundError: a name matches no deck, or several.
    """
    if not given:
        return ()
    choices = [Named(slug, (slug, name)) for slug, name in decks]
    # Anki's tree: `History` names the parent of `History::Russia` even when no deck is called
    # that; the name chooses the subdecks (`deck_tree.in_decks`).
    own = {name for _slug, name in decks} | {slug for slug, _name in decks}
    parents = {parent for _slug, name in decks for parent in parent_decks(name)}
    choices += [Named(parent, (parent,)) for parent in sorted(parents - own)]
    return pick_all(
        given, choices, "deck", "no deck named {names}; {hint}`stalindeck decks` lists them"
    )


def tag_names(store: Store, given: Sequence[str]) -> tuple[str, ...]:
    """The tags of cards in use that `given` name (see `match`).

    Raises:
        NotFoundError: a tag matches no card's, or several.
    """
    if not given:
        return ()
    from stalindeck.store.queue import tags_in_use

    return tag_names_among(tags_in_use(store), given)


def tag_names_among(tags: Sequence[str], given: Sequence[str]) -> tuple[str, ...]:
    """`tag_names` among `tags`, those of the cards in use.

    Raises:
        NotFoundError: a tag matches no card's, or several.
    """
    if not given:
        return ()
    choices = [Named(tag, (tag,)) for tag in tags]
    return pick_all(
        given,
        choices,
        "tag",
        "no card is tagged {names}; {hint}the topics are the tags `stalindeck stats` lists",
    )


def card_idents(store: Store, given: Sequence[str]) -> dict[str, str]:
    """For each of `given` (names that are no card id as they stand), the id of the card in
    use it names: in any case, the key without its deck when unique, or the start of one
    card's key or id.

    Raises:
        NotFoundError: a name matches no card in use, or several.
    """
    from stalindeck.store.stats_queries import live_card_ids

    if not given:
        return {}
    live = live_card_ids(store)
    choices = [Named(f"{slug}/{key}", (f"{slug}/{key}", key)) for slug, key in live]
    found: dict[str, str] = {}
    unknown: list[str] = []
    for one in given:
        value = match(one, choices, "card")
        if value is None:
            unknown.append(one)
        else:
            found[one] = value
    if unknown:
        hint = did_you_mean(unknown, choices)
        raise NotFoundError(
            f"no card {' or '.join(map(repr, unknown))}; {hint}a card id is deck-slug/card-key "
            "(or the card-key alone), as `stalindeck cards` shows"
        )
    return found
