"""The SQL behind `stats`, `class`, `cards`, `card` and the progress exports: every figure is an
aggregate computed by the database, never a Python loop over rows.

One module per family of figures: `common` (scopes, study days and retrievability in SQL),
`state` (today, card states, FSRS memory), `days` (forecast, calendar, true retention),
`topics` (per tag, recall on a day), `cards` (hardest cards, the browser, one card),
`progress` (per deck and tag) and `classes` (every profile of the store at once).
"""

from stalindeck.store.stats_queries.cards import (
    CARD_SORTS,
    CARD_STATES,
    CardRow,
    CardText,
    HistoryRow,
    card_by_id,
    card_history,
    card_text_and_last_review,
    find_cards,
    hardest,
    live_card_ids,
    resolve_idents,
)
from stalindeck.store.stats_queries.common import (
    DAY_MS,
    MATURE_DAYS,
    PASS_GRADE,
    Curve,
    DaySegments,
    Scope,
    retrievability,
    study_day,
)
from stalindeck.store.stats_queries.days import (
    Days,
    PassFail,
    forecast,
    retention_by_day,
    retention_total,
    reviews_per_day,
    study_day_start,
)
from stalindeck.store.stats_queries.progress import ProgressRow, progress
from stalindeck.store.stats_queries.state import (
    MemoryFigures,
    StateCounts,
    TodayRow,
    memory,
    state_counts,
    today,
)
from stalindeck.store.stats_queries.topics import TopicRow, deck_wide_tags, recall_at, topics

__all__ = [
    "CARD_SORTS",
    "CARD_STATES",
    "DAY_MS",
    "MATURE_DAYS",
    "PASS_GRADE",
    "CardRow",
    "CardText",
    "Curve",
    "DaySegments",
    "Days",
    "HistoryRow",
    "MemoryFigures",
    "PassFail",
    "ProgressRow",
    "Scope",
    "StateCounts",
    "TodayRow",
    "TopicRow",
    "card_by_id",
    "card_history",
    "card_text_and_last_review",
    "deck_wide_tags",
    "find_cards",
    "forecast",
    "hardest",
    "live_card_ids",
    "memory",
    "progress",
    "recall_at",
    "resolve_idents",
    "retention_by_day",
    "retention_total",
    "retrievability",
    "reviews_per_day",
    "state_counts",
    "study_day",
    "study_day_start",
    "today",
    "topics",
]
