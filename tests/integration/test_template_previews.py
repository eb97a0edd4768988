"""A board made from a saved template fetches its link cards' previews. A
template keeps a link card but not its preview (the preview's image is a
file of the source board); the new board's card showed the bare link for
good, since a preview is fetched only when an op sets a URL. Now making a
board from a state schedules the fetch for each link card without a
preview (server/library/boards.py create_from_state → node.previews)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.test_accounts import Tab, add_account
from tests.support.cluster import Nodes
from tests.support.pages import Pages, og_page, png
from tests.support.servers import ServerProcess, token_of
from tests.support.wire import Wire, card


@pytest.fixture
def pages() -> Iterator[Pages]:
    p = Pages().start()
    p.route("/page", og_page("Werkplaats Noord", "Gereedschap lenen", "/img.png"))
    p.route("/img.png", png(320, 200), "image/png")
    try:
        yield p
    finally:
        p.stop()


async def _preview_of(node: ServerProcess, board: str, token: str, card_id: str) -> Any:
    """The card's preview once the server appended it (15 s at most)."""
    async with asyncio.timeout(15):
        while True:
            got = node.snapshot(board, token)["cards"][card_id]["preview"]
            if got is not None:
                return got
            await asyncio.sleep(0.1)


async def test_a_board_from_a_template_fetches_its_link_previews(
    nodes: Nodes, pages: Pages
) -> None:
    await add_account(nodes.valkey, "fien", "facilitator")
    node = nodes.start(
        PRIKBORD_PREVIEW_TEST_LOOPBACK_PORT=str(pages.port), PRIKBORD_PREVIEW_TIMEOUT_S="2"
    )
    fien = Tab(node)
    try:
        await fien.login("fien")
        made = await fien.create("Werkplaats week 1")
        fac = token_of(made["links"]["facilitator"])
        w = await Wire.join(node.ws, made["board"], fac, "Fien")
        url = pages.url("/page")
        assert (await w.op("1", card("c1", "Waar lenen?", url=url)))["t"] == "ack"
        await w.close()
        first = await _preview_of(node, made["board"], fac, "c1")

        res = await fien.send("POST", f"/api/boards/{made['board']}/template", {"name": "Werk"})
        assert res.status_code == 201, res.text
        template = res.json()["id"]
        res = await fien.send(
            "POST", f"/api/library/templates/{template}/boards", {"title": "Werkplaats week 2"}
        )
        assert res.status_code == 201, res.text
        week2 = res.json()
        token = token_of(week2["links"]["facilitator"])
        assert node.snapshot(week2["board"], token)["cards"]["c1"]["url"] == url

        got = await _preview_of(node, week2["board"], token, "c1")
        assert (got["url"], got["title"]) == (url, "Werkplaats Noord")
        # The image is the new board's own file (the cached bytes, registered
        # on this board), served with the new board's link.
        assert got["image"] == first["image"]
        res = await fien.http.get(
            f"/api/boards/{week2['board']}/files/{got['image']}",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert res.status_code == 200, res.text
    finally:
        await fien.close()
