"""One board as a node holds it: the materialized state, the local
connections, and the fan-out of events to them.

All state changes happen in the hub's pump task, one event at a time, in seq
order. Events arrive from pub/sub (only ever from Redis — never local-first,
so every node delivers the same order); a seq gap is filled from the log
before anything after it is applied. Joins register a connection in one
synchronous step (no ``await``) so no event can slip between the welcome
and the live stream.

Two promises about the replica (SPEC §3, issue "resume never goes
backward"):

* **A resume never goes backward.** A client resuming at a seq this node has
  not reached yet waits until the node caught up from the log; if it cannot
  in time, the client is told to reconnect — it is never handed an older
  state of the same epoch.
* **A diverged log is detected, never papered over.** If the log lost a tail
  this node had applied (Redis restarted from an older AOF, a failover to a
  lagging replica, a restore), new events reuse seqs the node already has.
  The node notices — the log head behind its replica, or an event whose seq
  it has with other bytes — and gives the board a new epoch (once, whichever
  node sees it first), reloads from Redis and makes its clients resync. A
  snapshot is never written from a diverged replica (snapshot.lua checks the
  log holds the very bytes the replica applied last).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError

from protocol import codec, limits
from protocol.errors import CloseCode, ProtocolError
from protocol.messages import Event, Presence
from protocol.model import BoardState, to_wire
from protocol.ops import ParticipantRemove
from protocol.reducer import apply
from protocol.visibility import (
    RAW,
    Change,
    ClassKey,
    RoleClass,
    Variant,
    Viewer,
    is_plain,
    project,
)
from server import logs
from server.connection import Connection
from server.engine.presence import PresenceChange, decode_change
from server.engine.snapshots import state_of
from server.engine.store import BoardHead, BoardNotFound, SnapshotSaved, Store, now_ms
from server.framewriter import binary_frame
from server.metrics import METRICS
from server.roster import Delta, Roster

if TYPE_CHECKING:
    from server.config import Settings

log = logging.getLogger("prikbord.hub")

#: Recent event bytes kept in memory: most resumes (a laptop lid, a redeploy)
#: are served from here without touching Redis.
RING_SIZE = 4096
#: A resume further behind than this gets a snapshot: cheaper than a replay.
MAX_REPLAY = 5000
#: Presence changes within this window go out as one ``presence`` frame.
PRESENCE_COALESCE_S = 0.05
HEAD_RECHECK_DELAY_S = 1.0
#: How long a resume waits for this node to catch up to the client's seq
#: from the log. A node paused for seconds drains its backlog in well under
#: this; one that cannot is behind for a reason, and the client goes
#: elsewhere rather than wait.
CATCH_UP_WAIT_S = 3.0


class NodeBehind(Exception):
    """This node could not catch up to a resuming client's seq in time. The
    client must reconnect (here later, or on another node); it must never be
    given a state older than the one it has."""


MakeWelcome = Callable[[int, bool, bytes | None], bytes]


class _Entry:
    """One applied event as the ring keeps it: the log's bytes, and — when
    viewers differ (moderation, protocol/visibility.py) — the bytes each
    visibility class receives, each encoded once."""

    __slots__ = ("raw", "seq", "variants")

    def __init__(self, raw: bytes, seq: int, variants: dict[ClassKey, bytes] | None = None):
        self.raw = raw
        self.seq = seq
        #: None: every viewer gets ``raw`` (an open board: the hot path).
        self.variants = variants

    def for_conn(self, conn: Connection) -> bytes:
        variants = self.variants
        if variants is None:
            return self.raw
        role_class: RoleClass = "fac" if conn.role == "facilitator" else "pub"
        own = variants.get((role_class, conn.actor))
        return own if own is not None else variants[(role_class, "")]


class BoardHub:
    def __init__(self, board: str, store: Store, settings: Settings) -> None:
        self.board = board
        self.store = store
        self.settings = settings
        self.state = BoardState(board)
        self.epoch = ""
        self.conns: dict[str, Connection] = {}
        self.ring: deque[_Entry] = deque(maxlen=RING_SIZE)
        #: Applied events waiting for the next fan-out (see ``_flush``).
        self._pending: list[_Entry] = []
        #: The last event that not every viewer got raw (moderation). A
        #: replay from ``since`` may read raw events from the log only when
        #: ``since`` is at or past it: from there on every viewer saw the
        #: whole state and every event raw. Kept with each snapshot.
        self._last_restricted = 0
        self._inbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._snapshot_cache: tuple[int, bytes] | None = None
        #: Who is on the board (server/roster.py), kept from the published
        #: presence changes; clients get its deltas (SPEC §7).
        self.roster = Roster()
        #: Connections that did not ask for deltas: they get full lists.
        self._full_lists: set[str] = set()
        self._full_cache: tuple[int, bytes] | None = None
        self._presence_pending = False
        #: A full re-read is on its way (changes meanwhile are kept here and
        #: applied again after it) / another was asked for meanwhile.
        self._presence_rereading: list[PresenceChange] | None = None
        self._presence_reread_again = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._seq_waiters: list[tuple[int, int, asyncio.Future[None]]] = []  # heap
        self._waiter_count = 0
        self.delivered = 0
        #: Set when this replica was found to differ from the log: nothing is
        #: saved from it until it is reloaded.
        self._diverged = False
        self.divergences = 0
        #: Set when the board was deleted (its meta is gone).
        self.gone = False

    # --- lifecycle ---------------------------------------------------------

    async def load(self) -> None:
        """Load snapshot + log tail. Call after the bus subscription is
        confirmed; events published meanwhile queue in the inbox."""
        head = await self.store.head(self.board)
        await self._load_from(head)
        self._note_title()  # boards from before titles were kept in meta
        await self._reread_presence()
        self.roster.take_delta()  # no client yet: the first joiner gets it whole

    async def _load_from(self, head: BoardHead) -> None:
        snap = await self.store.load_snapshot(self.board)
        state = state_of(self.board, snap.state, snap.version)
        raws = await self.store.read_log(self.board, state.seq)
        if raws and codec.event_seq(raws[0]) != state.seq + 1:
            raise RuntimeError(f"log of {self.board} does not continue its snapshot")
        self.state, self.epoch = state, head.epoch
        self._diverged = False
        self._last_restricted = snap.restricted
        self.ring.clear()
        self._pending = []  # events of the state we replace: never sent now
        self._snapshot_cache = None
        for raw in raws:
            self._apply(raw)

    async def pump(self) -> None:
        """Apply inbox items in order until cancelled. ``None`` = re-check
        the log head (after a pub/sub reconnect)."""
        logs.bind(board=self.board)
        while True:
            item = await self._inbox.get()
            try:
                if item is None:
                    await self._check_head()
                else:
                    await self._ingest(item)
            except BoardNotFound:
                self._gone()
            except (RedisError, OSError) as exc:
                METRICS.inc("prikbord_redis_errors_total", where="board")
                log.warning("board %s: storage error %s; re-checking soon", self.board, exc)
                self._later(HEAD_RECHECK_DELAY_S, self.request_head_check)
            except Exception:
                # A bug, or data we cannot read: never let it stop the board
                # on this node. Log it loudly and re-sync from the log.
                log.exception("board %s: unexpected error in the pump", self.board)
                self._later(HEAD_RECHECK_DELAY_S, self.request_head_check)
            # Outside the try: what was applied goes out even if a later step
            # of the same item failed.
            if self._inbox.empty():
                self._flush()

    def on_message(self, raw: bytes) -> None:
        self._inbox.put_nowait(raw)

    def request_head_check(self) -> None:
        self._inbox.put_nowait(None)

    def stop(self) -> None:
        for task in self._tasks:
            task.cancel()

    # --- ingest ------------------------------------------------------------

    async def _ingest(self, raw: bytes) -> None:
        seq = codec.event_seq(raw)
        if seq <= self.state.seq:
            # A duplicate (already filled from the log) has the very bytes we
            # applied; other bytes mean the log reused a seq: it lost a tail.
            mine = self._applied(seq)
            if mine is not None and mine != raw:
                await self._diverge(f"event {seq} differs from the one applied")
            return
        if seq > self.state.seq + 1:
            await self._fill(seq - 1)
            if seq != self.state.seq + 1:
                return  # the fill reloaded or already went past this event
        self._apply(raw)

    async def _check_head(self) -> None:
        head = await self.store.head(self.board)
        if head.epoch != self.epoch:
            await self._reload(head)
            return
        if head.seq < self.state.seq:
            await self._diverge(f"log head {head.seq} is behind this replica")
            return
        if self.ring:  # the log must still hold what we applied last
            stored = await self.store.read_event(self.board, self.state.seq)
            if stored is not None and stored != self.ring[-1].raw:
                await self._diverge(f"the log holds another event at {self.state.seq}")
                return
        if head.seq > self.state.seq:
            await self._fill(head.seq)

    def _applied(self, seq: int) -> bytes | None:
        """The bytes of the event this replica applied at ``seq``, if still
        in the ring."""
        first = self.state.seq - len(self.ring) + 1
        return self.ring[seq - first].raw if first <= seq <= self.state.seq else None

    async def _diverge(self, why: str) -> None:
        """This replica holds events the log no longer has. New epoch (a
        compare-and-set: once, whichever node sees it first), then reload
        from Redis; ``_reload`` makes the local clients resync."""
        log.error("board %s diverged from its log (%s): new epoch, reloading", self.board, why)
        self._diverged = True
        self.divergences += 1
        await self.store.rotate_epoch(self.board, self.epoch)
        await self._reload(await self.store.head(self.board))

    async def _fill(self, upto: int) -> None:
        """Apply the events after our seq up to ``upto`` from the log.

        The read starts one event early: the log must still hold the event
        we applied last. After a lost tail the log can have grown past our
        seq again before pub/sub told us anything; continuing from there
        would stack its events on ours (the head check could no longer see
        the difference)."""
        last = self.ring[-1].raw if self.ring else None
        while self.state.seq < upto:
            after = self.state.seq - 1 if last is not None else self.state.seq
            raws = await self.store.read_log(self.board, after, upto, count=1000)
            if last is not None:
                if raws and codec.event_seq(raws[0]) == self.state.seq:
                    if raws[0] != last:
                        await self._diverge(f"the log holds another event at {self.state.seq}")
                        return
                    raws = raws[1:]
                last = None  # checked (or trimmed away: nothing to compare)
            if not raws or codec.event_seq(raws[0]) != self.state.seq + 1:
                await self._reload(await self.store.head(self.board))
                return
            for raw in raws:
                if codec.event_seq(raw) == self.state.seq + 1:
                    self._apply(raw)

    async def _reload(self, head: BoardHead) -> None:
        """The log no longer continues our state (trimmed past us, or a new
        epoch): reload and make local clients resume against the new state."""
        log.warning("board %s: reloading state (epoch %s → %s)", self.board, self.epoch, head.epoch)
        await self._load_from(head)
        for conn in list(self.conns.values()):
            conn.abort(CloseCode.RESYNC, "board reloaded: reconnect")

    def _apply(self, raw: bytes) -> None:
        try:
            event = codec.decode_event(raw)
        except ProtocolError:
            # Never expected (we wrote it); advance so the board does not stall.
            log.error("board %s: undecodable event at seq %d", self.board, codec.event_seq(raw))
            self.state.seq = codec.event_seq(raw)
            entry = _Entry(raw, self.state.seq, {("fac", ""): raw, ("pub", ""): raw})
        else:
            title = self.state.settings.title
            change = Change.before(self.state, event)
            apply(self.state, event)
            entry = _Entry(raw, event.seq, self._encode(raw, event, change.variants(self.state)))
            if self.state.settings.title != title:
                self._note_title()
            if isinstance(event.op, ParticipantRemove) and event.op.actor in self.state.removed:
                self._kick(event.op.actor)
        if entry.variants is not None:
            self._last_restricted = entry.seq
        self.ring.append(entry)
        self._pending.append(entry)
        self._wake_waiters()
        if self.state.seq % self.settings.snapshot_every == 0:
            self._save_snapshot(raw)

    def _encode(
        self, raw: bytes, event: Event, variants: dict[ClassKey, Variant]
    ) -> dict[ClassKey, bytes] | None:
        """Each variant's bytes, encoded once (None: raw for everyone).
        Patches and placeholders carry the event's op id, actor and name
        only for the actor itself (its client settles its op by them) and
        for facilitators who may see authors; for anyone else they would
        name the author of what they may not see."""
        anonymous = self.state.settings.anonymous
        if anonymous == "off" and all(v == RAW for v in variants.values()):
            return None
        identity_for_fac = anonymous != "all"
        out: dict[ClassKey, bytes] = {}
        sealed: dict[tuple[int, bool], bytes] = {}

        def seal(variant: Variant, with_identity: bool) -> bytes:
            if variant == RAW and with_identity:
                return raw
            key = (id(variant), with_identity)
            if key not in sealed:
                op_id, actor, name = (
                    (event.op_id, event.actor, event.name) if with_identity else ("", "", "")
                )
                # A raw event whose author this class may not know (a notes
                # update in anonymous mode): the same op, without who sent it.
                op = event.op if variant == RAW else variant
                head, tail = codec.event_parts(
                    op_id=op_id, actor=actor, name=name, role=event.role, at=event.at,
                    op=op,
                )  # fmt: skip
                sealed[key] = codec.seal_event(head, event.seq, tail)
            return sealed[key]

        for (role_class, actor), variant in variants.items():
            mine = bool(actor) and actor == event.actor
            if variant == RAW:  # raw keeps who sent it unless authors are hidden
                hidden = anonymous == "all" or (anonymous == "others" and role_class == "pub")
                out[(role_class, actor)] = seal(variant, mine or not hidden)
                continue
            out[(role_class, actor)] = seal(
                variant, mine or (role_class == "fac" and identity_for_fac)
            )
        role_classes: tuple[RoleClass, ...] = ("fac", "pub")
        for role_class in role_classes:
            key = (role_class, event.actor)
            if event.actor and key not in out:
                out[key] = seal(variants[(role_class, "")], True)
        return out

    def _kick(self, actor: str) -> None:
        for conn in list(self.conns.values()):
            if conn.actor == actor:
                conn.abort(CloseCode.KICKED, "removed from this board by a facilitator")

    def _flush(self) -> None:
        """Fan out the applied events not yet sent: one encode per batch, the
        same bytes to every local socket. The pump flushes whenever its inbox
        is empty, so at a calm rate every event goes out alone, at once; when
        events arrive faster than they are sent (a backlog from pub/sub),
        they go out together, one frame per socket per batch: the cost per
        delivery falls as the load rises (BENCHMARKS.md)."""
        pending = self._pending
        if not pending:
            return
        self._pending = []
        if not self.conns:
            return
        if any(entry.variants is not None for entry in pending):
            self._flush_variants(pending)
            return
        for i in range(0, len(pending), limits.REPLAY_BATCH):
            batch = [entry.raw for entry in pending[i : i + limits.REPLAY_BATCH]]
            frame = codec.events_frame(batch)
            wire = binary_frame(frame)  # the WebSocket frame, once for every socket
            if len(batch) == 1:
                for conn in self.conns.values():
                    conn.send_event(batch[0], frame, wire)
            else:
                for conn in self.conns.values():
                    conn.send_frame(frame, wire)
        self.delivered += len(self.conns) * len(pending)

    def _flush_variants(self, pending: list[_Entry]) -> None:
        """Fan-out when viewers differ: each connection gets its class's
        bytes; a frame is built once per distinct choice of variants, not
        once per socket."""
        for i in range(0, len(pending), limits.REPLAY_BATCH):
            batch = pending[i : i + limits.REPLAY_BATCH]
            frames: dict[tuple[int, ...], tuple[bytes, bytes]] = {}
            for conn in self.conns.values():
                chosen = [entry.for_conn(conn) for entry in batch]
                key = tuple(map(id, chosen))
                built = frames.get(key)
                if built is None:
                    frame = codec.events_frame(chosen)
                    built = frames[key] = (frame, binary_frame(frame))
                if len(chosen) == 1:
                    conn.send_event(chosen[0], *built)
                else:
                    conn.send_frame(*built)
        self.delivered += len(self.conns) * len(pending)

    async def caught_up(self, seq: int, within: float) -> bool:
        """Wait until this node applied ``seq`` (read-your-writes for the
        policy check of a client's next op); False on timeout."""
        if self.state.seq >= seq:
            return True
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiter_count += 1
        heapq.heappush(self._seq_waiters, (seq, self._waiter_count, fut))
        try:
            async with asyncio.timeout(within):
                await fut
        except TimeoutError:
            return False
        return True

    def _wake_waiters(self) -> None:
        waiters = self._seq_waiters
        while waiters and waiters[0][0] <= self.state.seq:
            fut = heapq.heappop(waiters)[2]
            if not fut.done():
                fut.set_result(None)

    # --- joins -------------------------------------------------------------

    async def attach(
        self,
        conn: Connection,
        resume: tuple[str, int] | None,
        make_welcome: MakeWelcome,
        *,
        presence_deltas: bool = False,
    ) -> bool:
        """Queue the welcome (+ replay) and the full member list for
        ``conn``, and register it for live events and presence changes (as
        deltas when it asked for them, else as full lists). Returns whether
        the resume was recovered."""
        replay: list[bytes] | None = None
        if resume is not None and resume[0] == self.epoch:
            if resume[1] > self.state.seq:
                await self._catch_up(resume[1])
            replay = await self._replay_since(resume[1], conn)
            if resume[0] != self.epoch:  # reloaded meanwhile: never mix epochs
                replay = None
        # No await from here on: atomic with respect to the pump. Events
        # applied but not yet fanned out go to the sockets already here; the
        # welcome below includes them.
        self._flush()
        if replay is not None and resume is not None:
            conn.send_frame(make_welcome(resume[1], True, None))
            for i in range(0, len(replay), limits.REPLAY_BATCH):
                conn.send_frame(codec.events_frame(replay[i : i + limits.REPLAY_BATCH]))
        else:
            conn.send_frame(make_welcome(self.state.seq, False, self.snapshot_for(conn)))
        self.conns[conn.id] = conn
        if not presence_deltas:
            self._full_lists.add(conn.id)
        conn.send_frame(self._full_presence())
        return replay is not None

    async def _catch_up(self, seq: int) -> None:
        """Bring this replica up to ``seq`` (a resuming client's) from the
        log. Returns at once when the log itself does not reach ``seq`` in
        this epoch (the client then gets the log's state: SPEC §3); raises
        NodeBehind when the log has it but this node cannot get there in
        time."""
        epoch = self.epoch
        head = await self.store.head(self.board)
        self.request_head_check()  # the pump fills from the log (or reloads)
        if head.epoch != epoch or head.seq < seq:
            return
        if not await self.caught_up(seq, CATCH_UP_WAIT_S) and self.epoch == epoch:
            raise NodeBehind(f"board {self.board}: node at {self.state.seq}, client at {seq}")

    def detach(self, conn: Connection) -> None:
        self.conns.pop(conn.id, None)
        self._full_lists.discard(conn.id)

    async def _replay_since(self, since: int, conn: Connection) -> list[bytes] | None:
        """Events ``since < seq <= state.seq`` as ``conn`` may see them, as
        of the moment this returns, or None when they cannot all be had
        (then: snapshot). Events older than the ring come raw from the log,
        which is right only where every viewer saw the raw event."""
        if since > self.state.seq or self.state.seq - since > MAX_REPLAY:
            return None
        fetched: list[bytes] = []
        after = since
        while True:
            ring_first = self.state.seq - len(self.ring) + 1
            if after + 1 >= ring_first:
                tail = itertools.islice(self.ring, after + 1 - ring_first, None)
                return fetched + [entry.for_conn(conn) for entry in tail]
            if since < self._last_restricted:
                return None
            raws = await self.store.read_log(self.board, after, count=1000)
            if not raws or codec.event_seq(raws[0]) != after + 1:
                return None
            fetched.extend(raws)
            after = codec.event_seq(raws[-1])
            if after >= self.state.seq:
                return [r for r in fetched if codec.event_seq(r) <= self.state.seq]

    def snapshot_for(self, conn: Connection) -> bytes:
        """The welcome snapshot: the whole state where the connection's
        class sees it all (cached per seq), else its projection."""
        role_class: RoleClass = "fac" if conn.role == "facilitator" else "pub"
        if is_plain(self.state, role_class):
            return self.snapshot_bytes()
        return codec.pack(project(self.state, Viewer(conn.role, conn.actor)))

    def snapshot_bytes(self) -> bytes:
        """The packed snapshot at the current seq, packed once per seq."""
        cached = self._snapshot_cache
        if cached is None or cached[0] != self.state.seq:
            cached = (self.state.seq, codec.pack(to_wire(self.state)))
            self._snapshot_cache = cached
        return cached[1]

    def _save_snapshot(self, last_event: bytes) -> None:
        if self._diverged:
            return
        seq, data, epoch = self.state.seq, self.snapshot_bytes(), self.epoch
        restricted = self._last_restricted

        async def save() -> None:
            try:
                saved = await self.store.save_snapshot(
                    self.board, seq, data, epoch=epoch, last_event=last_event,
                    restricted=restricted,
                )  # fmt: skip
            except (RedisError, OSError):
                METRICS.inc("prikbord_redis_errors_total", where="snapshot")
                return
            if saved is SnapshotSaved.DIVERGED:
                log.warning("board %s: snapshot at %d refused (log differs)", self.board, seq)
                self.request_head_check()  # finds the divergence, or the new epoch

        self._spawn(save())

    def _note_title(self) -> None:
        """Keep the title in the board's meta for lists ("my boards")."""
        seq, title = self.state.seq, self.state.settings.title

        async def note() -> None:
            with contextlib.suppress(RedisError, OSError):
                await self.store.note_title(self.board, seq, title)

        self._spawn(note())

    def _gone(self) -> None:
        """The board was deleted: its sockets close with 4103 and this hub
        is never handed out again (``Node.hub``)."""
        if not self.gone:
            log.info("board %s: deleted; closing its sockets", self.board)
        self.gone = True
        for conn in list(self.conns.values()):
            conn.abort(CloseCode.BOARD_NOT_FOUND, "board deleted")

    # --- presence ----------------------------------------------------------

    def on_presence(self, data: bytes) -> None:
        """A message of the board's presence channel: a change, applied to
        the roster and sent as a delta (coalesced); anything else (a node
        of an older version says only that something changed) re-reads."""
        change = decode_change(data)
        if change is None:
            self.on_presence_changed()
            return
        if self._presence_rereading is not None:
            self._presence_rereading.append(change)
        self.roster.apply(change)
        self._schedule_presence()

    def on_presence_changed(self) -> None:
        """Re-read the board's whole presence: changes may have been lost
        (pub/sub reconnected; pub/sub is at-most-once)."""
        if self._presence_rereading is not None:
            self._presence_reread_again = True
            return
        self._presence_rereading = []
        self._spawn(self._reread_presence())

    async def _reread_presence(self) -> None:
        """Replace the roster with Redis's entries, then apply again the
        changes heard during the read: one may or may not be in what it
        returned, and applying it twice is harmless (``Roster.apply``)."""
        self._presence_rereading = self._presence_rereading or []
        try:
            entries = await self.store.presence_entries(self.board, now_ms())
        except (RedisError, OSError) as exc:
            METRICS.inc("prikbord_redis_errors_total", where="presence")
            log.warning("board %s: presence re-read failed: %s", self.board, exc)
            entries = None
        heard, self._presence_rereading = self._presence_rereading, None
        if entries is not None:
            self.roster.replace(entries)
            for change in heard:
                self.roster.apply(change)
            self._schedule_presence()
        if self._presence_reread_again:
            self._presence_reread_again = False
            self.on_presence_changed()

    def _schedule_presence(self) -> None:
        if not self._presence_pending:
            self._presence_pending = True
            self._later(PRESENCE_COALESCE_S, self._flush_presence)

    def _flush_presence(self) -> None:
        """Send what changed since the last flush: one delta frame, encoded
        once, to every connection that takes deltas; the full list to the
        others."""
        self._presence_pending = False
        delta = self.roster.take_delta()
        if delta is None or not self.conns:
            return
        frame = _delta_frame(delta)
        wire = binary_frame(frame)
        for conn in self.conns.values():
            if conn.id in self._full_lists:
                conn.send_frame(self._full_presence())
            else:
                conn.send_frame(frame, wire)

    def _full_presence(self) -> bytes:
        """The full member list as last told, encoded once per change."""
        cached = self._full_cache
        if cached is None or cached[0] != self.roster.version:
            members = self.roster.members()
            cached = (self.roster.version, codec.encode(Presence(t="presence", members=members)))
            self._full_cache = cached
        return cached[1]

    # --- tasks -------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        context = logs.context_with(board=self.board)  # its log lines name the board
        task = asyncio.get_running_loop().create_task(coro, context=context)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _later(self, delay: float, callback: Callable[[], None]) -> None:
        asyncio.get_running_loop().call_later(delay, callback)


def _delta_frame(delta: Delta) -> bytes:
    """A presence delta (SPEC §7); empty lists are left out."""
    return codec.encode(
        Presence(
            t="presence",
            joined=delta.joined or None,
            updated=delta.updated or None,
            left=delta.left or None,
        )
    )
