"""The server's clock as a client estimates it, and the board timer on it.

A board's timer runs on server time (SPEC §5, *Timer*): ``timer_ends_at`` is
a server timestamp, so every device counts down to the same moment whatever
its own clock says. A client keeps an offset from its monotonic clock to the
server's: each ``welcome.now`` and ``pong.now`` is one sample, taken as the
server time at the midpoint of the round trip that carried it (hello →
welcome, ping → pong), so its error is at most half that round trip. The
sample with the shortest round trip among the recent ones wins.

Pure: local times are passed in (monotonic milliseconds), so it is tested
without sleeping.
"""

from __future__ import annotations

from collections import deque
from typing import Literal, NamedTuple

from protocol.model import Session

#: Samples kept per connection: the best of the last few pongs, so one slow
#: round trip does not move the clock, yet a drifting clock is followed.
CLOCK_SAMPLES = 8


class _Sample(NamedTuple):
    round_trip_ms: float
    offset_ms: float


class ServerClock:
    """Offset from a local monotonic clock to the server's wall clock (ms)."""

    def __init__(self) -> None:
        self._samples: deque[_Sample] = deque(maxlen=CLOCK_SAMPLES)

    @property
    def known(self) -> bool:
        """True once a welcome or pong said the server's time."""
        return bool(self._samples)

    @property
    def offset_ms(self) -> float:
        """Server time minus local monotonic time; 0 before any sample."""
        return min(self._samples).offset_ms if self._samples else 0.0

    @property
    def error_ms(self) -> float:
        """Bound on the error of :attr:`offset_ms`: half the best round trip
        (infinite before any sample)."""
        return min(self._samples).round_trip_ms / 2 if self._samples else float("inf")

    def reset(self) -> None:
        """Forget every sample: a new connection may reach another node,
        whose clock may differ."""
        self._samples.clear()

    def sample(self, server_now_ms: int, sent_at_ms: float, received_at_ms: float) -> None:
        """One reading: the server said ``server_now_ms`` in the answer to a
        frame sent at ``sent_at_ms`` and received at ``received_at_ms``
        (both local monotonic ms)."""
        round_trip = max(0.0, received_at_ms - sent_at_ms)
        midpoint = sent_at_ms + round_trip / 2
        self._samples.append(_Sample(round_trip, server_now_ms - midpoint))

    def server_now(self, local_ms: float) -> float:
        """The server's time (ms since the epoch) at local monotonic ``local_ms``."""
        return local_ms + self.offset_ms


TimerState = Literal["idle", "running", "paused", "done"]


class Timer(NamedTuple):
    """The board timer as one device shows it at one moment.

    ``remaining_ms`` counts down while running, stays put while paused, and
    is 0 when idle or done; ``duration_ms`` is what it was last started with.
    """

    state: TimerState
    remaining_ms: int
    duration_ms: int

    @property
    def remaining_s(self) -> float:
        return self.remaining_ms / 1000


def timer_at(session: Session, server_now_ms: float) -> Timer:
    """The board timer of ``session`` at server time ``server_now_ms``."""
    duration = session.timer_duration
    if session.timer_ends_at:
        left = max(0, int(session.timer_ends_at - server_now_ms))
        return Timer("running" if left else "done", left, duration)
    if session.timer_remaining:
        return Timer("paused", session.timer_remaining, duration)
    return Timer("idle", 0, duration)


def format_ms(ms: int) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour on), rounded up to whole seconds so
    a countdown shows 0:00 only when it is over."""
    seconds = -(-ms // 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"
