"""``/metrics`` (issue 12): appends, fan-out, send-queue drops and
slow-consumer closes, Redis errors and reconnects, refusals by code and
presence size, each present from the start and counting what happened."""

from __future__ import annotations

import asyncio
import socket

from tests.support.cluster import Nodes
from tests.support.servers import token_of
from tests.support.wire import Wire, card


async def test_metrics_count_appends_refusals_and_presence(nodes: Nodes) -> None:
    node = nodes.start()
    for name in (
        "prikbord_appends_total", "prikbord_deliveries_total", "prikbord_closes_total",
        "prikbord_send_queue_dropped_total", "prikbord_errors_sent_total",
        "prikbord_redis_errors_total", "prikbord_bus_reconnects_total",
        "prikbord_presence_members", "prikbord_presence_members_max",
    ):  # fmt: skip
        assert f"# TYPE {name} " in node.metrics(), name
    board = node.create_board("Metrics")
    bid, token = board["board"], token_of(board["links"]["participant"])
    ann = await Wire.join(node.ws, bid, token, "Ann")
    bob = await Wire.join(node.ws, bid, token, "Bob")
    assert (await ann.op("o1", card("k1")))["t"] == "ack"
    assert (await ann.op("o2", {"type": "card.set", "id": "nope", "title": "x"}))["code"] == 311
    await bob.wait_seq(ann.welcome["seq"] + 1)
    async with asyncio.timeout(10):
        while node.metric("prikbord_presence_members") != 2:
            await asyncio.sleep(0.05)
    text = node.metrics()
    assert 'prikbord_appends_total{result="new"} 1' in text
    assert 'prikbord_errors_sent_total{code="311"} 1' in text
    assert "prikbord_presence_members_max 2" in text
    assert node.metric("prikbord_deliveries_total") >= 2

    # A refused handshake is counted by its close code.
    stranger = await Wire.connect(node.ws)
    await stranger.send({"t": "hello", "v": 1, "board": bid, "token": "forged", "name": "X"})
    assert await stranger.wait_closed() == 4102
    assert 'prikbord_closes_total{code="4102"} 1' in node.metrics()
    await asyncio.gather(ann.close(), bob.close())


async def test_a_slow_consumer_close_and_its_dropped_frames_are_counted(nodes: Nodes) -> None:
    node = nodes.start(PRIKBORD_SEND_QUEUE_MAX="16")
    board = node.create_board("Slow")
    bid, token = board["board"], token_of(board["links"]["participant"])
    # A reader with a tiny receive buffer that stops reading after the
    # welcome (as tests/integration/test_failures.py): frames pile up.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", node.port))
    slow = await Wire.join(node.ws, bid, token, "slow", sock=sock, max_queue=1)
    slow._reader.cancel()
    writer = await Wire.join(node.ws, bid, token, "writer")
    body = "x" * 3000
    for i in range(3000):
        await writer.op(f"w{i}", card(f"k{i}", body=body))
        if i % 20 == 19 and 'prikbord_closes_total{code="4001"} 1' in node.metrics():
            break
    assert 'prikbord_closes_total{code="4001"} 1' in node.metrics()
    assert node.metric("prikbord_send_queue_dropped_total") >= 1
    await writer.close()
