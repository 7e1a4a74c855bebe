"""Every answered card's stability and difficulty worked out again, elapsed time in study days.

Before this revision the scheduler counted the time between two answers in whole 24-hour
periods (py-fsrs's rule): a card answered in the evening and again the next morning went
through FSRS's same-day formula and kept a stability far below what Anki gives. The scheduler
now counts study days, as Anki does and as FSRS's weights were fitted (docs/scheduling.md).
This replays each card's log under the new rule, with the profile's own weights and rollover
hour, exactly as a change of weights does (`stalindeck.scheduling.memory`). Due dates, states
and steps are kept: each card's next interval comes from its corrected memory. The store is
backed up before the upgrade, as before every upgrade.

There is nothing to undo on the way down: the old rule's values are not kept.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from stalindeck.scheduling.memory import recomputed
    from stalindeck.scheduling.settings import settings_from_rows
    from stalindeck.store.settings_store import review_log, stored_memory, write_memory

    connection = op.get_bind()
    profiles = [row[0] for row in connection.exec_driver_sql("SELECT id FROM profiles")]
    for profile_id in profiles:
        rows = connection.exec_driver_sql(
            f"SELECT key, value FROM settings WHERE profile_id = {profile_id:d}"
        )
        settings = settings_from_rows(
            {str(key): str(value) for key, value in rows},
            ("fsrs_parameters", "rollover_hour"),
        )
        stored = stored_memory(connection, profile_id)
        if not stored:
            continue
        changed = recomputed(
            review_log(connection, profile_id),
            stored,
            settings.fsrs_parameters,
            settings.rollover_hour,
        )
        write_memory(connection, profile_id, changed)


def downgrade() -> None:
    pass
