"""The node's pub/sub listeners (sharded pub/sub: SSUBSCRIBE), one per shard.

Redis pub/sub is at-most-once: it drops messages for a lagging subscriber and
while the connection is down. Each listener (one connection to one Redis
server) therefore

* is *ready* only after Redis confirmed, on the current connection, the
  subscription of the listener's own probe channel and of every board
  channel it resubscribed, and a probe published after that came back; it
  stops being ready with that connection, or when no probe came back for
  ``PROBE_TIMEOUT`` (a connection that TCP calls alive may still be dead);
* reads with a deadline and publishes a probe to itself every
  ``PROBE_INTERVAL``; no probe back within ``PROBE_TIMEOUT`` → reconnect;
* reconnects with growing, jittered backoff that starts over only after a
  connection that was ready, so a connection Redis refuses every time (an
  ACL user without SSUBSCRIBE) costs one attempt every second or two and one
  warning per outage;
* once a new connection is ready, calls ``on_reconnected`` with the boards
  it holds, so each re-checks its log head and fills the gap from the log;
* confirms each subscription before ``subscribe`` returns, so a board loaded
  after that cannot miss an event published in between; a connection lost
  before Redis confirmed fails the wait with :class:`BusUnavailable`.

On one server there is one listener. On a **Redis Cluster** a sharded
channel can only be subscribed on the shard that owns its slot, so the bus
keeps one listener per master, each with a probe channel whose hash tag
falls in that master's slots — the node is ready only when every shard
delivers. It reads the slot map itself (``CLUSTER SLOTS``) at start, every
``TOPOLOGY_INTERVAL``, and at once when a listener fails (a master killed,
a ``MOVED`` on SSUBSCRIBE, a slot moved away: Redis then unsubscribes its
channels); listeners of nodes that are no longer masters stop, new masters
get one, and channels whose slot moved are subscribed on the new owner and
their boards re-check the log. A slot no master owns makes the node not
ready (``SLOTS_UNCOVERED``).

redis-py 8.1's ``ClusterPubSub`` does keep one connection per node and
re-homes channels after a slot-map refresh, but its reader polls the nodes
in turn (a quiet node's read timeout delays the others' messages), it only
reconciles after the *command* client refreshed its slot map, and it has no
notion of "this shard delivers": hence the listeners here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from redis.asyncio.client import PubSub, Redis
from redis.backoff import NoBackoff
from redis.crc import key_slot
from redis.exceptions import NoPermissionError, RedisError
from redis.retry import Retry

from server.engine.client import (
    ClusterUrl,
    cluster_slots,
    connect,
    parse_cluster_url,
    server_client,
)
from server.engine.keys import board_keys, board_of_channel, probe_channel

log = logging.getLogger("prikbord.bus")

#: Seconds between self-probes; the read deadline follows from it.
PROBE_INTERVAL = 1.0
#: A node that has not heard its own probe for this long is not ready and
#: drops its pub/sub connection.
PROBE_TIMEOUT = 5.0
#: Channels per SSUBSCRIBE command when resubscribing many boards at once
#: (on a cluster one command must stay within one slot: see ``_batches``).
RESUBSCRIBE_BATCH = 200
#: Reconnect delays double from MIN to MAX (half fixed, half jitter): a
#: killed connection comes back at once, a refused one is retried every
#: 1 to 2 s, and a Redis restart is noticed within 2 s of Redis being back.
BACKOFF_MIN, BACKOFF_MAX = 0.05, 2.0
SUBSCRIBE_TIMEOUT = 10.0
#: Seconds between slot-map reads on a cluster when nothing failed: slot
#: moves by resharding unsubscribe our channels (and a failed listener asks
#: at once), so this only bounds how long a missed change can go unseen.
TOPOLOGY_INTERVAL = 10.0
#: Pause between slot-map reads after a failure: a failover takes the
#: cluster a moment; asking faster only loads the survivors.
TOPOLOGY_RETRY = 0.25
#: Hash slots of a Redis Cluster.
CLUSTER_SLOTS = 16384

#: Why the bus is not ready: fixed phrases, safe in a close reason.
CONNECTING = "pub/sub connecting"
UNAVAILABLE = "pub/sub unavailable"
PROBE_LATE = "pub/sub probe late"
REFUSED = "pub/sub refused by ACL"
SLOTS_UNCOVERED = "pub/sub: cluster slots uncovered"
CLUSTER_UNREACHABLE = "pub/sub: cluster unreachable"


class BusUnavailable(Exception):
    """Pub/sub does not work on this node now; ``reason`` is one of the
    phrases above (never exception text)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _SlotMoved(RedisError):
    """Redis unsubscribed a channel we still want: its slot moved away."""


def _boards(channels: Iterable[str]) -> set[str]:
    found = set()
    for channel in channels:
        parsed = board_of_channel(channel)
        if parsed is not None:
            found.add(parsed[0])
    return found


def _batches(channels: list[str], cluster: bool) -> list[list[str]]:
    """SSUBSCRIBE arguments: ``RESUBSCRIBE_BATCH`` channels per command, and
    on a cluster one slot per command (Redis refuses CROSSSLOT)."""
    if not cluster:
        return [
            channels[i : i + RESUBSCRIBE_BATCH] for i in range(0, len(channels), RESUBSCRIBE_BATCH)
        ]
    by_slot: dict[int, list[str]] = {}
    for channel in channels:
        by_slot.setdefault(key_slot(channel.encode()), []).append(channel)
    return list(by_slot.values())


class _Listener:
    """One pub/sub connection to one Redis server and the channels it holds."""

    def __init__(
        self,
        client: Redis,
        probe: str,
        *,
        cluster: bool,
        on_message: Callable[[str, bytes], None],
        on_live: Callable[[set[str]], None],
        on_failure: Callable[[], None],
        changed: asyncio.Event,
        where: str = "",
    ) -> None:
        self._changed = changed
        self.client = client
        self.probe = probe
        self.where = where
        self._cluster = cluster
        self._on_message = on_message
        self._on_live = on_live
        self._on_failure = on_failure
        self.wanted: set[str] = set()
        self._confirmed: set[str] = set()
        #: Confirmations the current connection needs before it can be ready.
        self._awaiting: set[str] = set()
        #: Channels moved here from another shard: their boards re-check the
        #: log once this connection confirmed them (events may have been lost).
        self._recheck: set[str] = set()
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._pubsub: PubSub | None = None
        #: Set while the current connection is proven (probe round trip).
        self.live = asyncio.Event()
        #: Failed connection attempts since the listener was last ready.
        self.failures = 0
        self.refused = False
        self._down_since = time.monotonic()
        self.last_probe = 0.0
        self.reconnects = 0
        self.messages = 0

    @property
    def ready(self) -> bool:
        return self.live.is_set() and time.monotonic() - self.last_probe < PROBE_TIMEOUT

    @property
    def reason(self) -> str:
        if self.ready:
            return ""
        if self.live.is_set():
            return PROBE_LATE
        if self.refused:
            return REFUSED
        return UNAVAILABLE if self.failures else CONNECTING

    # --- subscriptions -----------------------------------------------------

    async def add(self, channels: list[str], *, moved: bool = False) -> list[asyncio.Future[None]]:
        """Hold ``channels``; futures that resolve once Redis confirmed each.
        ``moved``: the channels come from another shard; nobody waits for
        them, but their boards re-check the log once confirmed."""
        futures = []
        fresh = []
        for channel in channels:
            self.wanted.add(channel)
            if channel in self._confirmed:
                continue
            fresh.append(channel)
            if moved:
                self._recheck.add(channel)
            else:
                fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._waiters.setdefault(channel, []).append(fut)
                futures.append(fut)
        if fresh and self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                for batch in _batches(fresh, self._cluster):
                    await self._pubsub.ssubscribe(*batch)
        return futures

    async def remove(self, channels: list[str]) -> None:
        held = [c for c in channels if c in self.wanted]
        for channel in channels:
            self.wanted.discard(channel)
            self._confirmed.discard(channel)
            self._awaiting.discard(channel)
            self._recheck.discard(channel)
            for fut in self._waiters.pop(channel, []):
                if not fut.done():
                    fut.set_exception(BusUnavailable(UNAVAILABLE))
        if held and self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                for batch in _batches(held, self._cluster):
                    await self._pubsub.sunsubscribe(*batch)

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
                    if self.live.is_set():  # a working connection broke
                        backoff = BACKOFF_MIN
                    self.failures += 1
                    self.refused = isinstance(exc, NoPermissionError)
                    if self.failures == 1:  # one warning per outage
                        self._down_since = time.monotonic()
                        log.warning(
                            "pub/sub unavailable%s (%s); not ready, retrying every %.0f s at most",
                            f" on {self.where}" if self.where else "",
                            exc or type(exc).__name__,
                            BACKOFF_MAX,
                        )
                    else:
                        log.debug("pub/sub attempt %d failed: %s", self.failures, exc)
                    self._on_failure()
                finally:
                    await self._drop_connection()
                self.reconnects += 1
                await asyncio.sleep(backoff / 2 + random.uniform(0, backoff / 2))
                backoff = min(BACKOFF_MAX, backoff * 2)

    async def _connect_and_listen(self) -> None:
        pubsub = self.client.pubsub()
        self._pubsub = pubsub
        connected = time.monotonic()
        wanted = sorted(self.wanted)
        self._awaiting = {self.probe, *wanted}
        await pubsub.ssubscribe(self.probe)
        for batch in _batches(wanted, self._cluster):
            await pubsub.ssubscribe(*batch)
        probed = False
        while True:
            message = await pubsub.get_message(timeout=PROBE_INTERVAL)
            if message is not None:
                self._dispatch(message)
            if not probed and not self._awaiting:
                # Everything above is confirmed: probe now rather than at the
                # next interval, so the node is ready in one round trip.
                probed = True
                await self.client.spublish(self.probe, b"")
            if time.monotonic() - max(self.last_probe, connected) > PROBE_TIMEOUT:
                raise TimeoutError("own probe did not come back")

    def _went_live(self) -> None:
        self.live.set()
        self._changed.set()
        if self.failures:
            log.info(
                "pub/sub%s ready again after %.1f s (%d failed attempts)",
                f" on {self.where}" if self.where else "",
                time.monotonic() - self._down_since,
                self.failures,
            )
        self.failures = 0
        self.refused = False
        self._recheck.clear()
        if self.wanted:
            log.info("pub/sub connected; re-checking %d channels", len(self.wanted))
            self._on_live(_boards(self.wanted))

    async def _drop_connection(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        self.live.clear()
        self._changed.set()
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
            if channel == self.probe:
                self.last_probe = time.monotonic()
                # Only a probe that follows every confirmation proves them.
                if not self._awaiting and not self.live.is_set():
                    self._went_live()
                return
            self._on_message(channel, message["data"])
        elif kind == "ssubscribe":
            self._awaiting.discard(channel)
            # A late confirmation of a channel unsubscribed meanwhile must not
            # mark it confirmed: a later subscribe would then skip SSUBSCRIBE.
            if channel in self.wanted or channel == self.probe:
                self._confirmed.add(channel)
            for fut in self._waiters.pop(channel, []):
                if not fut.done():
                    fut.set_result(None)
            if channel in self._recheck and self.live.is_set():
                self._recheck.discard(channel)
                self._on_live(_boards([channel]))
        elif kind == "sunsubscribe":
            if channel in self.wanted or channel == self.probe:
                # We did not ask: Redis dropped it (its slot moved away).
                raise _SlotMoved(f"Redis unsubscribed {channel}: its slot moved")
            self._confirmed.discard(channel)

    async def _probe_loop(self) -> None:
        while True:
            await asyncio.sleep(PROBE_INTERVAL)
            with contextlib.suppress(RedisError, OSError):
                await self.client.spublish(self.probe, b"")

    async def aclose(self) -> None:
        await self._drop_connection()
        await self.client.aclose()


@dataclass(frozen=True, slots=True)
class _Master:
    host: str
    port: int
    ranges: tuple[tuple[int, int], ...]

    @property
    def key(self) -> str:
        return f"{self.host}:{self.port}"

    def owns(self, slot: int) -> bool:
        return any(lo <= slot <= hi for lo, hi in self.ranges)


def shard_probe(node: str, master: _Master) -> str:
    """A probe channel of ``node`` whose slot the master owns."""
    k = 0
    while True:
        channel = f"{{n:{node}:{k}}}:probe"
        if master.owns(key_slot(channel.encode())):
            return channel
        k += 1


class Bus:
    def __init__(
        self,
        url: str,
        node: str,
        *,
        on_event: Callable[[str, bytes], None],
        on_presence: Callable[[str, bytes], None],
        on_reconnected: Callable[[set[str]], None],
    ) -> None:
        self._node = node
        self._on_event = on_event
        self._on_presence = on_presence
        self._on_reconnected = on_reconnected
        self._target: ClusterUrl | None = parse_cluster_url(url)
        #: Listeners by "host:port" ("" on one server).
        self._listeners: dict[str, _Listener] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        #: Every channel the node wants, whichever listener holds it.
        self._wanted: set[str] = set()
        #: Slot → listener key (cluster), None where no master owns it.
        self._owners: list[str | None] = []
        self._masters: dict[str, _Master] = {}
        self._topology_problem = CONNECTING if self._target is not None else ""
        self._refresh = asyncio.Event()
        #: Set whenever a listener goes live or drops (wakes ``wait_ready``).
        self._changed = asyncio.Event()
        #: Counts of listeners that were stopped, so the metrics only grow.
        self._closed_reconnects = 0
        self._closed_messages = 0
        if self._target is None:
            # No silent retries inside redis-py: a broken connection must
            # surface here, because messages were lost and boards re-check.
            client = connect(url, retry=Retry(NoBackoff(), 0))
            assert isinstance(client, Redis)
            self._listeners[""] = self._listener(client, probe_channel(node), "")

    def _listener(self, client: Redis, probe: str, where: str) -> _Listener:
        return _Listener(
            client,
            probe,
            cluster=self._target is not None,
            on_message=self._dispatch,
            on_live=self._on_reconnected,
            on_failure=self._refresh.set,
            changed=self._changed,
            where=where,
        )

    # --- state -------------------------------------------------------------

    @property
    def ready(self) -> bool:
        if self._topology_problem or not self._listeners:
            return False
        return all(listener.ready for listener in self._listeners.values())

    @property
    def reason(self) -> str:
        """Why the bus is not ready ("" when it is)."""
        if self._topology_problem:
            return self._topology_problem
        if not self._listeners:
            return CONNECTING
        for listener in self._listeners.values():
            if listener.reason:
                return listener.reason
        return ""

    @property
    def shards(self) -> int:
        """Listeners (one per master on a cluster; 1 on one server)."""
        return len(self._listeners)

    @property
    def reconnects(self) -> int:
        return self._closed_reconnects + sum(x.reconnects for x in self._listeners.values())

    @property
    def messages(self) -> int:
        return self._closed_messages + sum(x.messages for x in self._listeners.values())

    def ready_for(self, board: str) -> bool:
        """Whether the board's shard delivers (on one server: ``ready``)."""
        if self._target is None:
            return self.ready
        listener = self._owner(board_keys(board).events)
        return listener is not None and listener.ready

    async def wait_ready(self, within_s: float, board: str | None = None) -> None:
        """Return once ready — every shard, or with ``board`` the shard of
        that board, so a failover on one shard does not refuse joins to the
        others (at once, normally); after ``within_s`` raise
        :class:`BusUnavailable`. Joins ride out a reconnect, not an outage."""

        def ok() -> bool:
            return self.ready if board is None else self.ready_for(board)

        try:
            async with asyncio.timeout(within_s):
                while not ok():
                    # Woken by any listener going live or down; readiness
                    # also ages (a late probe), hence the short timeout.
                    self._changed.clear()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(PROBE_INTERVAL / 10):
                            await self._changed.wait()
        except TimeoutError:
            reason = self.reason
            if board is not None:
                listener = self._owner(board_keys(board).events)
                reason = listener.reason if listener is not None else reason
            raise BusUnavailable(reason or UNAVAILABLE) from None

    # --- subscriptions -----------------------------------------------------

    def _owner(self, channel: str) -> _Listener | None:
        if self._target is None:
            return self._listeners.get("")
        if not self._owners:
            return None
        key = self._owners[key_slot(channel.encode())]
        return None if key is None else self._listeners.get(key)

    async def subscribe(self, board: str) -> None:
        """Subscribe to a board's channels; returns once Redis confirmed, so
        every event published after this returns will be seen (or its gap
        detected). Raises BusUnavailable if the connection fails first, or
        when no shard owns the board's slot."""
        keys = board_keys(board)
        channels = [keys.events, keys.presence_changed]
        self._wanted.update(channels)
        listener = self._owner(keys.events)
        if listener is None:
            raise BusUnavailable(self.reason or UNAVAILABLE)
        futures = await listener.add(channels)
        if futures:
            await asyncio.wait_for(asyncio.gather(*futures), SUBSCRIBE_TIMEOUT)

    async def unsubscribe(self, board: str) -> None:
        keys = board_keys(board)
        channels = [keys.events, keys.presence_changed]
        self._wanted.difference_update(channels)
        for listener in list(self._listeners.values()):
            await listener.remove(channels)

    def _dispatch(self, channel: str, data: bytes) -> None:
        parsed = board_of_channel(channel)
        if parsed is None:
            return
        board, what = parsed
        if what == "ev":
            self._on_event(board, data)
        elif what == "pc":
            self._on_presence(board, data)

    # --- the loop ----------------------------------------------------------

    async def run(self) -> None:
        """Listen forever (until cancelled): the one listener, or on a
        cluster one per master, following the slot map."""
        if self._target is None:
            await self._listeners[""].run()
            return
        try:
            while True:
                await self._read_topology()
                delay = TOPOLOGY_INTERVAL if not self._topology_problem else TOPOLOGY_RETRY
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._refresh.wait()
                self._refresh.clear()
                await asyncio.sleep(TOPOLOGY_RETRY)  # let a failover settle
        finally:
            for key in list(self._listeners):
                await self._stop_listener(key)

    async def _ask_slots(self) -> list[tuple[int, int, str, int]] | None:
        """The slot map as the first node that answers sees it, preferring
        a view that covers every slot (a node just back from the dead may
        still hold an old one for a moment)."""
        assert self._target is not None
        places = [(m.host, m.port) for m in self._masters.values()]
        places += [s for s in self._target.seeds if s not in places]
        best: list[tuple[int, int, str, int]] | None = None
        for host, port in places:
            client = server_client(
                self._target, host, port, socket_connect_timeout=2, socket_timeout=2
            )
            try:
                rows = await cluster_slots(client)
            except (RedisError, OSError):
                continue
            finally:
                await client.aclose()
            covered = sum(hi - lo + 1 for lo, hi, _h, _p in rows)
            if covered == CLUSTER_SLOTS:
                return rows
            if best is None or covered > sum(hi - lo + 1 for lo, hi, _h, _p in best):
                best = rows
        return best

    async def _read_topology(self) -> None:
        rows = await self._ask_slots()
        if rows is None:
            if self._topology_problem != CLUSTER_UNREACHABLE:
                log.warning("cluster: no seed or master answers CLUSTER SLOTS; not ready")
            self._topology_problem = CLUSTER_UNREACHABLE
            return
        ranges: dict[tuple[str, int], list[tuple[int, int]]] = {}
        for lo, hi, host, port in rows:
            ranges.setdefault((host, port), []).append((lo, hi))
        masters = {
            m.key: m for m in (_Master(h, p, tuple(sorted(r))) for (h, p), r in ranges.items())
        }
        owners: list[str | None] = [None] * CLUSTER_SLOTS
        for m in masters.values():
            for lo, hi in m.ranges:
                owners[lo : hi + 1] = [m.key] * (hi - lo + 1)
        uncovered = owners.count(None)
        if uncovered:
            if self._topology_problem != SLOTS_UNCOVERED:
                log.warning(
                    "cluster: %d of %d hash slots have no master; not ready",
                    uncovered,
                    CLUSTER_SLOTS,
                )
            self._topology_problem = SLOTS_UNCOVERED
        elif self._topology_problem:
            log.info("cluster: %d masters cover every slot", len(masters))
            self._topology_problem = ""
        if masters != self._masters:
            log.info("cluster: masters now %s", ", ".join(sorted(masters)))
        for key in list(self._listeners):
            if masters.get(key) != self._masters.get(key) or key not in masters:
                await self._stop_listener(key)
        self._masters = masters
        self._owners = owners
        assert self._target is not None
        for key, master in masters.items():
            if key not in self._listeners:
                client = server_client(
                    self._target, master.host, master.port, retry=Retry(NoBackoff(), 0)
                )
                listener = self._listener(client, shard_probe(self._node, master), key)
                self._listeners[key] = listener
                self._tasks[key] = asyncio.get_running_loop().create_task(
                    listener.run(), name=f"bus:{key}"
                )
        await self._place_channels()

    async def _place_channels(self) -> None:
        """Every wanted channel on the listener of its slot's master."""
        for channel in sorted(self._wanted):
            owner = self._owner(channel)
            for listener in self._listeners.values():
                if listener is not owner and channel in listener.wanted:
                    await listener.remove([channel])
            if owner is not None and channel not in owner.wanted:
                await owner.add([channel], moved=True)

    async def _stop_listener(self, key: str) -> None:
        listener = self._listeners.pop(key)
        task = self._tasks.pop(key, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._closed_reconnects += listener.reconnects
        self._closed_messages += listener.messages
        await listener.aclose()

    async def aclose(self) -> None:
        for key in list(self._listeners):
            await self._stop_listener(key)
