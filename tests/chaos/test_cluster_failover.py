"""The "done when" of the cluster: boards spread over every shard of a real
3-master, 3-replica Valkey Cluster, clients on two server nodes, and one
master SIGKILLed mid-run, its replica promoted, then the old master brought
back (it rejoins as the new master's replica). With ``WAIT`` on
(``PRIKBORD_WAIT_REPLICAS=1``):

* no acked op is lost: every ack names the seq its op holds in the log,
  exactly once, and every log is gap-free;
* every client replica equals the server's board (built from the log), and
  every Redis replica holds the same log as its master;
* boards on the other shards are unaffected: their clients never
  disconnect.

CI runs 30 boards and ~900 ops (about a minute); ``PRIKBORD_FULL=1`` runs
150 boards and ~4,500.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from redis.crc import key_slot

from client.client import PrikbordClient
from client.errors import OpRejected
from client.updates import Disconnected
from protocol import codec
from protocol.model import to_wire
from protocol.ops import Op
from server.engine.keys import board_keys
from tests.support.cluster import UNLIMITED
from tests.support.servers import ServerProcess, token_of
from tests.support.valkeycluster import Instance, ValkeyCluster

FULL = os.environ.get("PRIKBORD_FULL") == "1"
BOARDS = 150 if FULL else 30
#: Ops per client in each of the three phases (before, during, after).
OPS_PER_PHASE = 5
ENV = {**UNLIMITED, "PRIKBORD_WAIT_REPLICAS": "1", "PRIKBORD_WAIT_TIMEOUT_MS": "1000"}


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ValkeyCluster]:
    # As README "Deploying" recommends: while the killed master's slots wait
    # for its replica, the other shards keep serving (with the default
    # "yes" a slow CI machine would see every shard refuse meanwhile).
    with ValkeyCluster(
        tmp_path / "cluster", extra_args=["--cluster-require-full-coverage", "no"]
    ) as c:
        yield c


def _slot(board: str) -> int:
    return key_slot(board_keys(board).meta.encode())


def _op(me: str, n: int) -> Op:
    """A card with an id of its own: never refused, so every op must be acked."""
    return codec.op_from_wire({"type": "card.add", "id": f"{me}-{n}", "title": f"t{n}"})


def _log(inst: Instance, board: str) -> list[bytes]:
    entries = cast(
        list[tuple[bytes, dict[bytes, bytes]]], inst.reader().xrange(board_keys(board).log)
    )
    return [fields[b"e"] for _id, fields in entries]


class _Watched:
    """A client and the disconnects it saw."""

    def __init__(self, client: PrikbordClient, board: str) -> None:
        self.client = client
        self.board = board
        self.disconnects = 0
        self.reasons: list[str] = []
        self._updates = client.updates(maxsize=100_000)
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        async for update in self._updates:
            if isinstance(update, Disconnected):
                self.disconnects += 1
                self.reasons.append(f"{update.code} {update.reason}")

    async def close(self) -> None:
        await self.client.close()
        self._task.cancel()


@pytest.mark.slow
async def test_master_killed_and_failed_over_mid_run_loses_no_acked_op(
    cluster: ValkeyCluster, tmp_path: Path
) -> None:
    a = ServerProcess(cluster.url, tmp_path / "a", env=ENV).start()
    b = ServerProcess(cluster.url, tmp_path / "b", env=ENV).start()
    try:
        boards = [a.create_board(f"Shard test {i}") for i in range(BOARDS)]
        masters = {x["board"]: cluster.master_of_slot(_slot(x["board"])).port for x in boards}
        assert len(set(masters.values())) == 3, "boards must land on every shard"
        victim = cluster.by_port(masters[boards[0]["board"]])
        heir = cluster.replicas_of(victim)[0]

        watched: list[_Watched] = []
        for board in boards:
            link = board["links"]["participant"]
            for i, node in enumerate((a, b)):
                client = PrikbordClient(
                    link.replace(a.http, node.http), name=f"p{i}", retry_first_connect=True
                )
                await client.connect()
                watched.append(_Watched(client, board["board"]))

        acked: list[tuple[str, str, str, int]] = []  # (board, actor, op_id, seq)
        rejected = 0
        tasks: list[asyncio.Task[None]] = []
        counter = 0

        async def one(w: _Watched, op: Op) -> None:
            nonlocal rejected
            future = w.client.submit(op)
            op_id = w.client.pending[-1].op_id
            try:
                seq = await future
            except OpRejected:
                rejected += 1
                return
            acked.append((w.board, w.client.actor, op_id, seq))

        async def phase() -> None:
            nonlocal counter
            for _ in range(OPS_PER_PHASE):
                for w in watched:
                    counter += 1
                    tasks.append(asyncio.create_task(one(w, _op(w.client.actor, counter))))
                await asyncio.sleep(0.05)

        await phase()
        # Mid-run: the latest ops are on the wire when the master dies.
        cluster.kill(victim)
        killed_at = time.monotonic()
        await phase()
        await asyncio.to_thread(cluster.failover, heir)
        await phase()
        await asyncio.to_thread(cluster.restart, victim)
        await asyncio.to_thread(cluster.wait_healthy)
        assert cluster.master_of_slot(_slot(boards[0]["board"])) is heir
        assert victim in cluster.replicas_of(heir)
        async with asyncio.timeout(120):
            await asyncio.gather(*tasks)
        failover_s = time.monotonic() - killed_at

        assert len(acked) + rejected == counter
        assert rejected == 0

        # No acked op lost: each is in its board's log once, at its seq.
        by_board: dict[str, list[dict[str, Any]]] = {}
        for board in boards:
            bid = board["board"]
            owner = cluster.master_of_slot(_slot(bid))
            raws = _log(owner, bid)
            events = [codec.unpack(raw) for raw in raws]
            assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
            keys = [(e["actor"], e["op_id"]) for e in events]
            assert len(keys) == len(set(keys)), f"an op was applied twice on {bid}"
            by_board[bid] = events
            # The Redis replica holds the very same log.
            replica = cluster.replicas_of(owner)[0]
            deadline = time.monotonic() + 10
            while _log(replica, bid) != raws:
                assert time.monotonic() < deadline, f"replica of {bid} differs"
                await asyncio.sleep(0.05)
        for bid, actor, op_id, seq in acked:
            seq_of = {(e["actor"], e["op_id"]): e["seq"] for e in by_board[bid]}
            assert seq_of.get((actor, op_id)) == seq, f"acked op lost on {bid}"

        # Every client replica equals the server's board.
        async with asyncio.timeout(60):
            for board in boards:
                server_state = a.snapshot(board["board"], token_of(board["links"]["viewer"]))
                for w in watched:
                    if w.board != board["board"]:
                        continue
                    await w.client.wait_for_seq(server_state["seq"])
                    while w.client.pending:
                        await asyncio.sleep(0.05)
                    state = codec.unpack(codec.pack(to_wire(w.client.confirmed)))
                    assert state == server_state

        # Boards on the other shards never noticed.
        others = [w for w in watched if masters[w.board] != victim.port]
        assert others and all(w.disconnects == 0 for w in others), [
            (w.board, w.reasons) for w in others if w.disconnects
        ]
        print(
            f"\n{BOARDS} boards, {counter} ops acked, {len(others)} clients on other shards "
            f"never disconnected, kill to all acked: {failover_s:.1f} s"
        )
        for w in watched:
            await w.close()
    finally:
        a.kill()
        b.kill()
