"""The cyclic garbage collector paused while many small objects are made at once.

Django-free. A bulk step (an evaluation's hundreds of thousands of results, a data value set's
rows, checks and audit events) makes objects by the hundred thousand that hold no cycles; the
collector would walk them again and again while they grow, for nothing: `paused()` turns it off for
the step and back on after (if it was on), without collecting. What is garbage is then freed by
reference counting as ever, and any cycle by the collector's next run.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0  # steps under way (threads of one process share the collector)
_was_on = False


@contextmanager
def paused() -> Iterator[None]:
    """The collector off within the block (and within any other thread's at the same time)."""
    global _depth, _was_on
    with _lock:
        if _depth == 0:
            _was_on = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_on:
                gc.enable()
