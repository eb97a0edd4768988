"""The exactly-once window (SPEC §6) is bounded in events and in time: a
resend inside both bounds gets the first ack; op ids older than either are
forgotten, and an idle board's window vanishes from Redis."""

from __future__ import annotations

import asyncio
import time

import redis

from server.engine.keys import board_keys
from tests.support.cluster import Nodes
from tests.support.servers import token_of
from tests.support.wire import Wire, card


async def test_op_ids_are_forgotten_after_the_time_window(nodes: Nodes) -> None:
    window_s = 1.0
    node = nodes.start(PRIKBORD_DEDUPE_MS=str(int(window_s * 1000)))
    board = node.create_board("Time window")
    bid, token = board["board"], token_of(board["links"]["participant"])
    w = await Wire.join(node.ws, bid, token, "writer")
    assert (await w.op("add", card("c1")))["t"] == "ack"
    rename = {"type": "card.set", "id": "c1", "title": "renamed"}
    sent = time.time()
    first = await w.op("set", rename)
    assert first["t"] == "ack"
    assert await w.op("set", rename) == first  # resent inside the window: the first ack

    keys = board_keys(bid)
    r = redis.Redis.from_url(nodes.valkey.url)
    op_key = f"{w.welcome['actor']}:set"
    busy = 0
    async with asyncio.timeout(15):  # the board stays busy, far below the count bound
        while r.zscore(keys.ops, op_key) is not None:
            assert (await w.op(f"busy{busy}", card(f"b{busy}")))["t"] == "ack"
            busy += 1
            await asyncio.sleep(0.05)
    forgotten = time.time()
    assert forgotten - sent >= window_s  # kept for the whole window
    assert r.zscore(keys.ops, f"{w.welcome['actor']}:busy{busy - 1}") is not None
    again = await w.op("set", rename)  # resent after the window: applied again
    assert again["t"] == "ack" and again["seq"] > first["seq"]

    # The board goes idle: its whole window expires.
    async with asyncio.timeout(15):
        while r.exists(keys.ops, keys.ops_times):
            await asyncio.sleep(0.1)
    await w.close()


async def test_op_ids_are_forgotten_after_the_count_window(nodes: Nodes) -> None:
    node = nodes.start(PRIKBORD_DEDUPE_WINDOW="5")
    board = node.create_board("Count window")
    bid, token = board["board"], token_of(board["links"]["participant"])
    w = await Wire.join(node.ws, bid, token, "writer")
    acks = [await w.op(f"n{i}", card(f"c{i}")) for i in range(10)]
    keys = board_keys(bid)
    r = redis.Redis.from_url(nodes.valkey.url)
    assert r.zcard(keys.ops) == 5
    assert await w.op("n9", card("c9")) == acks[9]  # among the last 5 events
    assert await w.op("n5", card("c5")) == acks[5]
    assert (await w.op("n4", card("c4")))["t"] == "error"  # forgotten: checked anew
    await w.close()
