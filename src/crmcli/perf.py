"""Small speed helpers shared by the bulk operations (dedupe, import)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while building many long-lived objects.

    Each full collection walks every object alive, and a scan of 1M customers allocates
    millions that all stay alive until it ends: the collector ran repeatedly over a growing
    heap and found nothing to free (dedupe of 100k customers: 18% of its CPU time). Reference
    counting still frees everything acyclic; collection resumes (and catches up) on exit.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
