"""An account named among a hub's coordinators manages that hub's boards
through the account API as it does through the hub's and library's (the
hubs' rule, server/library/access.py may_manage_board): it opens them (the
hub library's search hits) and /api/me says it manages a hub, so the web app
shows it the Hubs link. Another account's board outside the hub stays
refused."""

from __future__ import annotations

import time

import redis.asyncio as aioredis

from server.hubs.model import Hub
from server.hubs.store import HubStore
from tests.integration.test_accounts import Tab, add_account
from tests.support.cluster import Nodes


async def test_a_hubs_coordinator_opens_the_hubs_boards_and_sees_it_manages_a_hub(
    nodes: Nodes,
) -> None:
    await add_account(nodes.valkey, "fien", "facilitator")
    await add_account(nodes.valkey, "karel", "facilitator")
    r = aioredis.Redis.from_url(nodes.valkey.url)
    hubs = HubStore(r)
    assert await hubs.create(Hub(slug="noord", name="Hub Noord", coordinators=("fien",)))
    node = nodes.start()
    fien, karel = Tab(node), Tab(node)
    try:
        await fien.login("fien")
        await karel.login("karel")
        in_hub = await karel.create("Karels hubbord")
        outside = await karel.create("Karels eigen bord")
        await hubs.attach(in_hub["board"], "noord", public=False, now=int(time.time() * 1000))

        res = await fien.http.get(f"/api/my/boards/{in_hub['board']}")
        assert res.status_code == 200, res.text
        assert res.json()["links"]["facilitator"] == in_hub["links"]["facilitator"]
        res = await fien.http.get(f"/api/my/boards/{outside['board']}")
        assert res.status_code == 404, res.text
        assert res.json()["message"] == "no such board among yours"

        # She runs the hub's boards but does not delete another account's.
        res = await fien.send("DELETE", f"/api/my/boards/{in_hub['board']}")
        assert res.status_code == 403, res.text
        assert (await karel.http.get(f"/api/my/boards/{in_hub['board']}")).status_code == 200

        assert (await fien.me())["manages_hubs"] is True
        assert (await karel.me())["manages_hubs"] is False
    finally:
        for tab in (fien, karel):
            await tab.close()
        await r.aclose()
