"""Building many small objects at once without the cyclic garbage collector's passes.

CPython runs its cycle collector every few hundred new container objects, and each pass over
the older generations walks everything still alive: building 100,000 rows (tuples, lists of
tags, tallies) paid for about a third of `exam`'s time in collections that found nothing, as
none of these objects refers back to another. Reference counting still frees them.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector for the block (only the block: a long review session keeps
    it), then put it back as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# A command's start-up (see `pause_collector`). What `pause_collector` and `resume_collector`
# did, for `restore_collector` to undo.
_collector: dict[str, bool] = {}


def pause_collector() -> None:
    """Pause Python's cycle collector while the command starts.

    Starting a command imports typer, SQLAlchemy and Rich: some 300,000 objects that live until
    the process ends, and the collector walked them again and again as they were made (~40 ms
    of `stats`' 0.45 s, ~80 ms of `class`'s; its passes found nothing to free). The CLI's
    `open_for` resumes it once the store is open, so a long review session still has it.
    """
    if gc.isenabled():
        gc.disable()
        _collector["paused"] = True


def resume_collector() -> None:
    """End the start-up pause: the collector runs again, and what start-up made (it lives
    until exit) is kept out of its passes. Nothing if `pause_collector` did not pause it."""
    if _collector.pop("paused", False):
        gc.freeze()
        _collector["frozen"] = True
        gc.enable()


def restore_collector() -> None:
    """The collector as it was before `pause_collector`: for a command that opened no store,
    and for a caller that goes on in the same process (a test)."""
    if _collector.pop("frozen", False):
        gc.unfreeze()
    if _collector.pop("paused", False):
        gc.enable()
