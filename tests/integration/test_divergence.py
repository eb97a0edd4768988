"""A node's replica never moves a client backward, and a log that lost its
tail is detected (issue "Core: resume never goes backward…", points 1-2).

The hubs here run in the test process on a real Valkey, without a pub/sub
listener: a hub hears only what the test hands it, so "this node lags" and
"the log lost its tail under this node" are exact, not timing luck. The
same scenarios with real server processes are in ``tests/chaos``.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable
from typing import Any, cast

import pytest
from redis.asyncio.client import Redis

from protocol import codec
from protocol.errors import CloseCode
from protocol.model import BoardState, to_wire
from protocol.reducer import apply
from server import hub as hub_module
from server.config import Settings
from server.connection import Connection
from server.embedded import EmbeddedValkey
from server.engine.client import Client
from server.engine.keys import board_keys
from server.engine.store import SnapshotSaved, Store, connect, now_ms
from server.hub import BoardHub, NodeBehind
from tests.integration.conftest import valkey

__all__ = ["valkey"]

BOARD = "div1"
_op_ids = itertools.count(1)


@pytest.fixture
async def store(valkey: EmbeddedValkey) -> AsyncIterator[Store]:
    client: Redis = connect(valkey.url)
    s = Store(client, dedupe_window=1000, log_retain=100_000)
    await s.create_board(BOARD, now_ms())
    try:
        yield s
    finally:
        await client.aclose()


async def _append(store: Store, n: int, actor: str = "writer") -> list[bytes]:
    """Append ``n`` card.add events straight to the log, as another node
    would; returns their bytes."""
    raws = []
    for _ in range(n):
        i = next(_op_ids)
        op = codec.op_from_wire({"type": "card.add", "id": f"c{i}", "title": f"card {i}"})
        head, tail = codec.event_parts(
            op_id=f"op{i}", actor=actor, name=actor, role="participant", at=now_ms(), op=op
        )
        result = await store.append(BOARD, f"{actor}:op{i}", head, tail)
        raws.append((await store.read_log(BOARD, result.seq - 1, result.seq))[0])
    return raws


class _Sink:
    """A connection's far end: every frame the hub sends, decoded."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []
        self.closed: tuple[int, str] | None = None
        self.conn = Connection(
            f"c{next(_op_ids)}", self._send, self._close, queue_max=100_000, actor="reader"
        )

    def _send(self, data: bytes) -> Awaitable[None]:
        self.frames.append(codec.unpack(data))
        return asyncio.sleep(0)

    async def _close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)

    def events(self) -> list[int]:
        return [e["seq"] for f in self.frames if f["t"] == "events" for e in f["ev"]]

    async def settle(self) -> None:
        for _ in range(5):
            await asyncio.sleep(0.01)


def _welcome(seq: int, recovered: bool, snapshot: bytes | None) -> bytes:
    fields = {"t": "welcome", "seq": seq, "recovered": recovered}
    return codec.welcome_frame(fields, snapshot)


class _Node:
    """One node's hub for the board, its pump running."""

    def __init__(self, store: Store, **settings: Any) -> None:
        self.hub = BoardHub(BOARD, store, Settings(**settings))
        self.pump: asyncio.Task[None] | None = None

    async def start(self) -> _Node:
        await self.hub.load()
        self.pump = asyncio.get_running_loop().create_task(self.hub.pump())
        return self

    def hear(self, raws: list[bytes]) -> None:
        """Pub/sub delivers these events to this node."""
        for raw in raws:
            self.hub.on_message(raw)

    async def caught_up(self, seq: int) -> None:
        assert await self.hub.caught_up(seq, 5.0), f"hub at {self.hub.state.seq}, wanted {seq}"

    async def stop(self) -> None:
        self.hub.stop()
        if self.pump is not None:
            self.pump.cancel()
            with pytest.raises(asyncio.CancelledError):
                await self.pump


def _replay(raws: list[bytes]) -> dict[str, Any]:
    state = BoardState(BOARD)
    for raw in raws:
        apply(state, codec.decode_event(raw))
    return to_wire(state)


# --- 1. a resume never goes backward ------------------------------------------


async def test_resume_on_a_lagging_node_catches_up_and_replays_exactly(store: Store) -> None:
    node = await _Node(store).start()
    node.hear(await _append(store, 5))
    await node.caught_up(5)
    await _append(store, 45)  # this node hears none of them: it lags at 5
    assert node.hub.state.seq == 5

    sink = _Sink()
    recovered = await node.hub.attach(sink.conn, (node.hub.epoch, 50), _welcome)
    await sink.settle()
    assert recovered
    assert sink.frames[0]["t"] == "welcome" and sink.frames[0]["seq"] == 50
    assert sink.frames[0]["recovered"] is True
    assert sink.events() == []  # nothing missed: the client was at the head
    assert node.hub.state.seq == 50

    await _append(store, 10)  # lagging again, and this client is behind too
    other = _Sink()
    assert await node.hub.attach(other.conn, (node.hub.epoch, 55), _welcome)
    await other.settle()
    assert other.frames[0]["seq"] == 55 and other.events() == list(range(56, 61))
    await node.stop()


async def test_a_node_that_cannot_catch_up_says_reconnect_never_an_older_state(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "CATCH_UP_WAIT_S", 0.3)
    node = _Node(store)
    await node.hub.load()  # its pump never runs: the node is stuck
    await _append(store, 20)
    sink = _Sink()
    with pytest.raises(NodeBehind):
        await node.hub.attach(sink.conn, (node.hub.epoch, 20), _welcome)
    await sink.settle()
    assert sink.frames == [] and sink.conn.id not in node.hub.conns


async def test_a_resume_ahead_of_the_log_gets_the_log_state_at_once(store: Store) -> None:
    """The log does not hold the client's seq in this epoch (it lost a tail
    before any node could see it, or the client claims too much): the log is
    the truth, and the answer comes without waiting."""
    node = await _Node(store).start()
    node.hear(await _append(store, 8))
    await node.caught_up(8)
    sink = _Sink()
    async with asyncio.timeout(1.0):
        recovered = await node.hub.attach(sink.conn, (node.hub.epoch, 500), _welcome)
    await sink.settle()
    assert not recovered
    assert sink.frames[0]["seq"] == 8 and sink.frames[0]["snapshot"]["seq"] == 8
    await node.stop()


# --- 2. a log that lost its tail ----------------------------------------------


async def _lose_tail(redis: Client, keep: int) -> None:
    """What a Redis restarted from an older AOF looks like: the log, its head,
    the op ids and the snapshot end at ``keep``; the epoch is unchanged."""
    keys = board_keys(BOARD)
    if int(await redis.hget(keys.snap, "seq") or 0) > keep:
        await redis.delete(keys.snap)  # saved after the lost events: lost with them
    kept = cast(
        list[tuple[bytes, dict[bytes, bytes]]], await redis.xrange(keys.log, "-", f"{keep}-0")
    )
    await redis.delete(keys.log)  # a stream never takes lower ids again: rebuild it
    for entry_id, fields in kept:
        await redis.xadd(keys.log, dict(fields), id=entry_id)  # type: ignore[arg-type]
    await redis.hset(keys.meta, "seq", keep)
    await redis.zremrangebyscore(keys.ops, keep + 1, "+inf")


async def test_reused_seqs_are_detected_new_epoch_clients_resync(store: Store) -> None:
    node = await _Node(store).start()
    node.hear(await _append(store, 30))
    await node.caught_up(30)
    sink = _Sink()
    await node.hub.attach(sink.conn, None, _welcome)
    old_epoch = node.hub.epoch

    await _lose_tail(store.redis, 20)
    reused = await _append(store, 5, actor="after")  # seqs 21..25, other events
    node.hear(reused)  # before the fix: "duplicates", never delivered
    async with asyncio.timeout(5):
        while node.hub.epoch == old_epoch:
            await asyncio.sleep(0.01)
    head = await store.head(BOARD)
    assert head.epoch == node.hub.epoch != old_epoch
    # The replica is the log's again, and the local client was told to resync.
    log = await store.read_log(BOARD, 0)
    assert [codec.event_seq(r) for r in log] == list(range(1, 26))
    assert to_wire(node.hub.state) == _replay(log)
    await sink.settle()
    assert sink.closed is not None and sink.closed[0] == CloseCode.RESYNC
    assert node.hub.divergences == 1
    await node.stop()


async def test_a_head_behind_the_replica_is_detected_by_every_node_one_new_epoch(
    store: Store,
) -> None:
    a, b = await _Node(store).start(), await _Node(store).start()
    raws = await _append(store, 12)
    a.hear(raws)
    b.hear(raws)
    await a.caught_up(12)
    await b.caught_up(12)
    old_epoch = a.hub.epoch
    await _lose_tail(store.redis, 9)
    # Both nodes re-check the head at once (as after a pub/sub reconnect).
    a.hub.request_head_check()
    b.hub.request_head_check()
    async with asyncio.timeout(5):
        while a.hub.epoch == old_epoch or b.hub.epoch == old_epoch:
            await asyncio.sleep(0.01)
    head = await store.head(BOARD)
    assert a.hub.epoch == b.hub.epoch == head.epoch != old_epoch  # rotated once
    assert a.hub.state.seq == b.hub.state.seq == 9
    await a.stop()
    await b.stop()


async def test_the_log_holding_other_bytes_at_our_seq_is_detected(store: Store) -> None:
    """The log lost a tail and already grew past the replica's seq again
    before the node re-checked: the head is not behind, but the event at the
    replica's seq is another one."""
    node = await _Node(store).start()
    node.hear(await _append(store, 10))
    await node.caught_up(10)
    old_epoch = node.hub.epoch
    await _lose_tail(store.redis, 6)
    await _append(store, 8, actor="after")  # head 14 > 10, seqs 7..14 reused
    node.hub.request_head_check()
    async with asyncio.timeout(5):
        while node.hub.epoch == old_epoch:
            await asyncio.sleep(0.01)
    assert node.hub.state.seq == 14
    assert to_wire(node.hub.state) == _replay(await store.read_log(BOARD, 0))
    await node.stop()


async def test_a_snapshot_is_never_written_from_a_diverged_replica(store: Store) -> None:
    raws = await _append(store, 10)
    state = _replay(raws)
    epoch = (await store.head(BOARD)).epoch
    data = codec.pack(state)
    await _lose_tail(store.redis, 6)
    await _append(store, 4, actor="after")  # seq 10 is another event now
    saved = await store.save_snapshot(BOARD, 10, data, epoch=epoch, last_event=raws[-1])
    assert saved is SnapshotSaved.DIVERGED
    assert (await store.load_snapshot(BOARD)).seq == 0
    wrong_epoch = await store.save_snapshot(BOARD, 6, data, epoch="other", last_event=raws[5])
    assert wrong_epoch is SnapshotSaved.DIVERGED
    good = await store.save_snapshot(BOARD, 6, codec.pack(_replay(raws[:6])), epoch=epoch,
                                     last_event=raws[5])  # fmt: skip
    assert good is SnapshotSaved.STORED


async def test_a_diverged_node_saves_no_snapshot(store: Store) -> None:
    node = await _Node(store, snapshot_every=5).start()
    node.hear(await _append(store, 5))
    await node.caught_up(5)
    async with asyncio.timeout(5):
        while (await store.load_snapshot(BOARD)).seq != 5:
            await asyncio.sleep(0.01)
    # The log loses 3..5 and grows again to 10 with other events; the node
    # hears them all. Before the fix it took 3..5 for duplicates, applied
    # 6..10 on top of its own 3..5 and saved that replica as the snapshot.
    await _lose_tail(store.redis, 2)
    node.hear(await _append(store, 8, actor="after"))
    await node.caught_up(10)
    await asyncio.sleep(0.2)
    snap = await store.load_snapshot(BOARD)
    log = await store.read_log(BOARD, 0)
    assert snap.seq == 10 and snap.state is not None
    assert codec.unpack(snap.state) == _replay(log[:10])
    assert to_wire(node.hub.state) == _replay(log)
    await node.stop()


async def test_a_gap_filled_from_a_log_that_lost_its_tail_is_detected(store: Store) -> None:
    """Pub/sub was down while the log lost its tail and grew past this node
    again; the first thing the node hears is an event past its seq. Filling
    the gap from the log would stack the log's events on the lost ones."""
    node = await _Node(store).start()
    node.hear(await _append(store, 10))
    await node.caught_up(10)
    old_epoch = node.hub.epoch
    await _lose_tail(store.redis, 6)
    fresh = await _append(store, 8, actor="after")  # seqs 7..14
    node.hear(fresh[-1:])  # only 14: a gap to fill from 11
    async with asyncio.timeout(5):
        while node.hub.epoch == old_epoch:
            await asyncio.sleep(0.01)
    assert to_wire(node.hub.state) == _replay(await store.read_log(BOARD, 0))
    await node.stop()
