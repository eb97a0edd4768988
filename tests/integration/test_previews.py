"""Link previews end to end (server/previews/): real server processes on one
Valkey fetch from a real local web server (the one loopback port a test-only
setting opens) and append the preview for everyone live."""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from server.previews.service import cache_key
from tests.support.cluster import Nodes
from tests.support.pages import Pages, og_page, png
from tests.support.servers import ServerProcess, token_of
from tests.support.wire import Wire, card

PREVIEWS = 'prikbord_previews_total{result="%s"}'


@pytest.fixture(scope="module")
def pages() -> Iterator[Pages]:
    p = Pages().start()
    p.route("/page", og_page("Hello preview", "A page about tests", "/img.png"))
    p.route("/img.png", png(640, 480), "image/png")
    p.route("/other", og_page("Another page"))
    p.route("/delay-old", og_page("The old link"))
    p.route("/delay-new", og_page("The new link"))
    p.route("/text", b"plain text", "text/plain")
    p.redirect("/to-private", "http://10.0.0.1/")
    p.redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/")
    try:
        yield p
    finally:
        p.stop()


def _env(pages: Pages) -> dict[str, str]:
    return {
        "PRIKBORD_PREVIEW_TEST_LOOPBACK_PORT": str(pages.port),
        "PRIKBORD_PREVIEW_TEST_HOSTS": "evil.test=127.0.0.1",
        "PRIKBORD_PREVIEW_TIMEOUT_S": "2",
    }


def _previews(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """card id -> the preview a system card.set gave it."""
    out = {}
    for e in events:
        op = e.get("op") or {}
        if op.get("type") == "card.set" and op.get("preview"):
            assert e["actor"] == "system"
            out[op["id"]] = op["preview"]
    return out


async def _wait_for(pred: Any, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not pred():
            await asyncio.sleep(0.05)


def _get(node: ServerProcess, path: str, token: str) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(node.http + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()


async def test_preview_appears_live_and_is_fetched_once(nodes: Nodes, pages: Pages) -> None:
    a, b = nodes.start(**_env(pages)), nodes.start(**_env(pages))
    board = a.create_board("Links")
    bid, links = board["board"], board["links"]
    alice = await Wire.join(a.ws, bid, token_of(links["participant"]), "Alice")
    bob = await Wire.join(b.ws, bid, token_of(links["participant"]), "Bob")
    url = pages.url("/page")
    ack = await alice.op("a1", card("c1", "look", url=url))
    assert ack["t"] == "ack"
    await _wait_for(lambda: "c1" in _previews(bob.events))
    preview = _previews(bob.events)["c1"]
    assert preview["url"] == url
    assert (preview["title"], preview["description"], preview["site"]) == (
        "Hello preview", "A page about tests", "Testsite",
    )  # fmt: skip
    image = preview["image"]
    assert len(image) == 64
    # The image is a file of the board, served like an attachment (re-encoded).
    status, headers, body = _get(b, f"/api/boards/{bid}/files/{image}", token_of(links["viewer"]))
    assert status == 200 and headers["content-type"].startswith("image/")
    assert headers["x-content-type-options"] == "nosniff" and len(body) > 0
    # The REST snapshot has it too.
    assert b.snapshot(bid, token_of(links["viewer"]))["cards"]["c1"]["preview"]["image"] == image

    # The same link in more cards, on both nodes: no second fetch (Redis cache).
    for i, (wire, node) in enumerate([(alice, "a"), (bob, "b"), (alice, "a")]):
        assert (await wire.op(f"{node}{i}", card(f"d{i}", "again", url=url)))["t"] == "ack"
    await _wait_for(lambda: {"d0", "d1", "d2"} <= set(_previews(alice.events)))
    assert pages.hits["/page"] == 1 and pages.hits["/img.png"] == 1
    client = redis.Redis.from_url(nodes.valkey.url)
    assert client.ttl(cache_key(url)) > 3600  # a day
    client.close()
    assert _previews(alice.events)["d1"]["image"] == image

    # Another board: the cached preview, its image registered on that board too.
    other = b.create_board("Elsewhere")
    carol = await Wire.join(b.ws, other["board"], token_of(other["links"]["participant"]), "C")
    assert (await carol.op("c1", card("e1", "same link", url=url)))["t"] == "ack"
    await _wait_for(lambda: "e1" in _previews(carol.events))
    theirs = _previews(carol.events)["e1"]["image"]
    viewer = token_of(other["links"]["viewer"])
    assert _get(b, f"/api/boards/{other['board']}/files/{theirs}", viewer)[0] == 200
    assert pages.hits["/page"] == 1 and pages.hits["/img.png"] == 1
    await carol.close()

    # A new link replaces the preview; the old one's never lands on it.
    await alice.op("a9", {"type": "card.set", "id": "c1", "url": pages.url("/other")})
    await _wait_for(lambda: _previews(bob.events)["c1"]["title"] == "Another page")
    assert _previews(bob.events)["c1"]["image"] == ""
    # Each preview was appended once, however many nodes saw the ops.
    sets = [e for e in bob.events if (e.get("op") or {}).get("preview")]
    assert len(sets) == 5
    for w in (alice, bob):
        await w.close()


async def test_refused_and_failed_links_get_no_preview(nodes: Nodes, pages: Pages) -> None:
    node = nodes.start(**_env(pages))
    board = node.create_board("Hostile links")
    bid, links = board["board"], board["links"]
    alice = await Wire.join(node.ws, bid, token_of(links["participant"]), "Alice")
    refused = [
        "http://127.0.0.1/", f"http://127.0.0.1:{pages.port + 1}/", "http://[::1]/",
        "http://10.1.2.3/", "http://169.254.169.254/latest/meta-data/", "http://evil.test/",
        pages.url("/to-private"), pages.url("/to-metadata"),
    ]  # fmt: skip
    failed = [pages.url("/text"), pages.url("/slow"), pages.url("/nothing-here")]
    for i, url in enumerate(refused + failed):
        assert (await alice.op(f"o{i}", card(f"c{i}", "link", url=url)))["t"] == "ack"
    await _wait_for(lambda: node.metric(PREVIEWS % "refused") >= len(refused), 20)
    await _wait_for(lambda: node.metric(PREVIEWS % "failed") >= len(failed), 20)
    await asyncio.sleep(0.3)
    assert _previews(alice.events) == {}
    cards = node.snapshot(bid, token_of(links["facilitator"]))["cards"]
    assert all(c["preview"] is None for c in cards.values())
    assert pages.hits["/to-private"] == 1  # the first hop only: 10.x never reached
    # Failures are remembered, but for minutes, not a day.
    client = redis.Redis.from_url(nodes.valkey.url)
    assert 0 < client.ttl(cache_key(pages.url("/text"))) <= 600
    client.close()
    await alice.close()


async def test_default_server_refuses_loopback(nodes: Nodes, pages: Pages) -> None:
    node = nodes.start()  # no test port: what production runs
    board = node.create_board("Default")
    bid, links = board["board"], board["links"]
    alice = await Wire.join(node.ws, bid, token_of(links["participant"]), "Alice")
    before = pages.hits["/other"]
    assert (await alice.op("o1", card("c1", "link", url=pages.url("/other"))))["t"] == "ack"
    await _wait_for(lambda: node.metric(PREVIEWS % "refused") >= 1)
    assert pages.hits["/other"] == before
    assert _previews(alice.events) == {}
    await alice.close()


async def test_a_preview_for_a_link_the_card_lost_never_lands(nodes: Nodes, pages: Pages) -> None:
    node = nodes.start(**_env(pages))
    board = node.create_board("Changed links")
    bid, links = board["board"], board["links"]
    alice = await Wire.join(node.ws, bid, token_of(links["participant"]), "Alice")
    assert (await alice.op("o1", card("c1", "x", url=pages.url("/delay-old"))))["t"] == "ack"
    # While the old page takes its second, the card gets another link.
    await asyncio.sleep(0.2)
    change = {"type": "card.set", "id": "c1", "url": pages.url("/delay-new")}
    assert (await alice.op("o2", change))["t"] == "ack"
    await _wait_for(lambda: "c1" in _previews(alice.events))
    await _wait_for(lambda: node.metric(PREVIEWS % "stale") >= 1)
    titles = [e["op"]["preview"]["title"] for e in alice.events
              if (e.get("op") or {}).get("preview")]  # fmt: skip
    assert titles == ["The new link"]
    assert pages.hits["/delay-old"] == 1  # fetched, then dropped as stale
    await alice.close()
