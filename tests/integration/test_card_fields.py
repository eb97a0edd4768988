"""The card fields of issues 13 and 14 through a real server: tags arrive
normalised, the question/offer fields are the author's (or a facilitator's)
to change, a client's link preview is refused, and a new join's snapshot
carries them all. (Files through a real server: test_files*.)"""

from __future__ import annotations

from typing import Any

from protocol.errors import ErrorCode
from tests.support.cluster import Nodes
from tests.support.servers import token_of
from tests.support.wire import Wire, card

PREVIEW: dict[str, Any] = {"url": "https://example.org/x", "title": "Nep"}


async def test_question_fields_travel_and_belong_to_their_author(nodes: Nodes) -> None:
    node = nodes.start()
    board = node.create_board()
    bid = board["board"]
    participant = token_of(board["links"]["participant"])
    ann = await Wire.join(node.ws, bid, participant, "Ann")
    bob = await Wire.join(node.ws, bid, participant, "Bob")
    added = card(
        "q1", "Wie helpt met de tuin?", kind="question", tags=["#Tuin ", "tuin", "Buurt"],
        contact="bel 06-1234", expires=1_900_000_000_000,
    )  # fmt: skip
    ack = await ann.op("a1", added)
    assert ack["t"] == "ack"
    await bob.wait_seq(ack["seq"])
    event = next(e for e in bob.events if e["seq"] == ack["seq"])
    assert event["op"]["tags"] == ["tuin", "buurt"]  # normalised by the server
    # Someone else's question: not theirs to mark as matched or retag.
    refused = await bob.op("b1", {"type": "card.set", "id": "q1", "state": "matched"})
    assert refused["t"] == "error" and refused["code"] == ErrorCode.FORBIDDEN
    # A link preview only ever comes from the server.
    refused = await ann.op("a2", {"type": "card.set", "id": "q1", "preview": PREVIEW})
    assert refused["t"] == "error" and refused["code"] == ErrorCode.FORBIDDEN
    assert refused["msg"] == "only the server sets a link preview"
    bad = await ann.op("a3", {"type": "card.set", "id": "q1", "state": "closed"})
    assert bad["t"] == "error" and bad["code"] == ErrorCode.INVALID
    ack = await ann.op("a4", {"type": "card.set", "id": "q1", "state": "matched"})
    assert ack["t"] == "ack"
    # A facilitator locks the board: the author's edits wait until it opens.
    fac = await Wire.join(node.ws, bid, token_of(board["links"]["facilitator"]), "Fran")
    lock = await fac.op("f1", {"type": "board.set", "locked": True})
    assert lock["t"] == "ack"
    # Ann's check runs on her node's replica: once she has seen the lock, so
    # has it (an op checked before would be acked, and a no-op when applied).
    await ann.wait_seq(lock["seq"])
    locked = await ann.op("a5", {"type": "card.set", "id": "q1", "tags": []})
    assert locked["t"] == "error" and locked["code"] == ErrorCode.FORBIDDEN
    # A new join's snapshot holds the card as it is.
    late = await Wire.join(node.ws, bid, participant, "Cas")
    q1 = late.welcome["snapshot"]["cards"]["q1"]
    assert (q1["tags"], q1["state"], q1["contact"]) == (["tuin", "buurt"], "matched", "bel 06-1234")
    assert (q1["files"], q1["preview"], q1["expires"]) == ([], None, 1_900_000_000_000)
    assert "Traceback" not in node.log_tail(400)
    for wire in (ann, bob, fac, late):
        await wire.close()
