"""Per-profile settings, Anki's deck options for one profile: daily limits, the start of the
study day, FSRS's desired retention, steps, maximum interval and parameters, the exam date.

Each setting is stored as JSON text in the `settings` table. Reading never fails: a value that
is missing, unknown or garbled (edited by hand, written by a newer version) reads as its
default. Writing always validates, with a one-line error naming the key, what is allowed and
an example.

This module is imported by `status`, which must start without SQLAlchemy or fsrs: both are
imported inside the functions that need them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from stalindeck.errors import StalindeckError
from stalindeck.scheduling.day import DEFAULT_ROLLOVER_HOUR
from stalindeck.scheduling.limits import Limits

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from stalindeck.scheduling.fsrs_bridge import SchedulerSettings
    from stalindeck.store.open import Store

PARAMETER_COUNT = 21  # FSRS-6
LIMIT_KEYS = ("new_per_day", "reviews_per_day", "rollover_hour")
RETENTION_CAUTION = 0.97
MAX_STEPS = 20


class SettingError(StalindeckError):
    """A setting name or value given by the user is not valid; nothing was changed."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The settings of one profile, typed, with Anki's defaults.

    Attributes:
        new_per_day: new cards introduced per study day.
        reviews_per_day: review cards answered per study day.
        rollover_hour: the local hour at which the study day starts.
        desired_retention: the chance of recall FSRS schedules each review for.
        learning_steps: the short steps of a new card before it graduates.
        relearning_steps: the short steps of a forgotten card before it returns to review.
        maximum_interval: the longest interval, in days.
        exam_date: the day of an exam to plan for, if any (read by the exam planner).
        fsrs_parameters: the 21 FSRS-6 weights, or None for FSRS's defaults.
    """

    new_per_day: int = 20
    reviews_per_day: int = 200
    rollover_hour: int = DEFAULT_ROLLOVER_HOUR
    desired_retention: float = 0.9
    learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10))
    relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),)
    maximum_interval: int = 36500
    exam_date: date | None = None
    fsrs_parameters: tuple[float, ...] | None = None

    def limits(self) -> Limits:
        """The daily limits these settings set."""
        return Limits(
            new_per_day=self.new_per_day,
            reviews_per_day=self.reviews_per_day,
            rollover_hour=self.rollover_hour,
        )

    def scheduler(self, *, enable_fuzzing: bool = True) -> SchedulerSettings:
        """The FSRS scheduler settings these settings set."""
        from stalindeck.scheduling.fsrs_bridge import SchedulerSettings

        return SchedulerSettings(
            desired_retention=self.desired_retention,
            learning_steps=self.learning_steps,
            relearning_steps=self.relearning_steps,
            maximum_interval=self.maximum_interval,
            enable_fuzzing=enable_fuzzing,
            parameters=self.fsrs_parameters,
        )


DEFAULTS = Settings()


@dataclass(frozen=True, slots=True)
class Spec:
    """How one setting is described, parsed from the command line, stored and shown.

    Attributes:
        key: the name (a field of `Settings`).
        meaning: one line saying what it does.
        allowed: what values are allowed, as a phrase ("a whole number from 0 to 9999").
        example: a valid value, as typed on the command line.
        parse: user text → value; raises ValueError with the reason (or an empty message).
        decode: a stored JSON value → value; raises ValueError or TypeError when garbled.
        encode: value → JSON value.
        show: value → text for people.
    """

    key: str
    meaning: str
    allowed: str
    example: str
    parse: Callable[[str], Any]
    decode: Callable[[Any], Any]
    encode: Callable[[Any], Any]
    show: Callable[[Any], str]

    @property
    def default(self) -> Any:
        return getattr(DEFAULTS, self.key)


# -- whole numbers and fractions ---------------------------------------------------------------


def _whole(low: int, high: int) -> tuple[Callable[[str], int], Callable[[Any], int]]:
    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError("")
        return value

    def parse(text: str) -> int:
        if not re.fullmatch(r"[+-]?\d+", text.strip()):
            raise ValueError("")
        return check(int(text))

    def decode(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(value)
        return check(value)

    return parse, decode


def _check_retention(value: float) -> float:
    if not (math.isfinite(value) and 0.70 <= value <= 0.99):
        raise ValueError("")
    return value


def _parse_retention(text: str) -> float:
    text = text.strip()
    percent = text.endswith("%")
    try:
        value = float(text.removesuffix("%"))
    except ValueError:
        raise ValueError("") from None
    value = round(value / 100, 6) if percent else value
    if math.isfinite(value) and round(value, 2) != value:
        raise ValueError("two decimals at most, as Anki takes it (e.g. 0.95)")
    return _check_retention(value)


def _decode_retention(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(value)
    return _check_retention(float(value))


# -- steps -------------------------------------------------------------------------------------

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_STEP = re.compile(r"(\d+(?:\.\d+)?)([smhd]?)")
_NONE_WORDS = ("none", "-")


def _parse_steps(text: str) -> tuple[timedelta, ...]:
    words = text.replace(",", " ").split()
    if not words:  # an unset variable in a script, say: no steps must be asked for by name
        raise ValueError("no steps given: write none for no steps")
    if " ".join(words).lower() in _NONE_WORDS:
        return ()
    if len(words) > MAX_STEPS:
        raise ValueError(f"at most {MAX_STEPS} steps")
    steps = []
    for word in words:
        found = _STEP.fullmatch(word.lower())
        if found is None:
            raise ValueError(f"{word!r} is not a duration")
        seconds = float(found.group(1)) * _UNITS[found.group(2) or "m"]  # bare numbers: minutes
        if seconds != int(seconds):
            raise ValueError(f"{word!r} is not a whole number of seconds")
        if not 1 <= seconds <= 30 * 86400:
            raise ValueError(f"{word!r} is outside 1s to 30d")
        steps.append(timedelta(seconds=int(seconds)))
    return tuple(steps)


def _show_steps(steps: tuple[timedelta, ...]) -> str:
    def one(step: timedelta) -> str:
        seconds = int(step.total_seconds())
        for unit in ("d", "h", "m"):
            if seconds % _UNITS[unit] == 0:
                return f"{seconds // _UNITS[unit]}{unit}"
        return f"{seconds}s"

    return " ".join(one(step) for step in steps) if steps else "none"


def _decode_steps(value: Any) -> tuple[timedelta, ...]:
    if not isinstance(value, str):
        raise TypeError(value)
    return _parse_steps(value)


# -- the exam date -----------------------------------------------------------------------------


def _parse_date(text: str) -> date | None:
    text = text.strip()
    if text.lower() in _NONE_WORDS:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError("")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text} is not a day of the calendar") from None


def _decode_date(value: Any) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(value)
    return _parse_date(value)


# -- FSRS parameters ---------------------------------------------------------------------------


def parameter_bounds() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The lowest and highest value of each FSRS-6 weight that the scheduler accepts."""
    from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

    return tuple(LOWER_BOUNDS_PARAMETERS), tuple(UPPER_BOUNDS_PARAMETERS)


def check_parameters(values: tuple[float, ...]) -> tuple[float, ...]:
    """`values` if they are 21 finite FSRS-6 weights within bounds; ValueError says why not."""
    if len(values) != PARAMETER_COUNT:
        raise ValueError(f"{len(values)} numbers given, FSRS-6 has {PARAMETER_COUNT}")
    lows, highs = parameter_bounds()
    for index, (value, low, high) in enumerate(zip(values, lows, highs, strict=True)):
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError(f"w{index} = {value:g} is outside {low:g} to {high:g}")
    return values


def _parse_parameters(text: str) -> tuple[float, ...] | None:
    words = text.replace(",", " ").replace("[", " ").replace("]", " ").split()
    if " ".join(words).lower() in (*_NONE_WORDS, "default"):
        return None
    try:
        values = tuple(float(word) for word in words)
    except ValueError:
        raise ValueError("not a list of numbers") from None
    return check_parameters(values)


def _decode_parameters(value: Any) -> tuple[float, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(item, int | float) and not isinstance(item, bool) for item in value
    ):
        raise TypeError(value)
    return check_parameters(tuple(float(item) for item in value))


def show_parameters(values: tuple[float, ...] | None) -> str:
    """The weights as Anki shows them (4 decimals, comma-separated), or "default"."""
    return "default" if values is None else ", ".join(f"{value:.4f}" for value in values)


def _same(value: Any) -> Any:
    return value


def _spec_whole(key: str, low: int, high: int, meaning: str, example: str) -> Spec:
    parse, decode = _whole(low, high)
    return Spec(
        key, meaning, f"a whole number from {low} to {high}", example, parse, decode, _same, str
    )


SPECS: dict[str, Spec] = {
    spec.key: spec
    for spec in (
        _spec_whole("new_per_day", 0, 9999, "New cards introduced per study day.", "20"),
        _spec_whole("reviews_per_day", 0, 99999, "Review cards answered per study day.", "200"),
        _spec_whole("rollover_hour", 0, 23, "Local hour at which the day starts.", "4"),
        Spec(
            "desired_retention",
            "Chance of recall FSRS aims for.",
            "a number from 0.70 to 0.99",
            "0.9",
            _parse_retention,
            _decode_retention,
            _same,
            lambda value: f"{value:.2f}",
        ),
        Spec(
            "learning_steps",
            "Steps of a new card.",
            "durations like 30s 10m 1h 1d separated by spaces (or none)",
            '"1m 10m"',
            _parse_steps,
            _decode_steps,
            _show_steps,
            _show_steps,
        ),
        Spec(
            "relearning_steps",
            "Steps of a forgotten card.",
            "durations like 30s 10m 1h 1d separated by spaces (or none)",
            "10m",
            _parse_steps,
            _decode_steps,
            _show_steps,
            _show_steps,
        ),
        _spec_whole("maximum_interval", 1, 36500, "Longest interval, in days.", "36500"),
        Spec(
            "exam_date",
            "Day of an exam to plan for, or none.",
            "a date as YYYY-MM-DD, or none",
            "2027-06-15",
            _parse_date,
            _decode_date,
            lambda value: None if value is None else value.isoformat(),
            lambda value: "none" if value is None else value.isoformat(),
        ),
        Spec(
            "fsrs_parameters",
            "FSRS-6 weights; `optimize` fits them.",
            f"{PARAMETER_COUNT} numbers within FSRS-6's bounds, comma-separated as Anki "
            "shows them, or default",
            "default",
            _parse_parameters,
            _decode_parameters,
            lambda value: None if value is None else list(value),
            show_parameters,
        ),
    )
}
assert set(SPECS) == {field.name for field in fields(Settings)}


def spec_for(key: str) -> Spec:
    """The setting named `key`; SettingError (with a suggestion) when there is none."""
    found = SPECS.get(key.strip().lower().replace("-", "_"))
    if found is not None:
        return found
    import difflib

    close = difflib.get_close_matches(key.lower().replace("-", "_"), SPECS, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    raise SettingError(f"no setting named {key!r}; {hint}`stalindeck settings` lists them all")


def parse_value(spec: Spec, text: str) -> Any:
    """`text` as a value of `spec`; SettingError naming the key, what is allowed, an example."""
    try:
        return spec.parse(text)
    except ValueError as error:
        if text.strip().lower() in ("default", "reset"):
            raise SettingError(
                f"to put {spec.key} back to its default, use `stalindeck settings {spec.key} "
                "--reset`; nothing was changed"
            ) from None
        reason = f" ({error})" if str(error) else ""
        raise SettingError(
            f"{spec.key} cannot be {text!r}{reason}: it must be {spec.allowed}, "
            f"e.g. `stalindeck settings {spec.key} {spec.example}`; nothing was changed"
        ) from None


def caution(spec: Spec, value: Any) -> str | None:
    """A warning about a valid but risky value, as Anki gives, or None."""
    if spec.key == "desired_retention" and value > RETENTION_CAUTION:
        return (
            f"a desired retention above {RETENTION_CAUTION} makes the number of reviews "
            "grow steeply for little gain"
        )
    return None


def settings_from_rows(rows: Mapping[str, str], keys: Collection[str] | None = None) -> Settings:
    """Typed settings from stored key → JSON text; anything missing or garbled reads as the
    default. `keys` limits which are read (the rest stay default)."""
    values: dict[str, Any] = {}
    for key, spec in SPECS.items():
        raw = rows.get(key)
        if raw is None or (keys is not None and key not in keys):
            continue
        try:
            values[key] = spec.decode(json.loads(raw))
        except (ValueError, TypeError, RecursionError):
            continue  # garbled: the default serves, and `settings` shows it is in use
    return replace(DEFAULTS, **values)


def limits_from_rows(rows: Mapping[str, str]) -> Limits:
    """The daily limits from stored settings, without importing fsrs (for `status`)."""
    return settings_from_rows(rows, LIMIT_KEYS).limits()


def load_settings(store: Store) -> Settings:
    """The settings of the store's profile."""
    from stalindeck.store.settings_store import read_settings

    return settings_from_rows(read_settings(store))


@dataclass(frozen=True, slots=True)
class Overview:
    """The settings, and where each comes from.

    Attributes:
        settings: the values in force.
        own: keys with a valid value of the profile's own.
        garbled: keys with a stored value that cannot be read (the default is in force).
    """

    settings: Settings
    own: frozenset[str]
    garbled: frozenset[str]


def load_overview(store: Store) -> Overview:
    """The settings of the store's profile, with which are its own and which are garbled."""
    from stalindeck.store.settings_store import read_settings

    rows = read_settings(store)
    stored = {key for key in SPECS if key in rows}
    good = {key for key in stored if _decodes(SPECS[key], rows[key])}
    return Overview(settings_from_rows(rows), frozenset(good), frozenset(stored - good))


def _decodes(spec: Spec, raw: str) -> bool:
    try:
        spec.decode(json.loads(raw))
    except (ValueError, TypeError, RecursionError):
        return False
    return True


def save_value(store: Store, spec: Spec, value: Any) -> int:
    """Store a value already checked by `parse_value` (or built by stalindeck itself).

    New FSRS weights recompute, in the same transaction, the memory state of every card the
    profile has answered (`scheduling.memory`). Returns how many cards' memory changed (0 for
    any other setting).
    """
    from stalindeck.store.settings_store import write_setting

    refresh = _MemoryRefresh(store, value) if spec.key == _WEIGHTS else None
    write_setting(store, spec.key, json.dumps(spec.encode(value)), refresh)
    return 0 if refresh is None else refresh.changed


def set_setting(store: Store, key: str, text: str) -> Any:
    """Validate and store `text` for `key`; returns the value. SettingError changes nothing."""
    spec = spec_for(key)
    value = parse_value(spec, text)
    save_value(store, spec, value)
    return value


def reset_setting(store: Store, key: str) -> int | None:
    """Put `key` back to its default; None if it was at its default already, else how many
    cards' memory changed (FSRS's default weights recompute it, as in `save_value`)."""
    from stalindeck.store.settings_store import delete_setting

    key = spec_for(key).key
    refresh = _MemoryRefresh(store, SPECS[key].default) if key == _WEIGHTS else None
    if not delete_setting(store, key, refresh):
        return None
    return 0 if refresh is None else refresh.changed


_WEIGHTS = "fsrs_parameters"


def memory_note(changed: int) -> str:
    """What a change of FSRS weights did to the cards, in a line."""
    if not changed:
        return "No card's memory state changed."
    from stalindeck.words import plural

    return (
        f"The memory state (stability, difficulty) of {plural(changed, 'card')} was worked "
        "out again from their reviews; due dates are kept."
    )


class _MemoryRefresh:
    """Recomputes the profile's memory states under `weights` inside the transaction that
    stores them; `changed` is then how many cards' memory changed."""

    def __init__(self, store: Store, weights: tuple[float, ...] | None) -> None:
        self.profile_id = store.profile_id
        self.weights = weights
        self.rollover_hour = load_settings(store).rollover_hour  # elapsed time in study days
        self.changed = 0

    def __call__(self, connection: Connection) -> None:
        from stalindeck.scheduling.memory import recomputed
        from stalindeck.store.settings_store import review_log, stored_memory, write_memory

        log, stored = (
            review_log(connection, self.profile_id),
            stored_memory(connection, self.profile_id),
        )
        changed = recomputed(log, stored, self.weights, self.rollover_hour)
        write_memory(connection, self.profile_id, changed)
        self.changed = len(changed)
