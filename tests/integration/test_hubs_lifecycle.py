"""The agenda's lifecycle on a real Valkey with an injected clock: an
activity with a template gets its board when it starts (once, however many
nodes tick at the same moment), and the board is locked and filed in the
hub when the activity ends. The screen's pure ``showing`` follows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from server.config import Settings
from server.embedded import EmbeddedValkey
from server.engine.state import read_state
from server.hubs import lifecycle
from server.hubs.agenda import Activity
from server.hubs.model import Hub
from server.hubs.screen import showing
from server.hubs.store import HubStore
from server.node import Node
from tests.integration.conftest import valkey
from tests.support.servers import TEST_SECRET

__all__ = ["valkey"]

T0 = 1_900_000_000_000  # 2030-03-17, a Sunday afternoon in Amsterdam
HOUR = 3600 * 1000


@pytest.fixture
async def node_pair(valkey: EmbeddedValkey) -> AsyncIterator[tuple[Node, Node]]:
    """Two nodes' worth of Redis clients (no listeners: ``tick`` needs none)."""
    settings = Settings(redis_url=valkey.url, secret=TEST_SECRET)
    one, two = Node(settings), Node(settings)
    try:
        yield one, two
    finally:
        await one.redis.aclose()
        await two.redis.aclose()


def session(**over: object) -> Activity:
    base = Activity(
        id="session01",
        hub="delft",
        type="co_creation",
        title="Co-creatie: de binnenstad",
        start=T0,
        end=T0 + 2 * HOUR,
        template="cocreation",
        freeze=True,
        created=T0 - HOUR,
        updated=T0 - HOUR,
    )
    return replace(base, **over)  # type: ignore[arg-type]


async def test_a_board_is_made_at_the_start_once_and_frozen_at_the_end(
    node_pair: tuple[Node, Node],
) -> None:
    one, two = node_pair
    store_one, store_two = HubStore(one.redis), HubStore(two.redis)
    assert await store_one.create(Hub(slug="delft", name="Delft"))
    await store_one.add_activity(session())
    await store_one.add_activity(session(id="nofreeze1", template="", freeze=False))

    assert await lifecycle.tick(one, store_one, T0 - 1) == []
    # Both nodes tick at the start: one of them makes the board.
    ran = await asyncio.gather(
        lifecycle.tick(one, store_one, T0 + 1000), lifecycle.tick(two, store_two, T0 + 1000)
    )
    assert sorted(ran) == [[], [("session01", "start")]]
    started = await store_one.activity("delft", "session01")
    assert started is not None and started.board
    board = started.board
    assert await store_one.hub_of_board(board) == "delft"
    assert await store_one.boards("delft") == [(board, False)]
    state = await read_state(one.store, board)
    assert state.settings.title == "Co-creatie: de binnenstad"
    assert state.sections  # the template's sections
    assert not state.settings.locked
    # The screen shows the board while it runs, the agenda after.
    everything = await store_one.activities("delft", T0 - HOUR, T0 + 3 * HOUR)
    assert [a.id for a in everything] == ["nofreeze1", "session01"]
    now = showing(everything, T0 + HOUR)
    assert now.activity is not None and now.activity.board == board
    after = showing(everything, T0 + 2 * HOUR)
    assert after.activity is None and [a.id for a in after.today] == ["nofreeze1", "session01"]

    assert await lifecycle.tick(one, store_one, T0 + HOUR) == []  # nothing due
    ran = await asyncio.gather(
        lifecycle.tick(one, store_one, T0 + 2 * HOUR), lifecycle.tick(two, store_two, T0 + 2 * HOUR)
    )
    assert sorted(ran) == [[], [("session01", "end")]]
    state = await read_state(one.store, board)
    assert state.settings.locked
    info = await one.accounts.boards.info(board)
    assert info is not None and info.archived
    assert await lifecycle.tick(one, store_one, T0 + 3 * HOUR) == []


async def test_an_unknown_template_makes_nothing_and_is_tried_again(
    node_pair: tuple[Node, Node],
) -> None:
    one, _ = node_pair
    store = HubStore(one.redis)
    assert await store.create(Hub(slug="delft", name="Delft"))
    await store.add_activity(session(template="no-such-template"))
    boards_before = await one.redis.scard("prikbord:boards")
    assert await lifecycle.tick(one, store, T0 + 1000) == []
    assert await lifecycle.tick(one, store, T0 + 2000) == []  # claim given back, tried again
    activity = await store.activity("delft", "session01")
    assert activity is not None and activity.board == ""
    assert await one.redis.scard("prikbord:boards") == boards_before
