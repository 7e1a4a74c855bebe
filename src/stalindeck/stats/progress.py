"""The rows of `stalindeck export progress`: per deck, then per tag."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, tzinfo
from typing import Any

from stalindeck.scheduling.day import study_date
from stalindeck.scheduling.limits import Limits
from stalindeck.stats.days import window
from stalindeck.stats.figures import default_curve
from stalindeck.store import stats_queries as q
from stalindeck.store.open import Store
from stalindeck.store.stats_queries import Curve

RETENTION_DAYS = 30
COLUMNS = (
    "kind",
    "name",
    "cards",
    "seen",
    "mature",
    "avg_retrievability",
    "reviews",
    "retention_30d",
    "retention_answers_30d",
    "lapses",
)


def progress_rows(
    store: Store,
    now: datetime,
    limits: Limits | None = None,
    tz: tzinfo | None = None,
    curve: Curve | None = None,
) -> Iterator[dict[str, Any]]:
    """One row per deck, then one per tag (see docs/stats.md for the columns); retrievability
    follows `curve` (the default parameters' when None)."""
    hour = (limits or Limits()).rollover_hour
    today = study_date(now, hour, tz)
    first = today - timedelta(days=RETENTION_DAYS - 1)
    days = window(first, today, hour, tz)
    for row in q.progress(store, now, curve or default_curve(), days, first.toordinal()):
        yield {
            "kind": row.kind,
            "name": row.name,
            "cards": row.cards,
            "seen": row.seen,
            "mature": row.mature,
            "avg_retrievability": row.average_retrievability,
            "reviews": row.reviews,
            "retention_30d": (
                None if not row.retention_total else row.retention_passed / row.retention_total
            ),
            "retention_answers_30d": row.retention_total,
            "lapses": row.lapses,
        }
