"""Daily limits and scheduler settings, with Anki's defaults."""

from __future__ import annotations

from dataclasses import dataclass

from stalindeck.scheduling.day import DEFAULT_ROLLOVER_HOUR


@dataclass(frozen=True, slots=True)
class Limits:
    """How much a study day holds.

    Attributes:
        new_per_day: new cards introduced per day.
        reviews_per_day: review cards answered per day.
        rollover_hour: local hour at which the study day starts.
        learn_ahead_minutes: learning cards due within this window are shown now.
    """

    new_per_day: int = 20
    reviews_per_day: int = 200
    rollover_hour: int = DEFAULT_ROLLOVER_HOUR
    learn_ahead_minutes: int = 20
