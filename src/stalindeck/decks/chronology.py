"""Chronology cards: events shown shuffled, to be put in order.

A deck entry gives the events in their true order (``order = [...]``). The card's front is a
prompt and the events under letters, shuffled; its back is the events numbered in order; its
answer is the letters in order ("C A D B"). The shuffle is worked out from the entry's id and
events, so the same entry always makes the same card (an import that changes nothing edits
nothing) and the stored card can be turned back into the entry (`entry_of`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

DEFAULT_PROMPT = "Put these events in order, earliest first:"
MIN_EVENTS = 2
# Letters A-I and the numbers 1-9 each name one event, so "CADB" and "3142" need no spaces.
MAX_EVENTS = 9
LETTERS = "ABCDEFGHI"
_NUMBERED = re.compile(r"(?P<number>[1-9])\. (?P<event>.+)")
_LETTERED = re.compile(r"(?P<letter>[A-I])\. (?P<event>.+)")


def event_problems(events: object) -> list[str]:
    """Why `events` is no list of events for a chronology card; empty if it is one."""
    if not isinstance(events, list) or not all(isinstance(event, str) for event in events):
        return ["'order' must be a list of strings, the events in the order they happened"]
    problems = []
    if not MIN_EVENTS <= len(events) <= MAX_EVENTS:
        problems.append(
            f"'order' has {len(events)} events; give {MIN_EVENTS} to {MAX_EVENTS} "
            "(split a longer sequence into overlapping cards)"
        )
    stripped = [event.strip() for event in events]
    if any(not event for event in stripped):
        problems.append("'order' has an empty event")
    if any("\n" in event or "\r" in event for event in stripped):
        problems.append("an event in 'order' has a line break: write each on one line")
    repeated = sorted({event for event in stripped if event and stripped.count(event) > 1})
    if repeated:
        problems.append(f"'order' lists {repeated[0]!r} twice")
    return problems


def shuffle(note: str, events: Sequence[str]) -> list[int]:
    """The order the events are shown in, as indexes into `events`: never their true order."""

    def rank(index: int) -> str:
        return hashlib.sha256(f"{note}\n{events[index]}".encode()).hexdigest()

    shown = sorted(range(len(events)), key=rank)
    return shown[::-1] if shown == sorted(shown) else shown


def card_sides(note: str, events: Sequence[str], prompt: str) -> tuple[str, str, str]:
    """The front, back and answer of the chronology card for `events` (in true order)."""
    shown = shuffle(note, events)
    front = "\n".join([prompt, *(f"{LETTERS[i]}. {events[e]}" for i, e in enumerate(shown))])
    back = "\n".join(f"{n}. {event}" for n, event in enumerate(events, start=1))
    letter_of = {event: LETTERS[i] for i, event in enumerate(shown)}
    answer = " ".join(letter_of[e] for e in range(len(events)))
    return front, back, answer


def entry_of(front: str, back: str) -> tuple[str, list[str]] | None:
    """The prompt and the events in order of a stored chronology card; None if its sides are
    not a chronology card's."""
    prompt, _, listed = front.partition("\n")
    events = []
    for number, line in enumerate(back.split("\n"), start=1):
        found = _NUMBERED.fullmatch(line)
        if found is None or int(found.group("number")) != number:
            return None
        events.append(found.group("event"))
    shown = [_LETTERED.fullmatch(line) for line in listed.split("\n")]
    if not all(shown) or sorted(m.group("event") for m in shown if m) != sorted(events):
        return None
    return prompt, events
