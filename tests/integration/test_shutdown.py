"""A node told to stop (SIGTERM) closes every socket with 4000 GOING_AWAY,
as SPEC §10 promises, so clients reconnect elsewhere and resume."""

from __future__ import annotations

import asyncio

from protocol.errors import CloseCode
from tests.support.cluster import Nodes
from tests.support.servers import token_of
from tests.support.wire import Wire


async def test_sigterm_closes_sockets_with_going_away(nodes: Nodes) -> None:
    node = nodes.start()
    board = node.create_board()
    bid, token = board["board"], token_of(board["links"]["participant"])
    wires = [await Wire.join(node.ws, bid, token, f"p{i}") for i in range(3)]
    idle = await Wire.connect(node.ws)  # joined nothing yet: waits for its hello
    await asyncio.to_thread(node.stop)
    codes = [await w.wait_closed() for w in [*wires, idle]]
    assert codes == [CloseCode.GOING_AWAY] * 4, node.log_tail()
    assert "Traceback" not in node.log_tail(400)
