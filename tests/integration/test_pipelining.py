"""One socket's ops go out back to back (SPEC §4, *Pipelining*): each is
answered once, in the order sent, the ops that depend on the sender's
earlier ones (a move of a card it just added, a comment on it, a vote
against its budget) see them, and a resend is still acked once."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.cluster import Nodes
from tests.support.servers import token_of
from tests.support.wire import Wire

#: Cards in the burst; each brings a move, a comment and a vote.
CARDS = 40


def _burst() -> list[dict[str, Any]]:
    ops: list[dict[str, Any]] = []
    for i in range(CARDS):
        ops.append({"type": "card.add", "id": f"k{i}", "title": f"card {i}"})
        ops.append({"type": "card.move", "id": f"k{i}", "x": 10 * i})
        ops.append({"type": "comment.add", "id": f"m{i}", "card": f"k{i}", "body": "yes"})
        ops.append({"type": "vote.cast", "card": f"k{i}"})
    return ops


async def test_a_burst_is_answered_in_order_and_sees_its_own_ops(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    board = a.create_board("Burst")
    bid, token = board["board"], token_of(board["links"]["participant"])
    watcher = await Wire.join(b.ws, bid, token, "watcher")
    sender = await Wire.join(a.ws, bid, token, "sender")
    budget = int(sender.welcome["snapshot"]["settings"]["vote_budget"])
    ops = _burst()
    for n, op in enumerate(ops):  # no waiting between them
        await sender.send({"t": "op", "id": f"o{n}", "op": op})
    answers: list[dict[str, Any]] = []
    async with asyncio.timeout(30):
        while len(answers) < len(ops):
            frame = await sender.recv(timeout=30)
            if frame.get("t") in ("ack", "error"):
                answers.append(frame)
    assert [f["id"] for f in answers] == [f"o{n}" for n in range(len(ops))]  # once, in order
    acked = [f for f in answers if f["t"] == "ack"]
    assert [f["seq"] for f in acked] == sorted({f["seq"] for f in acked})
    refused = [(ops[int(f["id"][1:])]["type"], f["code"]) for f in answers if f["t"] == "error"]
    # Only votes past the budget are refused; every dependent op saw its card.
    assert refused == [("vote.cast", 321)] * (CARDS - budget)

    await sender.wait_seq(acked[-1]["seq"])
    await watcher.wait_seq(acked[-1]["seq"])
    snap = b.snapshot(bid, token)
    assert all(snap["cards"][f"k{i}"]["x"] == 10 * i for i in range(CARDS))
    assert len(snap["comments"]) == CARDS
    assert sum(sum(v.values()) for v in snap["votes"].values()) == budget

    # A resend of an op id in the burst is acked with its first seq, once.
    again = await sender.op("o0", ops[0])
    assert again == {"t": "ack", "id": "o0", "seq": acked[0]["seq"]}
    await asyncio.gather(sender.close(), watcher.close())


async def test_a_barrier_op_waits_for_the_ops_before_it(nodes: Nodes) -> None:
    """A facilitator locks the board right after adding a card, then adds
    another: the lock sees the first card; the second card is checked
    against the locked board (facilitators may still post)."""
    a = nodes.start()
    board = a.create_board("Barrier")
    bid = board["board"]
    fac = await Wire.join(a.ws, bid, token_of(board["links"]["facilitator"]), "fac")
    ops: list[dict[str, Any]] = [
        {"type": "card.add", "id": "k1", "title": "first"},
        {"type": "board.set", "locked": True},
        {"type": "card.add", "id": "k2", "title": "second"},
        {"type": "board.set", "locked": False},
    ]
    for n, op in enumerate(ops):
        await fac.send({"t": "op", "id": f"b{n}", "op": op})
    answers: list[dict[str, Any]] = []
    while len(answers) < len(ops):
        frame = await fac.recv(timeout=10)
        if frame.get("t") in ("ack", "error"):
            answers.append(frame)
    assert [(f["t"], f["id"]) for f in answers] == [("ack", f"b{n}") for n in range(4)]
    await fac.close()
