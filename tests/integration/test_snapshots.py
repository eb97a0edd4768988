"""A board whose stored snapshot is in an older form (version 1, before
facilitation) loads on a real node through the migration step, works, and
its next snapshot is stored in the current form, with its version."""

from __future__ import annotations

import asyncio
import copy
from typing import cast

import redis

from protocol import codec
from server.engine.keys import board_keys
from server.engine.snapshots import SNAPSHOT_VERSION
from tests.support.cluster import Nodes
from tests.support.servers import token_of
from tests.support.wire import Wire
from tests.unit.test_snapshots import V1_FORM


async def test_a_version_1_snapshot_loads_and_is_stored_again_as_current(nodes: Nodes) -> None:
    node = nodes.start(PRIKBORD_SNAPSHOT_EVERY="3")
    board = node.create_board("New")
    bid = board["board"]
    keys = board_keys(bid)
    r = redis.Redis.from_url(nodes.valkey.url)
    # The board as an older release left it: a version-1 snapshot at its head.
    form = copy.deepcopy(V1_FORM)
    form["board"], form["seq"] = bid, 1
    r.delete(keys.snap)
    r.hset(keys.snap, mapping={"seq": 1, "state": codec.pack(form), "restricted": 0})

    fac = await Wire.join(node.ws, bid, token_of(board["links"]["facilitator"]), "Fac")
    snap = fac.welcome["snapshot"]
    assert snap["settings"]["title"] == "Old board" and snap["settings"]["approval"] is False
    assert snap["cards"]["k1"]["status"] == "visible" and snap["removed"] == []
    assert snap["session"]["round"] == 0

    # It works as any board, and its next snapshot is in the current form.
    assert (await fac.op("o1", {"type": "card.set", "id": "k1", "title": "Edited"}))["t"] == "ack"
    assert (await fac.op("o2", {"type": "board.set", "approval": True}))["t"] == "ack"
    await fac.wait_seq(3)
    await fac.close()
    async with asyncio.timeout(10):  # the node stores it in the background
        while int(r.hget(keys.snap, "seq") or 0) < 3:
            await asyncio.sleep(0.05)
    stored = cast(dict[bytes, bytes], r.hgetall(keys.snap))
    assert int(stored[b"seq"]) == 3 and int(stored[b"v"]) == SNAPSHOT_VERSION
    state = codec.unpack(stored[b"state"])
    assert state["cards"]["k1"]["title"] == "Edited" and state["settings"]["approval"] is True
