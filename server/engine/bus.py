"""The node's one pub/sub listener (sharded pub/sub: SSUBSCRIBE).

Redis pub/sub is at-most-once: it drops messages for a lagging subscriber and
while the connection is down. This loop therefore

* is *ready* only after Redis confirmed, on the current connection, the
  subscription of the node's own probe channel and of every board channel it
  resubscribed, and a probe published after that came back; it stops being
  ready with that connection, or when no probe came back for
  ``PROBE_TIMEOUT`` (a connection that TCP calls alive may still be dead);
* reads with a deadline and publishes a probe to itself every
  ``PROBE_INTERVAL``; no probe back within ``PROBE_TIMEOUT`` → reconnect;
* reconnects with growing, jittered backoff that starts over only after a
  connection that was ready, so a connection Redis refuses every time (an
  ACL user without SSUBSCRIBE, a MOVED from a cluster) costs one attempt
  every second or two and one warning per outage;
* once a new connection is ready, calls ``on_reconnected`` so every board
  re-checks its log head and fills the gap from the log;
* confirms each subscription before ``subscribe`` returns, so a board loaded
  after that cannot miss an event published in between; a connection lost
  before Redis confirmed fails the wait with :class:`BusUnavailable`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from typing import Any

from redis.asyncio.client import PubSub, Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from server.engine.keys import board_keys, board_of_channel, probe_channel
from server.engine.store import connect

log = logging.getLogger("prikbord.bus")

#: Seconds between self-probes; the read deadline follows from it.
PROBE_INTERVAL = 1.0
#: A node that has not heard its own probe for this long is not ready and
#: drops its pub/sub connection.
PROBE_TIMEOUT = 5.0
#: Channels per SSUBSCRIBE command when resubscribing many boards at once.
RESUBSCRIBE_BATCH = 200
#: Reconnect delays double from MIN to MAX (half fixed, half jitter): a
#: killed connection comes back at once, a refused one is retried every
#: 1 to 2 s, and a Redis restart is noticed within 2 s of Redis being back.
BACKOFF_MIN, BACKOFF_MAX = 0.05, 2.0
SUBSCRIBE_TIMEOUT = 10.0

#: Why the bus is not ready: fixed phrases, safe in a close reason.
CONNECTING = "pub/sub connecting"
UNAVAILABLE = "pub/sub unavailable"
PROBE_LATE = "pub/sub probe late"


class BusUnavailable(Exception):
    """Pub/sub does not work on this node now; ``reason`` is one of the
    phrases above (never exception text)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Bus:
    def __init__(
        self,
        url: str,
        node: str,
        *,
        on_event: Callable[[str, bytes], None],
        on_presence: Callable[[str, bytes], None],
        on_reconnected: Callable[[], None],
    ) -> None:
        # No silent retries inside redis-py: a broken connection must surface
        # here, because messages were lost and the boards must re-check.
        self._client: Redis = connect(url, retry=Retry(NoBackoff(), 0))
        self._probe = probe_channel(node)
        self._on_event = on_event
        self._on_presence = on_presence
        self._on_reconnected = on_reconnected
        self._wanted: set[str] = set()
        self._confirmed: set[str] = set()
        #: Confirmations the current connection needs before it can be ready.
        self._awaiting: set[str] = set()
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._pubsub: PubSub | None = None
        #: Set while the current connection is proven (probe round trip).
        self._live = asyncio.Event()
        self._was_ever_live = False
        #: Failed connection attempts since the bus was last ready.
        self._failures = 0
        self._down_since = time.monotonic()
        self.last_probe = 0.0
        self.reconnects = 0
        self.messages = 0

    @property
    def ready(self) -> bool:
        return self._live.is_set() and time.monotonic() - self.last_probe < PROBE_TIMEOUT

    @property
    def reason(self) -> str:
        """Why the bus is not ready ("" when it is)."""
        if self.ready:
            return ""
        if self._live.is_set():
            return PROBE_LATE
        return UNAVAILABLE if self._failures else CONNECTING

    async def wait_ready(self, within_s: float) -> None:
        """Return once ready (at once, normally); after ``within_s`` raise
        :class:`BusUnavailable`. Joins ride out a reconnect, not an outage."""
        try:
            async with asyncio.timeout(within_s):
                while not self.ready:
                    await self._live.wait()
                    if not self.ready:  # live but late: the loop is reconnecting
                        await asyncio.sleep(PROBE_INTERVAL / 10)
        except TimeoutError:
            raise BusUnavailable(self.reason or UNAVAILABLE) from None

    # --- subscriptions -----------------------------------------------------

    async def subscribe(self, board: str) -> None:
        """Subscribe to a board's channels; returns once Redis confirmed, so
        every event published after this returns will be seen (or its gap
        detected). Raises BusUnavailable if the connection fails first."""
        keys = board_keys(board)
        channels = [keys.events, keys.presence_changed]
        futures = []
        for channel in channels:
            self._wanted.add(channel)
            if channel not in self._confirmed:
                fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._waiters.setdefault(channel, []).append(fut)
                futures.append(fut)
        if not futures:
            return
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.ssubscribe(*channels)
        await asyncio.wait_for(asyncio.gather(*futures), SUBSCRIBE_TIMEOUT)

    async def unsubscribe(self, board: str) -> None:
        keys = board_keys(board)
        channels = [keys.events, keys.presence_changed]
        for channel in channels:
            self._wanted.discard(channel)
            self._confirmed.discard(channel)
            self._awaiting.discard(channel)
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.sunsubscribe(*channels)

    # --- the loop ----------------------------------------------------------

    async def run(self) -> None:
        """Listen forever (until cancelled), reconnecting as needed."""
        backoff = BACKOFF_MIN
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._probe_loop())
            while True:
                try:
                    await self._connect_and_listen()
                except (RedisError, OSError, TimeoutError) as exc:
                    if self._live.is_set():  # a working connection broke
                        backoff = BACKOFF_MIN
                    self._failures += 1
                    if self._failures == 1:  # one warning per outage
                        self._down_since = time.monotonic()
                        log.warning(
                            "pub/sub unavailable (%s); not ready, retrying every %.0f s at most",
                            exc or type(exc).__name__,
                            BACKOFF_MAX,
                        )
                    else:
                        log.debug("pub/sub attempt %d failed: %s", self._failures, exc)
                finally:
                    await self._drop_connection()
                self.reconnects += 1
                await asyncio.sleep(backoff / 2 + random.uniform(0, backoff / 2))
                backoff = min(BACKOFF_MAX, backoff * 2)

    async def _connect_and_listen(self) -> None:
        pubsub = self._client.pubsub()
        self._pubsub = pubsub
        connected = time.monotonic()
        wanted = sorted(self._wanted)
        self._awaiting = {self._probe, *wanted}
        await pubsub.ssubscribe(self._probe)
        for i in range(0, len(wanted), RESUBSCRIBE_BATCH):
            await pubsub.ssubscribe(*wanted[i : i + RESUBSCRIBE_BATCH])
        probed = False
        while True:
            message = await pubsub.get_message(timeout=PROBE_INTERVAL)
            if message is not None:
                self._dispatch(message)
            if not probed and not self._awaiting:
                # Everything above is confirmed: probe now rather than at the
                # next interval, so the node is ready in one round trip.
                probed = True
                await self._client.spublish(self._probe, b"")
            if time.monotonic() - max(self.last_probe, connected) > PROBE_TIMEOUT:
                raise TimeoutError("own probe did not come back")

    def _went_live(self) -> None:
        self._live.set()
        if self._failures:
            log.info(
                "pub/sub ready again after %.1f s (%d failed attempts)",
                time.monotonic() - self._down_since,
                self._failures,
            )
        self._failures = 0
        if self._was_ever_live:
            log.info("pub/sub reconnected; re-checking %d channels", len(self._wanted))
            self._on_reconnected()
        self._was_ever_live = True

    async def _drop_connection(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        self._live.clear()
        self._confirmed.clear()
        self._awaiting.clear()
        # Joins waiting for a confirmation that will not come on this
        # connection are refused now, not after SUBSCRIBE_TIMEOUT.
        waiters, self._waiters = self._waiters, {}
        for futures in waiters.values():
            for fut in futures:
                if not fut.done():
                    fut.set_exception(BusUnavailable(UNAVAILABLE))
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        channel = message["channel"].decode() if isinstance(message["channel"], bytes) else ""
        if kind == "smessage":
            self.messages += 1
            if channel == self._probe:
                self.last_probe = time.monotonic()
                # Only a probe that follows every confirmation proves them.
                if not self._awaiting and not self._live.is_set():
                    self._went_live()
                return
            parsed = board_of_channel(channel)
            if parsed is None:
                return
            board, what = parsed
            if what == "ev":
                self._on_event(board, message["data"])
            elif what == "pc":
                self._on_presence(board, message["data"])
        elif kind == "ssubscribe":
            self._awaiting.discard(channel)
            # A late confirmation of a channel unsubscribed meanwhile must not
            # mark it confirmed: a later subscribe would then skip SSUBSCRIBE.
            if channel in self._wanted or channel == self._probe:
                self._confirmed.add(channel)
            for fut in self._waiters.pop(channel, []):
                if not fut.done():
                    fut.set_result(None)
        elif kind == "sunsubscribe" and channel not in self._wanted:
            self._confirmed.discard(channel)

    async def _probe_loop(self) -> None:
        while True:
            await asyncio.sleep(PROBE_INTERVAL)
            with contextlib.suppress(RedisError, OSError):
                await self._client.spublish(self._probe, b"")

    async def aclose(self) -> None:
        await self._drop_connection()
        await self._client.aclose()
