"""Progress of long computations, reported to one listener (the Python API's progress bars).

The numerical code calls `expect(total)` before a long loop and `advance()` as it goes; both do
nothing unless a listener is set (`listening`), so workflow jobs, which never set one, log
nothing and pay one global lookup per step. Threads of a computation report to the same
listener.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: (event, value): ("total", steps expected) or ("advance", steps done); None: nobody listens.
Listener = Callable[[str, int], None]
_LISTENER: Listener | None = None
_LOCK = threading.Lock()


def expect(total: int) -> None:
    """Announce a loop of `total` steps (the listener's bar gets that many more)."""
    listener = _LISTENER
    if listener is not None:
        with _LOCK:
            listener("total", int(total))


def advance(steps: int = 1) -> None:
    """Report `steps` more steps done."""
    listener = _LISTENER
    if listener is not None:
        with _LOCK:
            listener("advance", int(steps))


@contextmanager
def listening(listener: Listener | None) -> Iterator[None]:
    """Send the progress of the computations inside the block to `listener` (None: nobody)."""
    global _LISTENER
    before = _LISTENER
    _LISTENER = listener
    try:
        yield
    finally:
        _LISTENER = before
