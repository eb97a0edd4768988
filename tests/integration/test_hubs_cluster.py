"""Hubs on a real 3-master Valkey Cluster: every hub key shares the hash tag
``{hubs}``, so the multi-key scripts (create, compare-and-set with the agenda
index, attach a board, drop a hub with its agenda) run on one shard, and
the lifecycle makes an activity's board (on whichever shard its own tag
lands) and links it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from server.config import Settings
from server.engine.state import read_state
from server.hubs import keys, lifecycle
from server.hubs.agenda import Activity
from server.hubs.model import Hub
from server.hubs.store import HubStore
from server.node import Node
from tests.support.servers import TEST_SECRET
from tests.support.valkeycluster import ValkeyCluster

T0 = 1_900_000_000_000
HOUR = 3600 * 1000


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ValkeyCluster]:
    with ValkeyCluster(tmp_path / "cluster", masters=3, replicas=0) as c:
        yield c


async def test_hubs_scripts_and_lifecycle_on_a_cluster(cluster: ValkeyCluster) -> None:
    node = Node(Settings(redis_url=cluster.url, secret=TEST_SECRET))
    try:
        store = HubStore(node.redis)
        assert await store.create(Hub(slug="delft", name="Delft"))
        assert not await store.create(Hub(slug="delft", name="Again"))
        session = Activity(
            id="session01", hub="delft", type="brainstorm", title="Brainstorm",
            start=T0, end=T0 + HOUR, template="brainstorm", freeze=True,
        )  # fmt: skip
        await store.add_activity(session)
        changed = await store.update_activity("delft", "session01", lambda a: replace(a, host="Mo"))
        assert changed is not None and changed[1].host == "Mo"
        assert await lifecycle.tick(node, store, T0 + 1) == [("session01", "start")]
        started = await store.activity("delft", "session01")
        assert started is not None and started.board
        assert (await read_state(node.store, started.board)).sections
        assert await store.attach(started.board, "delft", public=True, now=T0)
        assert await store.boards("delft") == [(started.board, True)]
        assert await lifecycle.tick(node, store, T0 + HOUR) == [("session01", "end")]
        assert (await read_state(node.store, started.board)).settings.locked
        assert await store.delete("delft")
        assert await store.hub_of_board(started.board) is None
        assert not await node.redis.exists(keys.activities("delft"), keys.when("delft"))
    finally:
        await node.redis.aclose()
