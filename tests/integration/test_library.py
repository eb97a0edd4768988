"""The re-use library on a real Valkey: boards made from a template, an
import, a duplicate are ordinary boards a real server node serves, edits
and snapshots (server/library/boards.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from protocol.model import to_wire
from server.config import Settings
from server.embedded import EmbeddedValkey
from server.engine.keys import board_keys
from server.engine.state import read_state
from server.library import boards, templates
from server.node import Node
from tests.support.cluster import Nodes
from tests.support.servers import TEST_SECRET
from tests.support.wire import Wire, card


@pytest.fixture
async def node(valkey: EmbeddedValkey) -> AsyncIterator[Node]:
    """An in-process node (not started: the library needs its store only)."""
    n = Node(Settings(redis_url=valkey.url, secret=TEST_SECRET))
    try:
        yield n
    finally:
        await n.redis.aclose()


async def test_create_from_template_makes_a_board_a_node_serves(node: Node, nodes: Nodes) -> None:
    bid = await boards.create_from_template(
        node, "brainstorm:en", title="Week 12 brainstorm", owner=None, hub="centrum"
    )
    meta = await node.store.redis.hgetall(board_keys(bid).meta)
    assert meta[b"title"] == b"Week 12 brainstorm"
    state = await read_state(node.store, bid)
    assert state.settings.title == "Week 12 brainstorm"
    assert state.settings.layout == "columns" and state.settings.hide_cards
    assert [s.title for s in state.sections.values()] == ["Ideas", "Clusters", "Top 3"]
    assert {c.title for c in state.cards.values()} >= {"One idea per card"}

    # A real server node serves it and takes ops on it.
    server = nodes.start()
    token = node.signer.link_token(bid, "facilitator", 0)
    fac = await Wire.join(server.ws, bid, token, "Fac")
    snap = fac.welcome["snapshot"]
    assert snap["settings"]["title"] == "Week 12 brainstorm" and snap["seq"] == 1
    ack = await fac.op("o1", {"type": "card.add", **card("k9", "New idea", section="s1")})
    assert ack["t"] == "ack" and ack["seq"] == 2
    await fac.close()
    after = await read_state(node.store, bid)
    assert after.cards["k9"].title == "New idea" and after.seq == 2


async def test_a_long_agenda_title_makes_a_valid_board_title(node: Node) -> None:
    long = "Co-creatie\r\nmet " + "partners " * 30
    bid = await boards.create_from_template(node, "cocreation", title=long, owner=None, hub=None)
    title = (await read_state(node.store, bid)).settings.title
    assert len(title) <= 120 and "\n" not in title and title.startswith("Co-creatie met partners")
    blank = await boards.create_from_template(node, "cocreation", title=" \t", owner=None, hub=None)
    assert (await read_state(node.store, blank)).settings.title == "Co-creatiesessie"


async def test_unknown_template_creates_nothing(node: Node) -> None:
    before = await node.store.redis.dbsize()
    with pytest.raises(templates.UnknownTemplate):
        await boards.create_from_template(node, "nope", title="X", owner=None, hub=None)
    with pytest.raises(templates.UnknownTemplate):
        await boards.create_from_template(node, "brainstorm:fr", title="X", owner=None, hub=None)
    assert await node.store.redis.dbsize() == before


@pytest.mark.parametrize("name", sorted(templates.BUILTINS))
@pytest.mark.parametrize("lang", templates.LANGS)
def test_every_builtin_is_a_valid_board(name: str, lang: str) -> None:
    """Each built-in's state passes the import checks (so it is a board a
    client could have built) and lists in the catalogue."""
    from server.library import document

    state = templates.builtin_state(f"{name}:{lang}", now=1_700_000_000_000)
    assert state is not None and state.cards and state.sections
    doc = document.build(to_wire(state), view="full", exported_at=0)
    assert to_wire(document.read_state(doc, "template", 0)) == to_wire(state)
    assert any(t["id"] == f"{name}:{lang}" for t in templates.catalogue(lang))  # type: ignore[arg-type]
