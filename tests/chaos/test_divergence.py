"""Chaos runs for the replica promises (issue "Core: resume never goes
backward…"), with real server processes on a real Valkey:

* **lagging-node resume**: node B is frozen (SIGSTOP) while clients write
  through node A; a client that follows on A resumes on B the moment B
  thaws. No resume ever hands it an older state of the same epoch.
* **lost tail**: Valkey is restarted from a copy of its AOF taken seconds
  earlier while clients write through two nodes. The nodes notice, the
  board gets a new epoch, every client converges to the log, no op is in the
  log twice, and the log replayed from its start equals the stored snapshot.

CI runs a few rounds; ``PRIKBORD_FULL=1`` runs more.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import signal
from pathlib import Path
from typing import Any, cast

import pytest
import redis

from client.client import PrikbordClient
from client.errors import OpRejected
from protocol import codec
from protocol.model import BoardState, to_wire
from protocol.reducer import apply
from server.embedded import AOF_DIR_NAME
from tests.chaos.test_chaos import _random_op
from tests.support.cluster import Nodes
from tests.support.servers import ServerProcess, token_of
from tests.support.wire import Wire, card

FULL = os.environ.get("PRIKBORD_FULL") == "1"


def _log(url: str, board: str) -> list[bytes]:
    entries = cast(
        list[tuple[bytes, dict[bytes, bytes]]],
        redis.Redis.from_url(url).xrange(f"{{b:{board}}}:log"),
    )
    return [fields[b"e"] for _id, fields in entries]


def _replay(board: str, raws: list[bytes]) -> dict[str, Any]:
    state = BoardState(board)
    for raw in raws:
        apply(state, codec.decode_event(raw))
    return cast(dict[str, Any], codec.unpack(codec.pack(to_wire(state))))


@contextlib.contextmanager
def _frozen(node: ServerProcess) -> Any:
    assert node.proc is not None
    node.proc.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        node.proc.send_signal(signal.SIGCONT)


@pytest.mark.slow
async def test_resume_on_a_node_that_was_frozen_never_goes_backward(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    board = a.create_board("Lagging")
    bid, token = board["board"], token_of(board["links"]["participant"])
    keeper = await Wire.join(b.ws, bid, token, "keeper")  # B holds the board in memory
    follower = await Wire.join(a.ws, bid, token, "follower")
    epoch = follower.welcome["epoch"]
    writers = [await Wire.join(a.ws, bid, token, f"w{i}") for i in range(3)]
    stop = asyncio.Event()
    n = 0

    async def write(w: Wire) -> None:
        nonlocal n
        while not stop.is_set():
            n += 1
            await w.send({"t": "op", "id": f"o{n}", "op": card(f"c{n}")})
            await asyncio.sleep(0.002)

    tasks = [asyncio.create_task(write(w)) for w in writers]
    outcomes: list[str] = []
    for _ in range(8 if FULL else 3):
        with _frozen(b):
            await asyncio.sleep(1.5)  # B misses everything written meanwhile
            mark = follower.last_seq
            joining = asyncio.create_task(
                Wire.join(b.ws, bid, token, "mover", resume=(epoch, mark), open_timeout=30)
            )
            await asyncio.sleep(0.2)  # the hello waits in B's socket buffer
        async with asyncio.timeout(30):
            while True:
                try:
                    mover = await joining
                except Exception as exc:  # told to reconnect (40xx): try again
                    outcomes.append(f"retry: {exc!r}")
                    await asyncio.sleep(0.2)
                    joining = asyncio.create_task(
                        Wire.join(b.ws, bid, token, "mover", resume=(epoch, mark))
                    )
                    continue
                break
        w = mover.welcome
        assert w["epoch"] == epoch
        # Never backward: either an exact replay from `mark`, or (never, in
        # one epoch) a snapshot at or past it.
        assert w["seq"] >= mark, f"resume at {mark} answered with state {w['seq']}"
        if w["recovered"]:
            assert w["seq"] == mark
            first = await mover.until(lambda f: f.get("t") in ("events", "presence"), 10)
            if first["t"] == "events":
                assert first["ev"][0]["seq"] == mark + 1
        outcomes.append("recovered" if w["recovered"] else "snapshot")
        await mover.close()
    stop.set()
    await asyncio.gather(*tasks)
    assert mark > 100, "the writers must have moved the board on"
    assert any(o == "recovered" for o in outcomes), outcomes
    for wire in [keeper, follower, *writers]:
        await wire.close()


@pytest.mark.slow
async def test_a_log_that_lost_its_tail_gets_a_new_epoch_and_everyone_converges(
    nodes: Nodes, tmp_path: Path
) -> None:
    env = {"PRIKBORD_SNAPSHOT_EVERY": "50", "PRIKBORD_LOG_RETAIN": "1000000"}
    a, b = nodes.start(**env), nodes.start(**env)
    board = a.create_board("Lost tail")
    bid, links = board["board"], board["links"]
    clients: list[PrikbordClient] = []
    for i in range(6):
        node = a if i % 2 == 0 else b
        role = "facilitator" if i < 2 else "participant"
        client = PrikbordClient(links[role].replace(a.http, node.http), name=f"u{i}",
                                retry_first_connect=True)  # fmt: skip
        await client.connect()
        clients.append(client)
    epoch = clients[0].epoch
    rng = random.Random(20261130)
    tasks: list[asyncio.Task[None]] = []
    counter = 0

    async def one(client: PrikbordClient) -> None:
        nonlocal counter
        counter += 1
        with contextlib.suppress(OpRejected):
            await client.submit(_random_op(rng, counter))

    async def run_ops(seconds: float) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while loop.time() < end:
            tasks.append(asyncio.create_task(one(rng.choice(clients))))
            await asyncio.sleep(0.01)

    await run_ops(2.0 if not FULL else 5.0)
    # The "backup": writes paused, every write so far fsynced, AOF copied.
    admin = redis.Redis.from_url(nodes.valkey.url)
    admin.client_pause(5000, all=False)  # writes only
    backup = tmp_path / "aof-backup"
    shutil.copytree(nodes.valkey.data_dir / AOF_DIR_NAME, backup)
    admin.client_unpause()
    head_at_backup = int(cast(bytes, admin.hget(f"{{b:{bid}}}:meta", "seq")))
    admin.close()

    await run_ops(2.0)  # these events are about to be lost
    nodes.valkey.stop()
    lost_head = max(c.seq for c in clients)
    shutil.rmtree(nodes.valkey.data_dir / AOF_DIR_NAME)
    shutil.copytree(backup, nodes.valkey.data_dir / AOF_DIR_NAME)
    nodes.valkey.start()
    assert lost_head > head_at_backup, "clients must have seen the tail that is lost"

    await run_ops(3.0)  # new events reuse the lost seqs
    async with asyncio.timeout(120):
        await asyncio.gather(*tasks)
        for client in clients:
            while client.pending or client.epoch == epoch or not client.connected:
                await asyncio.sleep(0.05)

    raws = _log(nodes.valkey.url, bid)
    seqs = [codec.event_seq(r) for r in raws]
    assert seqs == list(range(1, len(seqs) + 1)), "the log is gap-free from seq 1"
    events = [codec.unpack(r) for r in raws]
    keys = [(e["actor"], e["op_id"]) for e in events]
    assert len(keys) == len(set(keys)), "an op is in the log twice"
    truth = _replay(bid, raws)
    async with asyncio.timeout(30):
        for client in clients:
            await client.wait_for_seq(truth["seq"])
    for client in clients:
        assert client.epoch != epoch
        assert codec.unpack(codec.pack(to_wire(client.confirmed))) == truth
    viewer = token_of(links["viewer"])
    assert a.snapshot(bid, viewer) == truth == b.snapshot(bid, viewer)
    # The stored snapshot is the log replayed from its start, never a replica
    # that held the lost tail.
    snap = cast(
        dict[bytes, bytes], redis.Redis.from_url(nodes.valkey.url).hgetall(f"{{b:{bid}}}:snap")
    )
    snap_seq = int(snap[b"seq"])
    assert snap_seq > head_at_backup
    assert codec.unpack(snap[b"state"]) == _replay(bid, raws[:snap_seq])
    for client in clients:
        await client.close()
