"""Log lines a remote client can trigger at will are counted, not repeated.

A text frame that is not valid UTF-8 makes uvicorn fail the connection with
1007, as RFC 6455 demands, and log an ERROR with a traceback, each time: any
client could fill our log. This filter, on uvicorn's error logger, counts
those records (``prikbord_invalid_utf8_frames_total`` in ``/metrics``) and
lets one through, as a one-line WARNING without the traceback, at most once
per interval.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

#: The logger uvicorn's WebSocket protocols log to.
UVICORN_LOGGER = "uvicorn.error"
#: At most one line per interval however fast bad frames come.
LOG_EVERY_S = 60.0


def _is_invalid_utf8(record: logging.LogRecord) -> bool:
    exc = record.exc_info[1] if record.exc_info else None
    return isinstance(exc, UnicodeDecodeError) or "Invalid UTF-8" in str(record.msg)


class InvalidUtf8Filter(logging.Filter):
    """Counts invalid-UTF-8 records; passes one per ``every_s``, quietly."""

    def __init__(
        self, every_s: float = LOG_EVERY_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.count = 0
        self._every_s = every_s
        self._clock = clock
        self._last: float | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if not _is_invalid_utf8(record):
            return True
        self.count += 1
        now = self._clock()
        if self._last is not None and now - self._last < self._every_s:
            return False
        self._last = now
        record.msg = (
            "a client sent a text frame with invalid UTF-8 (closed with 1007); "
            "%d so far, logged at most every %d s"
        )
        record.args = (self.count, int(self._every_s))
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        record.levelno = logging.WARNING
        record.levelname = logging.getLevelName(logging.WARNING)
        return True

    def install(self) -> Callable[[], None]:
        """Attach to uvicorn's error logger; returns the detach function."""
        logger = logging.getLogger(UVICORN_LOGGER)
        logger.addFilter(self)
        return lambda: logger.removeFilter(self)
