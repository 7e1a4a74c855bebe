"""Time: one place that says what "now" is, so tests and sessions can fix it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, UTC-aware."""
    return datetime.now(UTC)


def ensure_utc(moment: datetime) -> datetime:
    """Return `moment` as UTC-aware; naive datetimes are taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
