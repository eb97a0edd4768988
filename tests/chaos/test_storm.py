"""A redeploy: a node with hundreds of clients restarts while a publisher
keeps writing. Every client reconnects (to the same address, as behind a load
balancer), resumes, and ends with every event exactly once.

CI runs 200 clients; ``PRIKBORD_FULL=1`` runs 600.
"""

from __future__ import annotations

import asyncio
import os
import random
from typing import Any

import pytest
import websockets

from tests.support.cluster import Nodes
from tests.support.servers import ServerProcess, token_of
from tests.support.wire import Wire, card

CLIENTS = 600 if os.environ.get("PRIKBORD_FULL") == "1" else 200


class Resumer:
    """A bare client that reconnects with ``resume`` after any close."""

    def __init__(self, node: ServerProcess, board: str, token: str) -> None:
        self.node, self.board, self.token = node, board, token
        self.seqs: list[int] = []  # every event seq received, duplicates included
        self.base = 0  # the seq of the last snapshot this client started from
        self.epoch = ""
        self.reconnects = 0
        self.snapshots = 0

    @property
    def seq(self) -> int:
        return max(self.seqs, default=self.base)

    async def run(self, stop: asyncio.Event) -> None:
        first = True
        while not stop.is_set():
            try:
                resume = None if first else (self.epoch, self.seq)
                wire = await Wire.join(self.node.ws, self.board, self.token, "r", resume=resume)
            except (OSError, websockets.WebSocketException, TimeoutError):
                await asyncio.sleep(random.uniform(0.05, 0.5))
                continue
            if not first:
                self.reconnects += 1
            if not wire.welcome["recovered"]:  # a snapshot: start over from it
                self.snapshots += 1
                self.base, self.seqs = int(wire.welcome["seq"]), []
            self.epoch = wire.welcome["epoch"]
            first = False
            await self._follow(wire, stop)

    async def _follow(self, wire: Wire, stop: asyncio.Event) -> None:
        seen = 0
        while not stop.is_set() and wire.close_code is None:
            while seen < len(wire.events):
                self.seqs.append(int(wire.events[seen]["seq"]))
                seen += 1
            await asyncio.sleep(0.02)
        while seen < len(wire.events):
            self.seqs.append(int(wire.events[seen]["seq"]))
            seen += 1
        if stop.is_set():
            await wire.close()


@pytest.mark.slow
async def test_clients_of_a_restarted_node_all_resume_without_loss(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    board = a.create_board("Storm")
    bid, token = board["board"], token_of(board["links"]["participant"])
    clients = [Resumer(b, bid, token) for _ in range(CLIENTS)]
    stop = asyncio.Event()
    runners = [asyncio.create_task(c.run(stop)) for c in clients]
    writer = await Wire.join(a.ws, bid, token, "writer")
    async with asyncio.timeout(60):
        while sum(1 for c in clients if c.epoch) < CLIENTS:
            await asyncio.sleep(0.05)

    last = 0

    async def write(n: int, prefix: str) -> None:
        nonlocal last
        for i in range(n):
            ack: dict[str, Any] = await writer.op(f"{prefix}{i}", card(f"{prefix}{i}"))
            last = max(last, int(ack["seq"]))
            await asyncio.sleep(0.01)

    before = asyncio.create_task(write(100, "a"))
    await asyncio.sleep(0.3)
    b.stop()  # SIGTERM: a graceful redeploy…
    b.start()  # …and the new process on the same port
    await before
    await write(20, "b")

    async with asyncio.timeout(60):
        while any(c.seq < last for c in clients):
            await asyncio.sleep(0.1)
    stop.set()
    await asyncio.gather(*runners)
    await writer.close()
    stuck = [c for c in clients if c.reconnects == 0]
    assert not stuck, f"{len(stuck)} clients never noticed the restart"
    for c in clients:  # every event once, in order, none missing
        assert c.seqs == list(range(c.base + 1, last + 1))
