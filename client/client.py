"""The async Python client: one board, one WebSocket, reconnecting forever.

``PrikbordClient`` owns exactly one task (the *runner*) that connects, joins,
reads, heartbeats and reconnects; per connection it starts one *sender* task
that drains the outbox in order, and cancels it when the connection ends.
Everything the user calls (``send``, ``add_card``, …) only touches the
replica and the outbox, so it never blocks on the network and keeps working
while the connection is down: ops wait as pending and go out after the next
join, with their original op ids, so the server applies each exactly once
(SPEC §6).

Failure handling follows SPEC §9-10: a dropped connection, a 40xx or
standard close, a heartbeat timeout, a seq gap or a resync error all lead to
a reconnect with backoff and ``resume``; a 41xx close is terminal and ends
the client with :class:`~client.errors.TerminalClose` (4105, removed by a
facilitator: :class:`~client.errors.Removed`).

The client also keeps the server's clock (``welcome.now``, ``pong.now``;
:mod:`client.clock`), so :meth:`PrikbordClient.timer` counts the board timer
down to the same moment as every other device.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import secrets
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidURI, WebSocketException
from websockets.typing import Subprotocol

from client.actions import BoardActions
from client.backoff import Backoff
from client.clock import ServerClock, Timer, timer_at
from client.errors import (
    ClientClosed,
    ClientError,
    ConnectFailed,
    OpRejected,
    Removed,
    terminal_close,
)
from client.links import BoardLink, parse_link
from client.notes import Notes, docs_touched, in_flight_updates
from client.replica import PendingOp, Replica
from client.updates import (
    UPDATES_QUEUE_MAX,
    Applied,
    Disconnected,
    Joined,
    PresenceChanged,
    Subscription,
    Update,
)
from protocol import PROTOCOL_VERSION, SUBPROTOCOL, limits
from protocol.codec import decode_server, encode
from protocol.errors import CloseCode, ProtocolError
from protocol.messages import (
    Ack,
    Error,
    Event,
    Events,
    Focus,
    Hello,
    Member,
    OpMsg,
    Ping,
    Pong,
    Presence,
    Resume,
    Role,
    Welcome,
)
from protocol.model import BoardState
from protocol.notes import to_markdown
from protocol.ops import NotesUpdate, Op
from protocol.presence import apply_presence, member_order

log = logging.getLogger("prikbord.client")

#: Until the first welcome names the server's interval (SPEC §8).
DEFAULT_HEARTBEAT_S = 15.0
#: Our own pacing stays a little under the server's per-connection limit, so
#: a script sending in bulk is slowed down here instead of refused there.
_PACE_RATE = limits.OPS_PER_SECOND * 0.95
_PACE_BURST = limits.OPS_BURST - 5
#: After a 1xx error (rate limited, storage away) an op is resent after this
#: many seconds, jittered.
_RETRY_DELAY_S = 1.0
#: A Close frame waits this long for the server's answer; a dead link must not
#: hold up a reconnect or a user's ``close()``.
_CLOSE_TIMEOUT_S = 2.0
#: Pings whose pong may still come (for the clock): older ones are forgotten.
_PINGS_KEPT = 4


def _monotonic_ms() -> float:
    return time.monotonic() * 1000


class _Reconnect(Exception):
    """Internal: end this connection and join again (gap, dead peer, resync)."""

    def __init__(self, reason: str, *, fresh: bool = False) -> None:
        super().__init__(reason)
        #: True: join without ``resume`` (the server asked for a resync).
        self.fresh = fresh


class _Pacer:
    """A token bucket mirroring the server's per-connection op rate limit."""

    def __init__(self, rate: float = _PACE_RATE, burst: float = _PACE_BURST) -> None:
        self._rate, self._burst = rate, burst
        self._tokens = burst
        self._last = time.monotonic()

    async def take(self) -> None:
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
        self._last = now
        if self._tokens < 1:
            await asyncio.sleep((1 - self._tokens) / self._rate)
            self._tokens, self._last = 1.0, time.monotonic()
        self._tokens -= 1


def _close_info(exc: ConnectionClosed) -> tuple[int, str]:
    """The close code the *server* sent; 1006 when the connection just died."""
    if exc.rcvd is not None:
        return exc.rcvd.code, exc.rcvd.reason
    return 1006, ""


def _retrieved(fut: asyncio.Future[int]) -> None:
    # Mark a future's exception as seen so a fire-and-forget ``submit`` does not
    # log "exception never retrieved" when the client merely closed.
    if not fut.cancelled():
        fut.exception()


class PrikbordClient(BoardActions):
    """A live, optimistic replica of one board.

    ``async with PrikbordClient(link, name="Ann") as c`` returns once joined
    (or raises ``ConnectFailed`` / ``TerminalClose``); afterwards the client
    reconnects by itself until ``close()`` or a terminal close code.
    ``identity`` is the value of :attr:`identity` from an earlier run: passing
    it back keeps the same actor (authorship, votes, op ids). ``access_code``
    is the board's access code, when it asks participants for one (without
    it, or with a wrong one, joining raises ``AccessCodeRefused``).
    """

    def __init__(
        self,
        link: str | BoardLink,
        *,
        name: str,
        identity: str | None = None,
        access_code: str | None = None,
        on_event: Callable[[Event], None] | None = None,
        retry_first_connect: bool = False,
        backoff: Backoff | None = None,
        stable_after: float = 60.0,
        open_timeout: float = 10.0,
    ) -> None:
        self.link = parse_link(link) if isinstance(link, str) else link
        name = name.strip()
        if not 1 <= len(name) <= limits.MAX_NAME:
            raise ValueError(f"name must be 1-{limits.MAX_NAME} characters")
        self.name = name
        self.on_event = on_event
        self._identity = identity
        self._access_code = access_code or None
        self._retry_first = retry_first_connect
        self._backoff = backoff or Backoff()
        self._stable_after = stable_after
        self._open_timeout = open_timeout

        self._replica = Replica(self.link.board, name=name)
        self._actor = ""
        self._role: Role | None = None
        self._epoch: str | None = None
        self._presence: tuple[Member, ...] = ()
        self._limits: dict[str, int] = {}
        self._heartbeat_s = DEFAULT_HEARTBEAT_S
        self._clock = ServerClock()
        #: ping n → local monotonic ms it was sent (this connection's last few)
        self._ping_sent: dict[int, float] = {}

        self._op_prefix = secrets.token_hex(6)
        self._op_counter = 0
        self._futures: dict[str, asyncio.Future[int]] = {}
        self._seq_waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._subs: set[Subscription] = set()
        #: Notes documents this client has opened (``notes()``), by key.
        self._notes: dict[str, Notes] = {}

        self._runner: asyncio.Task[None] | None = None
        self._first: asyncio.Future[None] | None = None
        self._ws: ClientConnection | None = None
        self._outbox: asyncio.Queue[str] | None = None
        self._fresh_join = False
        self._joined_once = False
        self._end: ClientError | None = None

    # --- lifecycle -----------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def connect(self) -> None:
        """Start the runner and wait for the first ``welcome``."""
        if self._runner is not None:
            raise RuntimeError("connect() was already called")
        loop = asyncio.get_running_loop()
        self._first = loop.create_future()
        self._runner = asyncio.create_task(self._run(), name=f"prikbord-client-{self.link.board}")
        joined = False
        try:
            await self._first
            joined = True
        finally:
            if not joined:
                await self.close()

    async def close(self) -> None:
        """Close the connection (code 1000) and end every waiter with
        ``ClientClosed``. Unacked ops are dropped: call ``send`` and await it
        before closing when they matter."""
        runner, self._runner = self._runner, None
        if runner is not None and not runner.done():
            runner.cancel()
            # asyncio.wait never raises the task's own CancelledError, so a
            # cancellation of *this* coroutine still propagates.
            await asyncio.wait([runner])
        self._finish(ClientClosed("client closed"))

    async def wait_closed(self) -> None:
        """Block until the client ends; raise why (``TerminalClose`` …),
        return quietly after ``close()``."""
        runner = self._runner
        if runner is not None:
            await asyncio.wait([runner])
        if self._end is not None and not isinstance(self._end, ClientClosed):
            raise self._end

    def _finish(self, exc: ClientError) -> None:
        """End the client for good: fail every waiter with ``exc``."""
        if self._end is not None:
            return
        self._end = exc
        if self._first is not None and not self._first.done():
            self._first.set_exception(exc)
        for op_id, fut in list(self._futures.items()):
            if not fut.done():
                fut.set_exception(exc)
                if isinstance(exc, ClientClosed):
                    _retrieved(fut)
            del self._futures[op_id]
        for _, waiter in self._seq_waiters:
            if not waiter.done():
                waiter.set_exception(exc)
                if isinstance(exc, ClientClosed):
                    waiter.exception()  # seen: a close is not an error to log
        self._seq_waiters.clear()
        for sub in list(self._subs):
            sub.end(exc)

    # --- state ---------------------------------------------------------------

    @property
    def state(self) -> BoardState:
        """The optimistic view: confirmed state plus our pending ops. Read-only."""
        return self._replica.view()

    @property
    def confirmed(self) -> BoardState:
        """The state the server's log defines, up to :attr:`seq`. Read-only."""
        return self._replica.confirmed

    @property
    def seq(self) -> int:
        return self._replica.seq

    @property
    def epoch(self) -> str | None:
        return self._epoch

    @property
    def presence(self) -> tuple[Member, ...]:
        return self._presence

    @property
    def actor(self) -> str:
        """Our participant id; "" before the first welcome."""
        return self._actor

    @property
    def identity(self) -> str | None:
        """The signed identity to pass to a later client to stay the same actor."""
        return self._identity

    @property
    def role(self) -> Role | None:
        return self._role

    @property
    def limits(self) -> dict[str, int]:
        """Field caps the server announced in its welcome (for forms)."""
        return dict(self._limits)

    @property
    def pending(self) -> list[PendingOp]:
        """Our ops not yet seen back as events, in send order."""
        return self._replica.pending

    @property
    def connected(self) -> bool:
        """True while joined on a live connection."""
        return self._ws is not None

    @property
    def clock(self) -> ServerClock:
        """The estimate of the server's clock (from ``welcome`` and ``pong``)."""
        return self._clock

    def server_now(self) -> float:
        """The server's time now, ms since the Unix epoch (this machine's
        wall clock until a welcome said the server's)."""
        if not self._clock.known:
            return time.time() * 1000
        return self._clock.server_now(_monotonic_ms())

    def timer(self) -> Timer:
        """The board timer now, on the server's clock: state, remaining and
        duration in ms."""
        return timer_at(self.state.session, self.server_now())

    # --- sending -------------------------------------------------------------

    def _next_op_id(self) -> str:
        # Unique per actor across processes: the counter orders ops of this
        # client, the random part separates clients sharing one identity.
        self._op_counter += 1
        return f"{self._op_counter}-{self._op_prefix}"

    def submit(self, op: Op) -> asyncio.Future[int]:
        """Queue ``op`` now (it shows in :attr:`state` at once); the future
        gives its seq when acked, or raises ``OpRejected``."""
        if self._end is not None:
            raise self._end
        op_id = self._next_op_id()
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._futures[op_id] = fut
        self._replica.add_pending(op_id, op, at=int(time.time() * 1000))
        if self._outbox is not None:
            self._outbox.put_nowait(op_id)
        return fut

    async def send(self, op: Op) -> int:
        """Send ``op`` and wait for its ack; the seq it got in the log."""
        return await self.submit(op)

    def notes(self, doc: str = "board") -> Notes:
        """The board's notes (``"board"``) or a card's description
        (``"card:<id>"``) as a live, editable Yjs text (client/notes.py)."""
        notes = self._notes.get(doc)
        if notes is None:

            def in_flight(key: str) -> list[bytes]:
                return in_flight_updates(self._replica.pending, key)

            notes = self._notes[doc] = Notes(doc, self.submit, in_flight)
            notes.sync(self._replica.confirmed.notes.get(doc))
        return notes

    def notes_markdown(self) -> str:
        """The board's notes and the card descriptions this client sees, as
        Markdown (the same file as ``GET /api/boards/<board>/notes.md``)."""
        state = self._replica.confirmed
        titles = {cid: card.title for cid, card in state.cards.items() if not card.deleted}
        return to_markdown(state.settings.title, state.notes, titles)

    def _sync_notes(self, docs: set[str] | None = None) -> None:
        """Bring the opened notes up to the confirmed state (None: all)."""
        confirmed = self._replica.confirmed.notes
        for key, notes in self._notes.items():
            if docs is None or key in docs or "*" in docs:
                notes.sync(confirmed.get(key))

    async def focus(self, card: str | None) -> None:
        """Tell others which card we edit (presence; best effort, not resent)."""
        ws = self._ws
        if ws is not None:
            try:
                await ws.send(encode(Focus(t="focus", card=card)))
            except ConnectionClosed:
                pass

    # --- watching ------------------------------------------------------------

    async def wait_for_seq(self, seq: int) -> None:
        """Return once the confirmed state has reached ``seq``."""
        if self._replica.seq >= seq:
            return
        if self._end is not None:
            raise self._end
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq_waiters.append((seq, waiter))
        await waiter

    def updates(self, maxsize: int = UPDATES_QUEUE_MAX) -> Subscription:
        """Every Joined / Applied / PresenceChanged / Disconnected from now on,
        as an async iterator (subscribed at once, so call it before
        ``connect()`` to see the first join).

        Ends after ``close()``; raises ``TerminalClose`` or ``Lagged``.
        """
        sub = Subscription(maxsize, on_close=self._subs.discard)
        if self._end is not None:
            sub.end(self._end)
        self._subs.add(sub)
        return sub

    def _notify(self, update: Update) -> None:
        for sub in list(self._subs):
            sub.put(update)

    def _wake_seq_waiters(self) -> None:
        seq = self._replica.seq
        still: list[tuple[int, asyncio.Future[None]]] = []
        for target, waiter in self._seq_waiters:
            if target <= seq:
                if not waiter.done():
                    waiter.set_result(None)
            elif not waiter.done():
                still.append((target, waiter))
        self._seq_waiters = still

    # --- the runner ----------------------------------------------------------

    async def _run(self) -> None:
        """The runner: reconnect until closed or terminal; a bug in the client
        ends it with a ClientError, so no waiter hangs on a dead task."""
        try:
            await self._reconnect_forever()
        except Exception as exc:
            log.exception("prikbord client failed")
            self._finish(ClientError(f"client failed: {type(exc).__name__}: {exc}"))

    async def _reconnect_forever(self) -> None:
        """Connect, serve, back off, repeat — until closed or terminal."""
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            code: int | None = None
            reason = ""
            try:
                async with connect(
                    self.link.ws_url,
                    subprotocols=[Subprotocol(SUBPROTOCOL)],
                    compression=None,
                    max_size=limits.MAX_SERVER_FRAME,
                    open_timeout=self._open_timeout,
                    close_timeout=_CLOSE_TIMEOUT_S,
                    # Our own ping/pong (SPEC §8) finds dead peers; a second,
                    # protocol-level keepalive would only add traffic.
                    ping_interval=None,
                ) as ws:
                    await self._session(ws)
            except ConnectionClosed as exc:
                code, reason = _close_info(exc)
                if code == CloseCode.KICKED:
                    self._finish(Removed(code, reason))
                    return
                if 4100 <= code < 4200:
                    self._finish(terminal_close(code, reason))
                    return
                reason = reason or "connection closed"
            except _Reconnect as exc:
                reason = str(exc)
                self._fresh_join = self._fresh_join or exc.fresh
            except InvalidURI as exc:
                self._finish(ConnectFailed(f"invalid server address: {exc}"))
                return
            except (OSError, TimeoutError, WebSocketException, ProtocolError) as exc:
                reason = str(exc) or type(exc).__name__
            if not self._joined_once and not self._retry_first:
                self._finish(ConnectFailed(f"cannot join {self.link.ws_url}: {reason}"))
                return
            if self._joined_once and loop.time() - started >= self._stable_after:
                self._backoff.reset()
            delay = self._backoff.next()
            log.info("disconnected (%s %s); reconnecting in %.1fs", code, reason, delay)
            self._notify(Disconnected(code, reason, delay))
            await asyncio.sleep(delay)

    def _hello(self) -> Hello:
        resume = None
        if self._replica.loaded and self._epoch is not None and not self._fresh_join:
            resume = Resume(epoch=self._epoch, seq=self._replica.seq)
        return Hello(
            t="hello",
            v=PROTOCOL_VERSION,
            board=self.link.board,
            token=self.link.token,
            name=self.name,
            identity=self._identity,
            resume=resume,
            code=self._access_code,
            presence_deltas=True,
        )

    async def _session(self, ws: ClientConnection) -> None:
        """One connection: hello, welcome, resend, then read until it ends."""
        hello_sent = _monotonic_ms()
        await ws.send(encode(self._hello()))
        try:
            async with asyncio.timeout(self._open_timeout):
                first = await self._recv(ws)
        except TimeoutError:
            raise _Reconnect("no welcome from the server") from None
        if not isinstance(first, Welcome):
            raise _Reconnect(f"expected welcome, got {first.t!r}")
        self._clock.reset()  # this connection's node may keep another time
        self._ping_sent.clear()
        if first.now is not None:
            self._clock.sample(first.now, hello_sent, _monotonic_ms())
        self._on_welcome(first)

        # Everything still unacked goes out first, in its original order; ops
        # submitted from now on queue behind it (no await in between).
        outbox: asyncio.Queue[str] = asyncio.Queue()
        for pending in self._replica.unacked():
            outbox.put_nowait(pending.op_id)
        self._outbox, self._ws = outbox, ws
        retries: set[asyncio.TimerHandle] = set()
        sender = asyncio.create_task(self._send_loop(ws, outbox), name="prikbord-client-sender")
        try:
            await self._read_loop(ws, outbox, retries, sender)
        finally:
            self._outbox = self._ws = None
            for handle in retries:
                handle.cancel()
            sender.cancel()
            await asyncio.wait([sender])

    def _on_welcome(self, w: Welcome) -> None:
        if w.board != self.link.board:
            raise _Reconnect(f"welcome for board {w.board!r}")
        self._actor, self._identity, self._role = w.actor, w.identity, w.role
        self._heartbeat_s = max(w.heartbeat_ms, 100) / 1000
        self._limits = dict(w.limits)
        self._replica.set_self(actor=w.actor, role=w.role, name=self.name)
        if self._epoch is not None and w.epoch != self._epoch:
            self._replica.reopen_acked()
        self._epoch = w.epoch
        if w.recovered:
            if not self._replica.loaded:
                self._fresh_join = True
                raise _Reconnect("server resumed a replica we do not have", fresh=True)
        else:
            if w.snapshot is None:
                raise _Reconnect("welcome without snapshot", fresh=True)
            self._replica.load_snapshot(w.snapshot)
            self._sync_notes()
            # An op whose ack we missed but whose event the snapshot holds
            # settles when its resend is acked.
        self._fresh_join = False
        self._joined_once = True
        self._wake_seq_waiters()
        if self._subs:
            snapshot = copy.deepcopy(self._replica.confirmed)
            self._notify(Joined(w.recovered, snapshot.seq, snapshot))
        if self._first is not None and not self._first.done():
            self._first.set_result(None)

    async def _recv(self, ws: ClientConnection) -> Welcome | Events | Ack | Error | Presence | Pong:
        data = await ws.recv()
        if isinstance(data, str):
            raise _Reconnect("server sent a text frame")
        return decode_server(data)

    async def _read_loop(
        self,
        ws: ClientConnection,
        outbox: asyncio.Queue[str],
        retries: set[asyncio.TimerHandle],
        sender: asyncio.Task[None],
    ) -> None:
        loop = asyncio.get_running_loop()
        hb = self._heartbeat_s
        last_rx = loop.time()
        # The first ping goes at once: its pong refines the clock, whose
        # welcome sample included the server's work on the join.
        next_ping = last_rx
        ping_n = 0
        while True:
            if sender.done() and not sender.cancelled() and sender.exception() is not None:
                raise _Reconnect(f"sender failed: {sender.exception()!r}")
            now = loop.time()
            if now >= next_ping:
                ping_n += 1
                self._ping_sent[ping_n] = _monotonic_ms()
                self._ping_sent.pop(ping_n - _PINGS_KEPT, None)
                await ws.send(encode(Ping(t="ping", n=ping_n)))
                next_ping = now + hb
            try:
                async with asyncio.timeout(max(0.0, min(next_ping, last_rx + 2 * hb) - now)):
                    msg = await self._recv(ws)
            except TimeoutError:
                if loop.time() - last_rx >= 2 * hb:
                    raise _Reconnect("heartbeat timeout: server silent") from None
                continue
            last_rx = loop.time()
            self._handle(msg, outbox, retries)

    def _handle(
        self,
        msg: object,
        outbox: asyncio.Queue[str],
        retries: set[asyncio.TimerHandle],
    ) -> None:
        match msg:
            case Events():
                self._on_events(msg.ev)
            case Ack():
                self._replica.ack(msg.id, msg.seq)
                self._resolve(msg.id, msg.seq)
            case Error():
                self._on_error(msg, outbox, retries)
            case Presence():
                self._on_presence(msg)
            case Pong():
                # Liveness is any frame; a pong also says the server's time.
                sent = self._ping_sent.pop(msg.n, None)
                if sent is not None and msg.now is not None:
                    self._clock.sample(msg.now, sent, _monotonic_ms())
            case _:
                pass  # a repeated welcome

    def _on_events(self, events: list[Event]) -> None:
        result = self._replica.apply_events(events)
        if self._notes and result.applied:
            self._sync_notes(docs_touched(result.applied))
        for op_id, seq in result.settled.items():
            self._resolve(op_id, seq)
        for event in result.applied:
            if self.on_event is not None:
                try:
                    self.on_event(event)
                except Exception:
                    log.exception("on_event callback failed")
            self._notify(Applied(event))
        self._wake_seq_waiters()
        if result.gap is not None:
            raise _Reconnect(f"gap: got seq {result.gap} at seq {self._replica.seq}")

    def _resolve(self, op_id: str, seq: int) -> None:
        fut = self._futures.pop(op_id, None)
        if fut is not None and not fut.done():
            fut.set_result(seq)

    def _on_error(
        self, err: Error, outbox: asyncio.Queue[str], retries: set[asyncio.TimerHandle]
    ) -> None:
        if 200 <= err.code < 300:
            raise _Reconnect(f"server asked for a resync ({err.code}: {err.msg})", fresh=True)
        if err.id is None or self._replica.get_pending(err.id) is None:
            log.warning("server error %s: %s", err.code, err.msg)
            return
        if 100 <= err.code < 200:
            # Same op, same id, later: the server applies it once whenever it lands.
            delay = _RETRY_DELAY_S * (0.5 + secrets.randbelow(1000) / 1000)
            handle = asyncio.get_running_loop().call_later(delay, outbox.put_nowait, err.id)
            retries.add(handle)
            return
        rejected = self._replica.reject(err.id)
        if rejected is not None and isinstance(rejected.op, NotesUpdate):
            notes = self._notes.get(rejected.op.doc)
            if notes is not None:  # show what the board holds, not what was refused
                notes.refused(self._replica.confirmed.notes.get(rejected.op.doc))
        fut = self._futures.pop(err.id, None)
        if fut is not None and not fut.done():
            fut.set_exception(OpRejected(err.code, err.msg, err.id))

    def _on_presence(self, msg: Presence) -> None:
        """A full list (on join, or from a server without deltas) replaces
        ours; a delta changes it (SPEC §7)."""
        before = {m.conn: m for m in self._presence}
        after = apply_presence(before, msg)
        self._presence = tuple(sorted(after.values(), key=member_order))
        self._notify(
            PresenceChanged(
                members=self._presence,
                joined=tuple(m for c, m in after.items() if c not in before),
                left=tuple(m for c, m in before.items() if c not in after),
            )
        )

    async def _send_loop(self, ws: ClientConnection, outbox: asyncio.Queue[str]) -> None:
        """Drain the outbox in order, paced under the server's rate limit."""
        pacer = _Pacer()
        while True:
            op_id = await outbox.get()
            pending = self._replica.get_pending(op_id)
            if pending is None or pending.acked_seq is not None:
                continue  # settled while it waited
            await pacer.take()
            try:
                await ws.send(encode(OpMsg(t="op", id=op_id, op=pending.op)))
            except ConnectionClosed:
                return  # the reader sees the close and reconnects; we resend then
