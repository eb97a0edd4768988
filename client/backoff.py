"""Reconnect delays: exponential backoff with full jitter (SPEC §10).

Full jitter (a uniform draw in ``[0, min(cap, base·2ⁿ)]``) spreads a whole
hub's reconnects over the window after a redeploy instead of synchronising
them into waves. Pure: the random source is passed in.
"""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    """Delays for attempt 0, 1, 2, …: ``rand() · min(cap, base · 2ⁿ)``."""

    def __init__(
        self,
        base: float = 0.5,
        cap: float = 30.0,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if base <= 0 or cap < base:
            raise ValueError("need 0 < base <= cap")
        self.base = base
        self.cap = cap
        self._rand = rand
        self.attempt = 0

    def ceiling(self) -> float:
        """The upper bound of the next delay."""
        # min() before the power would overflow for a long outage.
        return min(self.cap, self.base * 2.0 ** min(self.attempt, 62))

    def next(self) -> float:
        """The delay before the next attempt; grows the window for the one after."""
        delay = self._rand() * self.ceiling()
        self.attempt += 1
        return delay

    def reset(self) -> None:
        """After a stable connection: the next outage starts small again."""
        self.attempt = 0
