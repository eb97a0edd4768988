"""Presence (SPEC §7): one member per actor, across nodes; a member leaves
when their last connection on any node is gone, and members of a dead node
leave by themselves (no join needed); presence memory per board is bounded."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import redis

from protocol.messages import Member
from server.embedded import EmbeddedValkey
from server.engine.keys import board_keys
from server.engine.store import Store, connect, now_ms
from tests.support.cluster import Nodes
from tests.support.servers import token_of
from tests.support.wire import Wire

#: Short, so a dead node's members expire within the test.
TTL_MS = 1500


def _names(frame: dict[str, Any]) -> set[str]:
    return {m["name"] for m in frame["members"]}


def _presence(pred: Callable[[dict[str, Any]], bool]) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f.get("t") == "presence" and pred(f)


async def _until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.05)


async def test_members_of_a_killed_node_leave_without_a_join(nodes: Nodes) -> None:
    env = {"PRIKBORD_PRESENCE_TTL_MS": str(TTL_MS)}
    a, b = nodes.start(**env), nodes.start(**env)
    board = a.create_board("Leak")
    bid, token = board["board"], token_of(board["links"]["participant"])
    observer = await Wire.join(b.ws, bid, token, "observer")
    for name in ("gone1", "gone2"):
        await Wire.join(a.ws, bid, token, name)
    everyone = {"observer", "gone1", "gone2"}
    await observer.until(_presence(lambda f: _names(f) == everyone), timeout=10)

    a.kill()  # no close frames, no presence removal: a crashed node
    await observer.until(_presence(lambda f: _names(f) == {"observer"}), timeout=15)
    keys = board_keys(bid)
    r = redis.Redis.from_url(nodes.valkey.url)
    assert r.hlen(keys.presence) == 1
    assert r.zcard(keys.presence_expiry) == 1

    # No live node holds the board any more: its presence keys vanish.
    b.kill()
    await _until(lambda: r.exists(keys.presence, keys.presence_expiry) == 0, timeout=15)
    await observer.close()


async def test_one_actor_on_two_nodes_leaves_with_its_last_connection(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    board = a.create_board("Two tabs")
    bid, token = board["board"], token_of(board["links"]["participant"])
    observer = await Wire.join(b.ws, bid, token, "observer")
    tab_a = await Wire.join(a.ws, bid, token, "Ann")
    tab_b = await Wire.join(b.ws, bid, token, "Ann", identity=tab_a.welcome["identity"])
    actor = tab_a.welcome["actor"]
    assert tab_b.welcome["actor"] == actor

    def actors(f: dict[str, Any]) -> list[str]:
        return [m["actor"] for m in f["members"]]

    frame = await observer.until(_presence(lambda f: actor in actors(f)), timeout=10)
    assert actors(frame).count(actor) == 1  # one member per actor, two tabs
    r = redis.Redis.from_url(nodes.valkey.url)
    entries = board_keys(bid).presence
    before = r.hlen(entries)

    await tab_a.close()  # the tab on node A closes normally
    await _until(lambda: r.hlen(entries) < before)
    # A presence frame computed after that close (a marker join comes after it).
    marker = await Wire.join(b.ws, bid, token, "marker")
    frame = await observer.until(_presence(lambda f: "marker" in _names(f)), timeout=10)
    assert actor in actors(frame)  # the tab on node B is still open

    await tab_b.close()  # the last connection of that actor, on any node
    await observer.until(_presence(lambda f: actor not in actors(f)), timeout=10)
    await marker.close()
    await observer.close()


async def test_presence_lists_the_latest_entry_per_actor_and_is_capped(
    valkey: EmbeddedValkey,
) -> None:
    client = connect(valkey.url)
    store = Store(client, dedupe_window=10, log_retain=10, presence_cap=3)
    board, now = "capped", now_ms()

    def member(actor: str, name: str, card: str | None = None) -> Member:
        return Member(conn=actor, actor=actor, name=name, role="participant", card=card)

    assert await store.presence_put(board, "c1", member("ann", "Ann"), 60_000, now)
    assert await store.presence_put(board, "c2", member("ann", "Ann B", "k1"), 60_000, now + 1)
    assert await store.presence_put(board, "c3", member("bob", "Bob"), 60_000, now + 2)
    # The cap counts connections: a fourth is not listed, an update still is.
    assert not await store.presence_put(board, "c4", member("cy", "Cy"), 60_000, now + 3)
    assert await store.presence_put(board, "c1", member("ann", "Ann"), 60_000, now + 4)
    members = await store.presence_list(board, now + 5)
    assert [(m.conn, m.name, m.card) for m in members] == [
        ("ann", "Ann", None),
        ("bob", "Bob", None),
    ]
    # Ann's newest connection closes: the other one speaks for her.
    await store.presence_remove(board, "c1", now + 6)
    members = await store.presence_list(board, now + 7)
    assert [(m.name, m.card) for m in members] == [("Ann B", "k1"), ("Bob", None)]
    # Expired entries are swept by the next write on the board.
    await store.presence_refresh(board, [], 60_000, now + 60_003)
    assert await client.hlen(board_keys(board).presence) == 0
    await client.aclose()
