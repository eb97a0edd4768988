"""The nodes' cold GC pass (server/files/gc.py) with two real server
processes on one real Valkey: boards no node holds, and deleted boards,
lose their unreferenced files without ``prikbord admin gc``, while a cold
board's attached photo stays; one node claims each interval's pass."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from server.embedded import EmbeddedValkey
from server.engine.client import connect
from server.engine.store import Store
from server.files.gc import COLD_CLAIM_KEY, claim_cold
from tests.integration.test_accounts import Tab, add_account
from tests.support import media
from tests.support.cluster import Nodes
from tests.support.servers import ServerProcess, token_of
from tests.support.wire import Wire, card

#: Every node collects every second; an upload has 2 s to be attached (the
#: test attaches at once), a mark 1 s to be confirmed; a board left by its
#: last socket is let go at once.
COLD = {
    "PRIKBORD_FILES_UNATTACHED_GRACE_S": "2",
    "PRIKBORD_FILES_GC_CONFIRM_S": "1",
    "PRIKBORD_FILES_GC_INTERVAL_S": "1",
    "PRIKBORD_HUB_LINGER_S": "0",
}


def _upload(node: ServerProcess, board: str, token: str, name: str, data: bytes) -> dict[str, str]:
    r = httpx.post(
        f"{node.http}/api/boards/{board}/files", headers={"Authorization": f"Bearer {token}"},
        files={"file": (name, data, "application/octet-stream")}, timeout=30,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    body: dict[str, str] = r.json()
    return body


def _stored(node: ServerProcess) -> set[str]:
    root = node.data_dir / "files"
    return {p.parent.name + p.name for p in root.rglob("*") if p.is_file()}


async def test_nodes_collect_boards_no_node_holds_and_deleted_boards(
    nodes: Nodes, valkey: EmbeddedValkey, tmp_path: Path
) -> None:
    a, b = nodes.start(**COLD), nodes.start(**COLD)
    # A board whose photo is on a card; nobody keeps it open.
    kept = a.create_board("Kept")
    fac = token_of(kept["links"]["facilitator"])
    attached = _upload(a, kept["board"], fac, "wall.jpg", media.photo())
    photo = attached["id"]
    w = await Wire.join(a.ws, kept["board"], fac, "Fien")
    up = await w.op("1", card("c1", "wall", files=[attached]))
    assert up["t"] == "ack", up
    await w.close()
    # A board with an upload that was never attached (no node ever held it).
    stray = b.create_board("Stray")
    stray_tok = token_of(stray["links"]["facilitator"])
    pdf = _upload(b, stray["board"], stray_tok, "plan.pdf", media.pdf())["id"]
    # A board deleted by its owner, with a photo on a card (live until the
    # delete: only the deleted-board check can free it).
    await add_account(valkey, "owen", "facilitator")
    owen = Tab(a)
    try:
        assert (await owen.login("owen")).status_code == 200
        gone = await owen.create("Gone")
        gone_tok = token_of(gone["links"]["facilitator"])
        on_card = _upload(a, gone["board"], gone_tok, "other.jpg", media.photo(320, 240))
        other = on_card["id"]
        w = await Wire.join(a.ws, gone["board"], gone_tok, "Owen")
        assert (await w.op("1", card("c1", "x", files=[on_card])))["t"] == "ack"
        await w.close()
        assert (await owen.send("DELETE", f"/api/my/boards/{gone['board']}")).status_code == 204
    finally:
        await owen.close()

    deadline = time.monotonic() + 30
    while {pdf, other} & _stored(a) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    left = _stored(a)
    assert pdf not in left and other not in left, (a.log_tail(), b.log_tail())
    assert photo in left
    async with httpx.AsyncClient() as web:
        for node in (a, b):
            r = await web.get(
                f"{node.http}/api/boards/{kept['board']}/files/{photo}",
                headers={"Authorization": f"Bearer {fac}"},
            )
            assert r.status_code == 200


async def test_one_claim_per_interval(valkey: EmbeddedValkey) -> None:
    """Of the nodes whose timers fire in one interval, one takes the pass;
    the claim ends within the interval."""
    clients = [connect(valkey.url) for _ in range(4)]
    try:
        stores = [Store(c, dedupe_window=60, log_retain=100) for c in clients]
        got = await asyncio.gather(*(claim_cold(s, 2.0) for s in stores))
        assert sorted(got) == [False, False, False, True]
        ttl = int(await clients[0].pttl(COLD_CLAIM_KEY))
        assert 0 < ttl <= 2000
    finally:
        for c in clients:
            await c.aclose()
