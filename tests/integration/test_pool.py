"""A join storm larger than the node's Redis pool queues for a connection
instead of failing: redis-py's default pool raised "Too many connections"
past its size, and those joins were closed with 4003 (issue 12)."""

from __future__ import annotations

import asyncio

from tests.integration.conftest import Nodes, nodes, valkey
from tests.support.servers import token_of
from tests.support.wire import Wire

__all__ = ["nodes", "valkey"]


async def test_a_join_storm_wider_than_the_pool_waits_for_connections(nodes: Nodes) -> None:
    a = nodes.start(PRIKBORD_REDIS_POOL_SIZE="4")
    board = a.create_board("Storm")
    bid, token = board["board"], token_of(board["links"]["participant"])

    async def join(i: int) -> Wire:
        return await Wire.join(a.ws, bid, token, f"p{i}", open_timeout=30)

    wires = await asyncio.gather(*(join(i) for i in range(60)))
    assert all(w.welcome.get("t") == "welcome" for w in wires)
    ops = [
        w.op(f"o{i}", {"type": "card.add", "id": f"c{i}", "title": "x"}, timeout=30)
        for i, w in enumerate(wires)
    ]
    acks = await asyncio.gather(*ops)
    assert [x["t"] for x in acks] == ["ack"] * 60
    for w in wires:
        await w.close()
