"""Short, human forms of counts, intervals and times (these as Anki shows them on its buttons)."""

from __future__ import annotations

from datetime import datetime, timedelta


def interval(span: timedelta) -> str:
    """``45s``, ``10m``, ``3h``, ``12d``, ``2.5mo``, ``1.2y``."""
    seconds = max(0.0, span.total_seconds())
    if seconds < 59.5:
        return f"{round(seconds)}s"
    minutes = seconds / 60
    if minutes < 59.5:
        return f"{round(minutes)}m"
    hours = minutes / 60
    if hours < 23.5:
        return f"{round(hours)}h"
    days = hours / 24
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo".replace(".0mo", "mo")
    return f"{days / 365:.1f}y".replace(".0y", "y")


def duration(milliseconds: int) -> str:
    """``42s``, ``3m 05s``, ``1h 02m``."""
    seconds = round(milliseconds / 1000)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def when(moment: datetime, now: datetime) -> str:
    """When `moment` is, relative to `now` and in local time: ``in 9m (14:32)``."""
    local = moment.astimezone()
    same_day = local.date() == now.astimezone().date()
    clock = local.strftime("%H:%M") if same_day else local.strftime("%a %d %b %H:%M")
    return f"in {interval(moment - now)} ({clock})"


def local_time(moment: datetime) -> str:
    """A moment in local time to the minute: ``2026-03-02 14:32``."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
