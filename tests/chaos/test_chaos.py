"""The "done when" of the sync core: 20 clients on two nodes doing random
ops — concurrent edits of the same cards — while one node is SIGKILLed and
restarted mid-run. Every replica ends identical and holds every acked op
exactly once.

CI runs 1,000 ops; ``PRIKBORD_FULL=1`` runs 5,000.
"""

from __future__ import annotations

import asyncio
import os
import random
from typing import Any, cast

import pytest
import redis

from client.client import PrikbordClient
from client.errors import OpRejected
from protocol import codec
from protocol.model import to_wire
from protocol.ops import REACTIONS, Op
from tests.support.cluster import Nodes
from tests.support.servers import token_of

FULL = os.environ.get("PRIKBORD_FULL") == "1"
CLIENTS = 20
OPS = 5000 if FULL else 1000
CARD_POOL = [f"card{i}" for i in range(40)]
COLORS = ["yellow", "pink", "blue", "green"]


def _random_op(rng: random.Random, n: int) -> Op:
    card = rng.choice(CARD_POOL)
    roll = rng.random()
    op: dict[str, Any]
    if roll < 0.25:
        op = {"type": "card.add", "id": card, "title": f"t{n}", "body": f"body {n}"}
    elif roll < 0.50:  # concurrent edits of the same cards
        op = {"type": "card.set", "id": card, "title": f"edit {n}", "color": rng.choice(COLORS)}
    elif roll < 0.60:
        op = {"type": "card.move", "id": card, "x": rng.randrange(2000), "y": rng.randrange(2000)}
    elif roll < 0.70:
        op = {"type": "vote.cast", "card": card}
    elif roll < 0.75:
        op = {"type": "vote.retract", "card": card}
    elif roll < 0.85:
        emoji = rng.choice(REACTIONS)
        op = {"type": "reaction.set", "card": card, "emoji": emoji, "on": rng.random() < 0.7}
    elif roll < 0.95:
        op = {"type": "comment.add", "id": f"m{n}", "card": card, "body": f"comment {n}"}
    else:
        op = {"type": "card.delete", "id": card}
    return codec.op_from_wire(op)


@pytest.mark.slow
async def test_twenty_clients_two_nodes_one_sigkill_converge_exactly_once(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    board = a.create_board("Chaos", "wall")
    links = board["links"]
    rng = random.Random(20261129)
    clients: list[PrikbordClient] = []
    for i in range(CLIENTS):
        node = a if i % 2 == 0 else b
        role = "facilitator" if i < 4 else "participant"  # facilitators may edit any card
        link = links[role].replace(a.http, node.http)
        client = PrikbordClient(link, name=f"user{i}", retry_first_connect=True)
        await client.connect()
        clients.append(client)

    acked: list[tuple[str, str, int]] = []  # (actor, op_id, seq)
    rejected = 0

    async def one(client: PrikbordClient, op: Op) -> None:
        nonlocal rejected
        future = client.submit(op)
        op_id = client.pending[-1].op_id  # the op id submit() just gave it
        try:
            seq = await future
        except OpRejected:
            rejected += 1
            return
        acked.append((client.actor, op_id, seq))

    in_flight_at_kill = 0

    async def restart_later() -> None:
        await asyncio.sleep(0.5)
        a.start()  # a new process on the same port; its clients resume

    tasks = []
    restart = None
    for n in range(OPS):
        client = clients[rng.randrange(CLIENTS)]
        tasks.append(asyncio.create_task(one(client, _random_op(rng, n))))
        if n % 50 == 49:
            await asyncio.sleep(0.02)
        if n == OPS // 2 + 25:  # mid-batch: the latest ops are on the wire, unacked
            for _ in range(3):
                await asyncio.sleep(0)
            in_flight_at_kill = sum(not t.done() for t in tasks)
            a.kill()
            restart = asyncio.create_task(restart_later())
    assert restart is not None
    await restart
    async with asyncio.timeout(120):
        await asyncio.gather(*tasks)
    assert in_flight_at_kill > 0, "the kill must hit ops in flight"
    assert len(acked) + rejected == OPS
    assert len(acked) > OPS // 5  # the mix really changed the board

    head = max(seq for _, _, seq in acked)
    async with asyncio.timeout(60):
        for client in clients:
            await client.wait_for_seq(head)
            while client.pending:  # optimistic ops all confirmed or dropped
                await asyncio.sleep(0.05)
    server_state = a.snapshot(board["board"], token_of(links["viewer"]))
    head = server_state["seq"]
    for client in clients:
        await client.wait_for_seq(head)
    states = [codec.unpack(codec.pack(to_wire(c.confirmed))) for c in clients]
    views = [codec.unpack(codec.pack(to_wire(c.state))) for c in clients]
    for state, view in zip(states, views, strict=True):
        assert state == server_state
        assert view == server_state  # no optimistic leftovers

    # Every acked op is in the log exactly once, at the seq its ack named.
    log = cast(
        list[tuple[bytes, dict[bytes, bytes]]],
        redis.Redis.from_url(nodes.valkey.url).xrange(f"{{b:{board['board']}}}:log"),
    )
    events: list[dict[str, Any]] = [codec.unpack(fields[b"e"]) for _id, fields in log]
    keys = [(e["actor"], e["op_id"]) for e in events]
    assert len(keys) == len(set(keys)), "an op was applied twice"
    seq_of = {(e["actor"], e["op_id"]): e["seq"] for e in events}
    for actor, op_id, seq in acked:
        assert seq_of.get((actor, op_id)) == seq
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    for client in clients:
        await client.close()
