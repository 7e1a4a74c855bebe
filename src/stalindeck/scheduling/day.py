"""The study day. Like Anki's, it starts at a fixed local hour (4 am by default), not at
midnight, so a late-night session still counts as the same day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

DEFAULT_ROLLOVER_HOUR = 4


def _at(day: date, hour: int, tz: tzinfo | None) -> datetime:
    naive = datetime.combine(day, time(hour))
    # A naive datetime's astimezone() reads it as the machine's local time, DST included.
    return naive.astimezone() if tz is None else naive.replace(tzinfo=tz)


def study_date(
    now: datetime, rollover_hour: int = DEFAULT_ROLLOVER_HOUR, tz: tzinfo | None = None
) -> date:
    """The calendar date of the study day containing `now` (None `tz`: the machine's zone)."""
    local = now.astimezone(tz)
    return local.date() - timedelta(days=1) if local.hour < rollover_hour else local.date()


def day_start(
    now: datetime, rollover_hour: int = DEFAULT_ROLLOVER_HOUR, tz: tzinfo | None = None
) -> datetime:
    """When the study day containing `now` began, in UTC."""
    return _at(study_date(now, rollover_hour, tz), rollover_hour, tz).astimezone(UTC)


def day_end(
    now: datetime, rollover_hour: int = DEFAULT_ROLLOVER_HOUR, tz: tzinfo | None = None
) -> datetime:
    """When the study day containing `now` ends (the next rollover), in UTC."""
    following = study_date(now, rollover_hour, tz) + timedelta(days=1)
    return _at(following, rollover_hour, tz).astimezone(UTC)
