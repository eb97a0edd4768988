"""Events reach every node's clients, in one order, only via Redis."""

from __future__ import annotations

import asyncio

from tests.support.cluster import Nodes
from tests.support.servers import token_of
from tests.support.wire import Wire, card


async def test_op_on_node_a_reaches_node_b_in_order(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    board = a.create_board("Fan-out")
    token = token_of(board["links"]["participant"])
    writer = await Wire.join(a.ws, board["board"], token, "writer")
    readers = [
        await Wire.join(n.ws, board["board"], token, f"r{i}") for i, n in enumerate([a, b, b])
    ]
    acks = [await writer.op(f"op{i}", card(f"c{i}")) for i in range(30)]
    assert [ack["t"] for ack in acks] == ["ack"] * 30
    last = acks[-1]["seq"]
    for reader in readers:
        await reader.wait_seq(last)
        seqs = [e["seq"] for e in reader.events]
        assert seqs == list(range(reader.welcome["seq"] + 1, last + 1))  # gap-free, no doubles
        assert [e["op"]["id"] for e in reader.events] == [f"c{i}" for i in range(30)]
    for w in [writer, *readers]:
        await w.close()


async def test_concurrent_writers_on_two_nodes_see_one_order(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    board = nodes.started[0].create_board("Order")
    token = token_of(board["links"]["participant"])
    wa = await Wire.join(a.ws, board["board"], token, "A")
    wb = await Wire.join(b.ws, board["board"], token, "B")

    async def write(w: Wire, prefix: str) -> None:
        for i in range(40):
            await w.op(f"{prefix}{i}", card(f"{prefix}{i}"))

    await asyncio.gather(write(wa, "a"), write(wb, "b"))
    head = 1 + 80
    await wa.wait_seq(head)
    await wb.wait_seq(head)
    assert [e["seq"] for e in wa.events] == [e["seq"] for e in wb.events]
    assert [e["op_id"] for e in wa.events] == [e["op_id"] for e in wb.events]
    snap_a = a.snapshot(board["board"], token)
    snap_b = b.snapshot(board["board"], token)
    assert snap_a == snap_b
    assert len(snap_a["cards"]) == 80
    await wa.close()
    await wb.close()


async def test_presence_lists_members_across_nodes(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    board = a.create_board("Presence")
    token = token_of(board["links"]["participant"])
    ann = await Wire.join(a.ws, board["board"], token, "Ann")
    bob = await Wire.join(b.ws, board["board"], token, "Bob")
    frame = await ann.until(
        lambda f: f.get("t") == "presence" and {m["name"] for m in f["members"]} == {"Ann", "Bob"}
    )
    assert len(frame["members"]) == 2
    card_id = "c1"
    assert (await bob.op("1", card(card_id)))["t"] == "ack"
    await bob.send({"t": "focus", "card": card_id})
    await ann.until(
        lambda f: (
            f.get("t") == "presence"
            and any(m["name"] == "Bob" and m.get("card") == card_id for m in f["members"])
        )
    )
    await bob.close()
    await ann.until(
        lambda f: f.get("t") == "presence" and [m["name"] for m in f["members"]] == ["Ann"]
    )
    await ann.close()


async def test_short_join_link_redirects_to_a_participant_link(nodes: Nodes) -> None:
    import urllib.error
    import urllib.request
    from urllib.parse import unquote

    a = nodes.start()
    board = a.create_board("Short")
    join = board["links"]["join"]
    code = join.rsplit("/j/", 1)[1]
    assert len(code) == 8 and code.isalnum() and code.upper() == code
    assert unquote(board["links"]["viewer"].split("&join=")[1]) == join

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    for typed in (code, code.lower()):  # people type it from the wall
        try:
            opener.open(f"{a.http}/j/{typed}")
            raise AssertionError("expected a redirect")
        except urllib.error.HTTPError as exc:
            assert exc.code == 302
            location = exc.headers["location"]
    assert location.startswith(f"/b/{board['board']}#t=")
    wire = await Wire.join(a.ws, board["board"], token_of(location), "via-qr")
    assert wire.welcome["role"] == "participant"
    await wire.close()
    try:
        opener.open(f"{a.http}/j/NOPE9999")
        raise AssertionError("expected 404")
    except urllib.error.HTTPError as exc:
        assert exc.code == 404


async def test_a_join_rush_on_a_cold_node_gets_the_loaded_board(nodes: Nodes) -> None:
    """A redeploy's reconnect storm: many joins while the node loads the board."""
    a, b = nodes.start(), nodes.start()
    board = a.create_board("Rush")
    bid, token = board["board"], token_of(board["links"]["participant"])
    w = await Wire.join(a.ws, bid, token)
    for i in range(5):
        await w.op(str(i), card(f"c{i}"))
    joins = await asyncio.gather(*(Wire.join(b.ws, bid, token, f"r{i}") for i in range(20)))
    for j in joins:
        assert j.welcome["epoch"] == w.welcome["epoch"]
        assert j.welcome["seq"] == 6
        assert sorted(j.welcome["snapshot"]["cards"]) == [f"c{i}" for i in range(5)]
    acks = await asyncio.gather(
        *(j.op(f"k{i}", {"type": "comment.add", "id": f"m{i}", "card": "c0", "body": "hi"})
          for i, j in enumerate(joins))
    )  # fmt: skip
    assert [ack["t"] for ack in acks] == ["ack"] * 20
    for x in [w, *joins]:
        await x.close()
