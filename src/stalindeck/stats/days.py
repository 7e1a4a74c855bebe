"""Study days as the database sees them: the start of each day of a window, worked out here
with `scheduling.day` (DST included), so that SQL only compares and divides integers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from stalindeck.scheduling.day import day_start
from stalindeck.store.models import to_millis
from stalindeck.store.stats_queries import Days


def start_of(day: date, rollover_hour: int, tz: tzinfo | None = None) -> datetime:
    """When the study day of calendar date `day` begins, in UTC (None `tz`: the machine's
    zone, as everywhere else)."""
    noon = datetime.combine(day, time(12))
    noon = noon.astimezone() if tz is None else noon.replace(tzinfo=tz)
    return day_start(noon, rollover_hour, tz)


def window(first: date, last: date, rollover_hour: int, tz: tzinfo | None = None) -> Days:
    """The study days `first` to `last`, inclusive."""
    count = (last - first).days + 2  # every start, then the end of the last day
    starts = tuple(
        to_millis(start_of(first + timedelta(days=i), rollover_hour, tz)) for i in range(count)
    )
    return Days(first=first.toordinal(), starts=starts)
