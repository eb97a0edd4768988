"""A server node: one Redis connection pool, one pub/sub listener, and the
boards that have local viewers.

A node subscribes to a board's channels while it has viewers of that board
(plus a short linger), and keeps that board's state in memory meanwhile.
Each worker process of ``prikbord serve --workers N`` is simply one node.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

from redis.exceptions import RedisError

from protocol.errors import CloseCode
from server.abuse import Limiter
from server.access import Access
from server.accounts.service import Accounts
from server.config import Settings
from server.conncaps import ConnectionCaps
from server.connection import Connection
from server.engine.bus import Bus
from server.engine.client import ModeMismatch, check_mode, connect
from server.engine.keys import EPOCH_CHANGED, LINKS_CHANGED
from server.engine.links import LinkStore
from server.engine.store import BoardNotFound, Store, now_ms
from server.files.gc import claim_cold, collect_cold
from server.files.service import Files
from server.hub import BoardHub
from server.previews.service import Previews
from server.secret import read_secret
from server.tokens import Signer

log = logging.getLogger("prikbord.node")

#: How long a join waits for pub/sub to be ready: long enough to ride out a
#: reconnect (a killed connection is back in well under a second), short
#: enough that a join during an outage is refused promptly (4003, "not
#: ready: …") and the client tries again, perhaps on another node.
BUS_READY_WAIT_S = 2.0


class StorageUnavailable(Exception):
    """Redis/Valkey could not be reached at start."""


class Node:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.name = f"{settings.node_name}-{secrets.token_hex(3)}"
        self.redis = connect(
            settings.redis_url,
            pool_size=settings.redis_pool_size,
            pool_wait_s=settings.redis_pool_wait_s,
        )
        self.store = Store(
            self.redis,
            dedupe_window=settings.dedupe_window,
            dedupe_ms=settings.dedupe_ms,
            log_retain=settings.log_retain,
            wait_replicas=settings.wait_replicas,
            wait_timeout_ms=settings.wait_timeout_ms,
        )
        self.bus = Bus(
            settings.redis_url,
            self.name,
            on_event=self._on_event,
            on_presence=self._on_presence,
            on_reconnected=self._on_bus_reconnected,
        )
        #: The link-signing secret, from the environment or a file, never from
        #: Redis (server/secret.py); SecretError when there is none.
        self.secret = read_secret(settings.secret, settings.secret_file)
        self.signer = Signer(self.secret)
        #: Abuse limits counted in Redis, shared by every node (server/abuse.py):
        #: logins, access codes, board creation, ``/j/`` lookups, ops per actor/IP.
        self.limiter = Limiter(self.redis)
        #: WebSockets per client IP (this node) and per board (all nodes).
        self.caps = ConnectionCaps(self.redis, settings, self.limiter)
        #: Which links work (generations, expiry, access code), checked on
        #: every join and REST call and enforced on open sockets (server/access.py).
        self.links = LinkStore(self.redis)
        self.access = Access(self.signer, self.links, self.limiter, settings)
        #: Accounts, login sessions and board ownership (server/accounts/).
        self.accounts = Accounts(self.redis, settings, self.secret)
        #: Photos and files on cards: store, registry, GC (server/files/).
        self.files = Files(settings, self.redis)
        self.hubs: dict[str, BoardHub] = {}
        self._loading: dict[str, asyncio.Task[BoardHub]] = {}
        self._hub_tasks: dict[str, asyncio.Task[None]] = {}
        self._linger: dict[str, asyncio.TimerHandle] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.connections: dict[str, Connection] = {}
        self.shutting_down = False
        #: Set with ``shutting_down``: sockets still in their handshake wait on it.
        self.stopping = asyncio.Event()
        #: Deliveries of hubs already closed, so the metric only ever grows.
        self.delivered_closed = 0
        #: Link previews, fetched after a card's URL is acked (server/previews/).
        self.previews = Previews(self)

    # --- lifecycle ---------------------------------------------------------

    async def start(self) -> None:
        """Check the storage is what the URL says (one server or a cluster)
        and answers; then start the pub/sub listener(s) and timers. Raises
        StorageUnavailable with a sentence an operator can act on."""
        try:
            problem = await check_mode(self.settings.redis_url)
            if problem is not None:
                raise ModeMismatch(problem)
            await self.store.ping()
        except (RedisError, OSError, ModeMismatch) as exc:
            raise StorageUnavailable(str(exc)) from exc
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self.bus.run(), name="bus"))
        self._tasks.append(loop.create_task(self._presence_refresher(), name="presence"))
        self._tasks.append(loop.create_task(self.caps.refresher(), name="conncaps"))
        if self.settings.files_gc_interval_s > 0:
            self._tasks.append(loop.create_task(self._files_gc(), name="files-gc"))
        self._tasks.append(loop.create_task(self._check_file_store(), name="files-check"))

    async def drain(self) -> None:
        """Tell every client to reconnect elsewhere (4000), sockets still in
        their handshake too. Runs on SIGTERM before the server closes its
        sockets (``server/shutdown.py``), and again, harmlessly, in stop()."""
        self.shutting_down = True
        self.stopping.set()
        for conn in list(self.connections.values()):
            conn.abort(CloseCode.GOING_AWAY, "server restarting: reconnect")
        await asyncio.sleep(0.05)  # let the close frames go out

    async def stop(self) -> None:
        """Drain, then release Redis."""
        await self.drain()
        for handle in self._linger.values():
            handle.cancel()
        tasks = [*self._tasks, *self._hub_tasks.values(), *self._loading.values()]
        for hub in self.hubs.values():
            hub.stop()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.previews.aclose()
        self.access.stop()
        await self.files.aclose()
        await self.bus.aclose()
        await self.redis.aclose()

    @property
    def delivered(self) -> int:
        return self.delivered_closed + sum(h.delivered for h in self.hubs.values())

    @property
    def ready(self) -> bool:
        """Pub/sub proven by its own probe (bus.py) and not stopping."""
        return self.bus.ready and not self.shutting_down

    # --- boards ------------------------------------------------------------

    async def hub(self, board: str) -> BoardHub:
        """The board's hub, subscribed and loaded. Raises BoardNotFound, and
        BusUnavailable when pub/sub does not work: a node that cannot deliver
        events takes no joins."""
        await self.bus.wait_ready(BUS_READY_WAIT_S, board)
        handle = self._linger.pop(board, None)
        if handle is not None:
            handle.cancel()
        # A hub is in ``self.hubs`` from before its subscription (so events
        # queue in its inbox) but is handed out only once it has loaded: the
        # loading task comes first.
        loading = self._loading.get(board)
        if loading is None:
            hub = self.hubs.get(board)
            if hub is not None and hub.gone:
                raise BoardNotFound(board)  # deleted; ids are never reused
            if hub is not None:
                return hub
            loading = asyncio.get_running_loop().create_task(self._open_hub(board))
            self._loading[board] = loading
        try:
            return await asyncio.shield(loading)
        finally:
            if loading.done() and self._loading.get(board) is loading:
                del self._loading[board]

    async def _open_hub(self, board: str) -> BoardHub:
        hub = BoardHub(board, self.store, self.settings)
        self.hubs[board] = hub  # before subscribing: events queue in its inbox
        opened = False
        try:
            await self.bus.subscribe(board)
            await hub.load()
            opened = True
        finally:
            if not opened:
                self.hubs.pop(board, None)
                with contextlib.suppress(Exception):
                    await self.bus.unsubscribe(board)
        self._hub_tasks[board] = asyncio.get_running_loop().create_task(
            hub.pump(), name=f"hub:{board}"
        )
        self.access.watch(board, hub.conns)
        return hub

    def release(self, hub: BoardHub) -> None:
        """Called when a connection left; closes the hub after a linger."""
        if hub.conns or self.shutting_down or hub.board in self._linger:
            return
        loop = asyncio.get_running_loop()
        self._linger[hub.board] = loop.call_later(
            self.settings.hub_linger_s, lambda: loop.create_task(self._close_hub(hub.board))
        )

    async def _close_hub(self, board: str) -> None:
        self._linger.pop(board, None)
        hub = self.hubs.get(board)
        if hub is None or hub.conns:
            return
        del self.hubs[board]
        self.access.unwatch(board)
        self.delivered_closed += hub.delivered
        hub.stop()
        task = self._hub_tasks.pop(board, None)
        if task is not None:
            task.cancel()
        with contextlib.suppress(RedisError, OSError):
            await self.bus.unsubscribe(board)

    # --- bus callbacks -----------------------------------------------------

    def _on_event(self, board: str, raw: bytes) -> None:
        hub = self.hubs.get(board)
        if hub is not None:
            hub.on_message(raw)

    def _on_presence(self, board: str, data: bytes) -> None:
        hub = self.hubs.get(board)
        if hub is None:
            return
        if data == EPOCH_CHANGED:
            hub.request_head_check()
        elif data == LINKS_CHANGED:
            self.access.recheck(board)
        else:
            hub.on_presence(data)

    def _on_bus_reconnected(self, boards: set[str]) -> None:
        """A pub/sub connection (or, on a cluster, one shard's) is back, or
        boards moved to another shard: messages of these boards may have
        been lost, so each re-checks its log head and presence."""
        for board in boards:
            hub = self.hubs.get(board)
            self.access.recheck(board)  # a LINKS_CHANGED may have been lost
            if hub is not None:
                hub.request_head_check()
                hub.on_presence_changed()

    async def _check_file_store(self) -> None:
        """Say at start, in the log, when the file store does not answer (an
        S3 bucket that is missing or unreachable: server/files/s3.py), rather
        than at the first upload. Boards work without it; uploads and file
        reads answer 503 until it does. Never blocks readiness."""
        check = getattr(self.files.store, "check", None)
        if check is None:
            return
        try:
            await check()
        except OSError as exc:
            log.error("%s: uploads and file reads fail until it answers", exc)

    async def _files_gc(self) -> None:
        """Collect unreferenced files of the boards this node holds, from
        their live replicas (server/files/service.py: safe on every node at
        once); then, on the one node that claims it this interval, the cold
        pass over the other boards and deleted ones (server/files/gc.py)."""
        while True:
            await asyncio.sleep(self.settings.files_gc_interval_s)
            with contextlib.suppress(OSError):
                await self.files.sweep_uploads()
            for board, hub in list(self.hubs.items()):
                if hub.gone or board in self._loading:
                    continue
                try:
                    await self.files.collect(board, hub.state)
                except (RedisError, OSError) as exc:
                    log.warning("files gc of board %s failed: %s", board, exc)
            try:
                if await claim_cold(self.store, self.settings.files_gc_interval_s):
                    await collect_cold(self.files, self.store, held=set(self.hubs))
            except (RedisError, OSError) as exc:
                log.warning("files gc of the boards no node holds failed: %s", exc)

    async def _presence_refresher(self) -> None:
        """Every third of the presence TTL: extend this node's connections
        and sweep expired ones (a dead node's) on every board it holds, so
        they leave without waiting for a join."""
        interval = self.settings.presence_ttl_ms / 3000
        while True:
            await asyncio.sleep(interval)
            for board, hub in list(self.hubs.items()):
                # Pub/sub may drop a LINKS_CHANGED: this bounds how long a
                # replaced link's socket can stay open on a node that missed it.
                self.access.recheck(board)
                conns = sorted(hub.conns)
                with contextlib.suppress(RedisError, OSError):
                    await self.store.presence_refresh(
                        board, conns, self.settings.presence_ttl_ms, now_ms()
                    )
