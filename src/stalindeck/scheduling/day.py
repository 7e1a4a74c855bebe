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


def study_days_between(
    earlier: datetime,
    later: datetime,
    rollover_hour: int = DEFAULT_ROLLOVER_HOUR,
    tz: tzinfo | None = None,
) -> int:
    """How many study days `later` comes after `earlier`: the rollovers between them, as Anki
    counts a card's elapsed days (20:00 then 08:00 the next morning is 1; 05:00 then 23:00 the
    same day is 0, though 18 hours passed)."""
    return (study_date(later, rollover_hour, tz) - study_date(earlier, rollover_hour, tz)).days


class StudyDays:
    """The study day (as a day ordinal) of many moments given in epoch milliseconds, each
    quarter hour worked out once: every zone's offsets are whole quarter hours and the
    rollover comes on the hour, so a quarter hour never straddles a day boundary."""

    def __init__(self, rollover_hour: int = DEFAULT_ROLLOVER_HOUR, tz: tzinfo | None = None):
        self.rollover_hour = rollover_hour
        self.tz = tz
        self._by_quarter: dict[int, int] = {}

    def __call__(self, millis: int) -> int:
        quarter = millis // 900_000
        found = self._by_quarter.get(quarter)
        if found is None:
            moment = datetime.fromtimestamp(quarter * 900, UTC)
            found = study_date(moment, self.rollover_hour, self.tz).toordinal()
            self._by_quarter[quarter] = found
        return found
