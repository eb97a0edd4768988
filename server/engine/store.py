"""The board store: logs, snapshots, epochs and presence in Redis/Valkey.

Guarantees (each method says which it gives):

* ``append`` is atomic and ordered per board: dedupe by op key, next seq,
  log entry, sharded publish and op-key record happen in one script, so every
  board has one gap-free order across all nodes and a resent op applies once
  (if resent within the dedupe window: so many events and so much time).
* Presence writes are atomic per board and bounded (``MAX_PRESENCE_CONNS``,
  expiry per entry, a TTL on the keys); presence may be briefly stale.
* The publish is at-most-once (Redis pub/sub); the log is the truth. Readers
  that see a seq gap fill it with ``read_log``.
* Nothing here caches: every call reads Redis.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from enum import IntEnum
from importlib import resources
from typing import Any, cast

from redis.asyncio.client import Redis
from redis.asyncio.cluster import PipelineCommand, RedisCluster
from redis.commands.core import AsyncScript
from redis.exceptions import AskError, MovedError, NoScriptError, RedisError

from protocol.messages import Member
from server.engine.client import Client, UrlError
from server.engine.client import connect as connect_any
from server.engine.keys import BOARDS_KEY, EPOCH_CHANGED, board_keys, short_key
from server.engine.presence import Entry, decode_entry, encode_entry
from server.engine.snapshots import SNAPSHOT_VERSION

__all__ = ["Client", "Store", "connect", "now_ms"]

#: 31 unambiguous characters; 31^8 ≈ 8.5e11 codes, so guessing one of a
#: thousand boards takes ~850 million tries (a short code is as good as the
#: participant link it redirects to). Eight characters still fit on a wall.
SHORT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SHORT_LENGTH = 8


class BoardNotFound(Exception):
    """The board has no meta key: never created (or its data was lost)."""


class RateLimited(Exception):
    """The op's actor or client IP used up its token bucket on the board;
    nothing was appended. ``who``: "actor" or "ip"."""

    def __init__(self, who: str, retry_ms: int) -> None:
        super().__init__(f"{who} rate limit: retry in {retry_ms} ms")
        self.who = who
        self.retry_ms = retry_ms


@dataclass(frozen=True, slots=True)
class OpRate:
    """Who an op is charged to (append.lua's token buckets on the board):
    its actor and its client IP, each at ``per_second`` with ``burst``
    (0 per second: that limit is off)."""

    actor: str
    ip: str
    actor_per_second: float
    actor_burst: int
    ip_per_second: float
    ip_burst: int


@dataclass(frozen=True, slots=True)
class AppendResult:
    seq: int
    duplicate: bool


@dataclass(frozen=True, slots=True)
class BoardHead:
    epoch: str
    seq: int


class SnapshotSaved(IntEnum):
    """What ``save_snapshot`` did (the values are snapshot.lua's)."""

    DIVERGED = -1  # refused: the replica does not match the log
    NOT_NEWER = 0
    STORED = 1


@dataclass(frozen=True, slots=True)
class Snapshot:
    seq: int
    state: bytes | None  # packed snapshot form; None = empty board at seq 0
    #: Seq of the last event at or before ``seq`` that not every viewer got
    #: raw (moderation: protocol/visibility.py). 0 for snapshots written
    #: before moderation existed: boards were plain then.
    restricted: int = 0
    #: The version of the stored form (server/engine/snapshots.py); 1 for
    #: snapshots stored before forms had versions.
    version: int = 1


def _script_text(name: str) -> str:
    return resources.files("server.engine").joinpath(name).read_text(encoding="utf-8")


def connect(url: str, **kwargs: Any) -> Redis:
    """A client of one server (tests and tools that take a plain URL); a
    node uses :func:`server.engine.client.connect`, which also takes a
    cluster URL. Raises UrlError for a cluster URL."""
    client = connect_any(url, **kwargs)
    if not isinstance(client, Redis):
        raise UrlError("server.engine.store.connect takes one server's URL, not a cluster's")
    return client


class NotDurable(RedisError):
    """``WAIT`` timed out: fewer replicas than required confirmed the append.
    The op may still be in the log (and was published): it is refused as
    unavailable (101) rather than acked, and the client's resend with the
    same op id is acked once it is durable (exactly-once holds)."""


#: Presence entries (connections) per board: bounds its Redis memory (~200
#: bytes an entry, so ≤ ~400 KB) against a script opening sockets. Twice a
#: big hub session, since a redeploy leaves the old entries for one TTL.
MAX_PRESENCE_CONNS = 2000
#: Connection ids per presence refresh call (Lua unpack's stack is ~8,000).
_REFRESH_BATCH = 1000


class Store:
    def __init__(
        self,
        client: Client,
        *,
        dedupe_window: int,
        log_retain: int,
        dedupe_ms: int = 24 * 3600 * 1000,
        presence_cap: int = MAX_PRESENCE_CONNS,
        wait_replicas: int = 0,
        wait_timeout_ms: int = 0,
    ) -> None:
        self.redis = client
        self._wait_replicas = wait_replicas
        self._wait_timeout_ms = wait_timeout_ms
        self._dedupe_window = dedupe_window
        self._dedupe_ms = dedupe_ms
        self._presence_cap = presence_cap
        self._log_retain = log_retain
        self._append: AsyncScript = client.register_script(_script_text("append.lua"))
        self._snapshot: AsyncScript = client.register_script(_script_text("snapshot.lua"))
        self._presence: AsyncScript = client.register_script(_script_text("presence.lua"))
        self._rotate: AsyncScript = client.register_script(_script_text("rotate.lua"))
        self._title: AsyncScript = client.register_script(_script_text("title.lua"))

    # --- boards ------------------------------------------------------------

    async def create_board(self, board: str, now_ms: int) -> str:
        """Create the board's meta with a fresh epoch; returns the epoch.
        Refuses (ValueError) an id that exists: ids are never reused."""
        keys = board_keys(board)
        epoch = secrets.token_hex(8)
        created = await self.redis.hsetnx(keys.meta, "epoch", epoch)
        if not created:
            raise ValueError("board id exists")
        await self.redis.hset(keys.meta, mapping={"seq": 0, "created": now_ms})
        await self.redis.sadd(BOARDS_KEY, board)
        return epoch

    async def head(self, board: str) -> BoardHead:
        """Epoch and last seq of the board's log. Raises BoardNotFound."""
        fields = await self.redis.hmget(board_keys(board).meta, ["epoch", "seq"])
        epoch, seq = cast(list[bytes | None], fields)
        if epoch is None:
            raise BoardNotFound(board)
        return BoardHead(epoch.decode(), int(seq or 0))

    async def create_short_code(self, board: str) -> str:
        """A short join code for the board: 8 characters people can type from
        a wall screen (no 0/O, 1/I/L), unique, kept as long as the board."""
        for _ in range(20):
            code = "".join(secrets.choice(SHORT_ALPHABET) for _ in range(SHORT_LENGTH))
            if await self.redis.set(short_key(code), board, nx=True):
                await self.redis.hset(board_keys(board).meta, "short", code)
                return code
        raise RuntimeError("no free short code")

    async def exists(self, board: str) -> bool:
        return bool(await self.redis.exists(board_keys(board).meta))

    async def note_title(self, board: str, seq: int, title: str) -> bool:
        """Record the title set by the event at ``seq`` in the board's meta
        (for lists of boards), unless a newer one is there or the board is
        gone. Idempotent: every node applying the event may call it."""
        return bool(await self._title(keys=[board_keys(board).meta], args=[seq, title]))

    # --- the log -----------------------------------------------------------

    async def append(
        self, board: str, op_key: str, head: bytes, tail: bytes, rate: OpRate | None = None
    ) -> AppendResult:
        """Atomically append one event (see append.lua). Raises BoardNotFound.
        A duplicate op key returns the seq of the first append, if the first
        append is among the board's last ``dedupe_window`` events and younger
        than ``dedupe_ms`` (ids are kept that long at least, and dropped
        soon after: ``dedupe_ms`` + 1/32 at the latest while the board is
        busy; the whole window expires with the board idle).

        With ``rate``, the op first takes a token from its actor's and its
        IP's bucket on the board, in the same script (no extra round trip),
        so the limits hold across sockets and nodes; raises RateLimited when
        either is empty (a duplicate is acked, never limited)."""
        keys = board_keys(board)
        script_keys = [keys.meta, keys.log, keys.ops, keys.ops_times]
        args: list[str | bytes | int | float] = [
            keys.events, op_key, head, tail, self._dedupe_window, self._dedupe_ms,
        ]  # fmt: skip
        if rate is not None:
            script_keys += [f"{keys.rate}a:{rate.actor}", f"{keys.rate}i:{rate.ip}"]
            args += [rate.actor_per_second, rate.actor_burst, rate.ip_per_second, rate.ip_burst]
        if self._wait_replicas > 0:
            status, seq, *who = await self._append_durable(board, script_keys, args)
        else:
            status, seq, *who = await self._append(keys=script_keys, args=args)
        if status == 0:
            raise BoardNotFound(board)
        if status == 3:
            raise RateLimited("actor" if who == [1] else "ip", int(seq))
        return AppendResult(int(seq), duplicate=status == 2)

    async def _append_durable(
        self, board: str, keys: list[str], args: list[str | bytes | int | float]
    ) -> list[int]:
        """append.lua, then ``WAIT`` on the same connection (a pipeline of
        the two; on a cluster on the connection to the board's shard), so
        the ack waits until ``wait_replicas`` replicas hold the event — or,
        for a duplicate, everything this master wrote before (a tiny write
        on the board's slot gives the WAIT an offset past the first append,
        which may have run on another connection). Raises NotDurable when
        the replicas do not confirm within ``wait_timeout_ms``."""
        result = cast(
            list[int],
            await self._pipelined(
                keys[0], [("EVALSHA", self._append.sha, len(keys), *keys, *args)]
            ),
        )
        status = int(result[0])
        if status == 2:  # a duplicate: make sure its first append is durable
            sync = board_keys(board).sync
            await self._pipelined(sync, [("SET", sync, b"", "PX", 60_000)])
        return [int(v) for v in result]

    async def _pipelined(self, key: str, commands: list[tuple[Any, ...]]) -> Any:
        """``commands`` then WAIT, in one pipeline on one connection to the
        server owning ``key``; returns the first command's reply.

        On a cluster this talks to the key's node directly rather than
        through redis-py's ``ClusterPipeline``: WAIT names no key, and that
        pipeline, on a connection error, closes *every* connection of the
        client — other shards' commands in flight then fail (seen in the
        failover chaos test as sockets of healthy shards dropped)."""
        wait: tuple[Any, ...] = ("WAIT", self._wait_replicas, self._wait_timeout_ms)
        for attempt in range(3):
            if isinstance(self.redis, RedisCluster):
                node = self.redis.get_node_from_key(key)
                if node is None:
                    raise RedisError("no master owns the board's slot")
                stack = [PipelineCommand(n, *c) for n, c in enumerate([*commands, wait])]
                await node.execute_pipeline(stack)
                replies: list[Any] = [c.result for c in stack]
            else:
                pipe = self.redis.pipeline(transaction=False)
                for command in commands:
                    pipe.execute_command(*command)
                pipe.execute_command(*wait)
                replies = await pipe.execute(raise_on_error=False)
            first, acked = replies[0], replies[-1]
            if isinstance(first, NoScriptError):
                await self.redis.script_load(self._append.script)
                continue
            if isinstance(first, (MovedError, AskError)) and attempt < 2:
                # The slot moved (a failover): patch the slot map, try again.
                assert isinstance(self.redis, RedisCluster)
                await self.redis.nodes_manager.move_slot(first)
                continue
            for reply in replies:
                if isinstance(reply, Exception):
                    raise reply
            if int(acked) < self._wait_replicas:
                raise NotDurable(
                    f"WAIT: {int(acked)} of {self._wait_replicas} replicas confirmed "
                    f"within {self._wait_timeout_ms} ms"
                )
            return first
        raise RedisError("the board's slot kept moving")

    async def find_op(self, board: str, op_key: str) -> int | None:
        """The seq an op key got, if it is inside the dedupe window."""
        score = await self.redis.zscore(board_keys(board).ops, op_key)
        return None if score is None else int(score)

    async def read_log(
        self, board: str, after: int, upto: int | None = None, count: int | None = None
    ) -> list[bytes]:
        """Event bytes with ``after < seq <= upto``, in order. The caller must
        check the first seq: the log may have been trimmed past ``after``."""
        end = "+" if upto is None else f"{upto}-0"
        entries = cast(
            list[tuple[bytes, dict[bytes, bytes]]],
            await self.redis.xrange(board_keys(board).log, f"{after + 1}-0", end, count=count),
        )
        return [fields[b"e"] for _id, fields in entries]

    async def first_seq(self, board: str) -> int | None:
        """Seq of the oldest event still in the log (None: empty log)."""
        entries = cast(
            list[tuple[bytes, dict[bytes, bytes]]],
            await self.redis.xrange(board_keys(board).log, "-", "+", count=1),
        )
        if not entries:
            return None
        return int(entries[0][0].split(b"-")[0])

    # --- snapshots ---------------------------------------------------------

    async def load_snapshot(self, board: str) -> Snapshot:
        seq, state, restricted, version = cast(
            list[bytes | None],
            await self.redis.hmget(board_keys(board).snap, ["seq", "state", "restricted", "v"]),
        )
        if seq is None or state is None:
            return Snapshot(0, None)
        return Snapshot(int(seq), bytes(state), int(restricted or 0), int(version or 1))

    async def save_snapshot(
        self,
        board: str,
        seq: int,
        state: bytes,
        *,
        epoch: str,
        last_event: bytes,
        restricted: int = 0,
    ) -> SnapshotSaved:
        """Store the snapshot if newer than the stored one, and trim the log
        to ``log_retain`` events behind it. Idempotent across nodes.

        Refused (``DIVERGED``) unless the board is still in ``epoch`` and the
        log holds exactly ``last_event`` at ``seq``: a replica that applied
        events the log has since lost must never become the snapshot.
        ``restricted`` is kept beside it (see :class:`Snapshot`)."""
        keys = board_keys(board)
        result = await self._snapshot(
            keys=[keys.snap, keys.log, keys.meta],
            args=[seq, state, self._log_retain, epoch, last_event, restricted, SNAPSHOT_VERSION],
        )
        return SnapshotSaved(int(result))

    async def rotate_epoch(self, board: str, expected: str | None = None) -> str | None:
        """Give the board a new epoch — only if its epoch is still
        ``expected`` (None: whatever it is) — and tell every node holding
        it. Atomic, so concurrent callers rotate once. Returns the epoch the
        board has afterwards (None: no such board)."""
        keys = board_keys(board)
        result = await self._rotate(
            keys=[keys.meta],
            args=[expected or "", secrets.token_hex(8), keys.presence_changed, EPOCH_CHANGED],
        )
        return None if result is None else bytes(result).decode()

    async def read_event(self, board: str, seq: int) -> bytes | None:
        """The bytes of the event at ``seq``, if the log still holds it."""
        raws = await self.read_log(board, seq - 1, seq)
        return raws[0] if raws else None

    # --- presence ----------------------------------------------------------
    #
    # One entry per connection, on whichever node (presence.lua); readers see
    # one member per actor, so a person leaves when their last connection on
    # any node is gone. Each write also sweeps expired entries and publishes
    # on the board's "changed" channel when the set changed.

    async def presence_put(
        self, board: str, conn: str, member: Member, ttl_ms: int, now_ms: int
    ) -> bool:
        """Add or update connection ``conn``'s entry (latest name and focus
        of ``member.actor``). False when the board is at its cap."""
        entry = encode_entry(member, now_ms)
        return await self._presence_call(
            board, "put", ttl_ms, now_ms, self._presence_cap, conn, entry
        )

    async def presence_refresh(
        self, board: str, conns: list[str], ttl_ms: int, now_ms: int
    ) -> None:
        """Extend the expiry of the connections this node still serves (and
        the keys' TTL), and sweep expired ones. Run for every board a node
        holds, even with no connection left."""
        for i in range(0, max(len(conns), 1), _REFRESH_BATCH):
            await self._presence_call(
                board, "refresh", ttl_ms, now_ms, *conns[i : i + _REFRESH_BATCH]
            )

    async def presence_remove(self, board: str, conn: str, now_ms: int) -> None:
        """Drop one connection's entry (its socket closed)."""
        await self._presence_call(board, "remove", 0, now_ms, conn)

    async def _presence_call(
        self, board: str, mode: str, ttl_ms: int, now_ms: int, *args: str | int | bytes
    ) -> bool:
        keys = board_keys(board)
        changed = await self._presence(
            keys=[keys.presence, keys.presence_expiry],
            args=[mode, now_ms, ttl_ms, keys.presence_changed, *args],
        )
        return bool(changed)

    async def presence_entries(self, board: str, now_ms: int) -> dict[str, Entry]:
        """Every live entry, by connection id (one script on the board's
        shard: it sweeps expired entries first, and publishes that)."""
        keys = board_keys(board)
        flat = cast(
            list[bytes],
            await self._presence(
                keys=[keys.presence, keys.presence_expiry],
                args=["list", now_ms, 0, keys.presence_changed],
            ),
        )
        out: dict[str, Entry] = {}
        for conn, value in zip(flat[::2], flat[1::2], strict=True):
            entry = decode_entry(bytes(value))
            if entry is not None:
                out[bytes(conn).decode()] = entry
        return out

    async def presence_list(self, board: str, now_ms: int) -> list[Member]:
        """Live members, one per actor: the one of its connections that
        changed last gives name and focus."""
        latest: dict[str, tuple[int, str, Member]] = {}
        for conn, entry in (await self.presence_entries(board, now_ms)).items():
            prior = latest.get(entry.member.actor)
            if prior is None or (entry.at, conn) > prior[:2]:
                latest[entry.member.actor] = (entry.at, conn, entry.member)
        members = [m for _at, _conn, m in latest.values()]
        return sorted(members, key=lambda m: (m.name.lower(), m.conn))

    # --- node-wide ---------------------------------------------------------

    async def ping(self) -> bool:
        return bool(await self.redis.ping())


def now_ms() -> int:
    return int(time.time() * 1000)
