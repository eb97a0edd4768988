"""The node's one pub/sub listener (sharded pub/sub: SSUBSCRIBE).

Redis pub/sub is at-most-once: it drops messages for a lagging subscriber and
while the connection is down. This loop therefore

* reads with a deadline and publishes a probe to itself every
  ``PROBE_INTERVAL``; no probe back within ``PROBE_TIMEOUT`` means the
  connection is dead even if TCP says otherwise → reconnect;
* reconnects with jittered backoff, resubscribes in batches, then calls
  ``on_reconnected`` so every board re-checks its log head and fills the
  gap from the log;
* confirms each subscription before ``subscribe`` returns, so a board loaded
  after that cannot miss an event published in between.
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
BACKOFF_MIN, BACKOFF_MAX = 0.05, 2.0
SUBSCRIBE_TIMEOUT = 10.0


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
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._pubsub: PubSub | None = None
        self.last_probe = 0.0
        self.reconnects = 0
        self.messages = 0

    @property
    def healthy(self) -> bool:
        return time.monotonic() - self.last_probe < PROBE_TIMEOUT

    # --- subscriptions -----------------------------------------------------

    async def subscribe(self, board: str) -> None:
        """Subscribe to a board's channels; returns once Redis confirmed, so
        every event published after this returns will be seen (or its gap
        detected)."""
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
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.sunsubscribe(*channels)

    # --- the loop ----------------------------------------------------------

    async def run(self) -> None:
        """Listen forever (until cancelled), reconnecting as needed."""
        backoff = BACKOFF_MIN
        first = True
        failures = 0
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._probe_loop())
            while True:
                started = time.monotonic()
                try:
                    await self._connect_and_listen(first)
                except (RedisError, OSError, TimeoutError) as exc:
                    # One warning per outage, not one per attempt.
                    if self.last_probe >= started:
                        failures = 0
                        backoff = BACKOFF_MIN
                    failures += 1
                    level = logging.WARNING if failures == 1 else logging.DEBUG
                    log.log(
                        level,
                        "pub/sub connection lost (%s); reconnecting",
                        exc or type(exc).__name__,
                    )
                finally:
                    await self._drop_connection()
                first = False
                self.reconnects += 1
                await asyncio.sleep(random.uniform(0, backoff))
                backoff = min(BACKOFF_MAX, backoff * 2)

    async def _connect_and_listen(self, first: bool) -> None:
        pubsub = self._client.pubsub()
        self._pubsub = pubsub
        await pubsub.ssubscribe(self._probe)
        wanted = sorted(self._wanted)
        for i in range(0, len(wanted), RESUBSCRIBE_BATCH):
            await pubsub.ssubscribe(*wanted[i : i + RESUBSCRIBE_BATCH])
        self.last_probe = time.monotonic()
        if not first:
            log.info("pub/sub reconnected; re-checking %d channels", len(wanted))
            self._on_reconnected()
        while True:
            message = await pubsub.get_message(timeout=PROBE_INTERVAL)
            if message is not None:
                self._dispatch(message)
            elif time.monotonic() - self.last_probe > PROBE_TIMEOUT:
                raise TimeoutError("own probe did not come back")

    async def _drop_connection(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        self._confirmed.clear()
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
            self._confirmed.add(channel)
            for fut in self._waiters.pop(channel, []):
                if not fut.done():
                    fut.set_result(None)

    async def _probe_loop(self) -> None:
        while True:
            await asyncio.sleep(PROBE_INTERVAL)
            with contextlib.suppress(RedisError, OSError):
                await self._client.spublish(self._probe, b"")

    async def aclose(self) -> None:
        await self._drop_connection()
        await self._client.aclose()
