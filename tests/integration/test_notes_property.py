"""Property, against real servers: N Python clients typing concurrently into
the same notes — random inserts and deletes at random positions, with
dropped connections and the resends that follow — converge to the
identical text, and no one's insert is lost.

Each typist types characters of its own alphabet and deletes only its own
characters, so what must survive is known exactly: every typist's
surviving characters, in the order it has them, appear in the final text.
Seeded (a failure names its seed), bounded (a few dozen edits each).
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter

import pytest

from client.backoff import Backoff
from client.client import PrikbordClient
from client.notes import Notes
from tests.support.cluster import Nodes

UNIT = float(os.environ.get("PRIKBORD_TEST_TIMEOUT_UNIT", "1.0"))
EDITS = 60 if os.environ.get("PRIKBORD_FULL") else 30
ALPHABETS = ("abcdefgh", "ABCDEFGH", "01234567", "stuvwxyz")


async def _typist(
    client: PrikbordClient, notes: Notes, alphabet: str, rnd: random.Random, typed: Counter[str]
) -> None:
    """Random edits; ``typed`` counts the characters it inserted minus
    those it deleted: what must be in the final text."""
    for step in range(EDITS):
        text = notes.text
        own = [i for i, ch in enumerate(text) if ch in alphabet]
        if own and rnd.random() < 0.3:
            at = rnd.choice(own)
            typed[text[at]] -= 1
            notes.delete(at, 1)
        else:
            ch = rnd.choice(alphabet)
            typed[ch] += 1
            notes.insert(rnd.randint(0, len(text)), ch)
        if step % 10 == 9 and rnd.random() < 0.5 and client._ws is not None:
            client._ws.transport.abort()  # the network drops; the client resends
        await asyncio.sleep(rnd.uniform(0.0, 0.06))
    await notes.flush()


@pytest.mark.parametrize("seed", [1, 2])
async def test_concurrent_typists_converge_and_lose_no_insert(nodes: Nodes, seed: int) -> None:
    rnd = random.Random(seed)
    a_node, b_node = nodes.start(PRIKBORD_SNAPSHOT_EVERY="20"), nodes.start()
    link = a_node.create_board("Property")["links"]["participant"]
    fast = Backoff(base=0.05, cap=0.3)
    clients = [
        PrikbordClient(
            link.replace(a_node.http, (a_node, b_node)[i % 2].http), name=f"T{i}", backoff=fast
        )
        for i in range(len(ALPHABETS))
    ]
    for c in clients:
        await c.connect()
    try:
        docs = [c.notes() for c in clients]
        typed: list[Counter[str]] = [Counter() for _ in clients]
        await asyncio.gather(
            *(
                _typist(c, d, alphabet, random.Random(rnd.random()), t)
                for c, d, alphabet, t in zip(clients, docs, ALPHABETS, typed, strict=True)
            )
        )
        async with asyncio.timeout(30 * UNIT):
            while any(c.pending or not c.connected for c in clients):
                await asyncio.sleep(0.05)
            head = max(c.seq for c in clients)
            for c in clients:
                await c.wait_for_seq(head)
        final = docs[0].text
        assert all(d.text == final for d in docs), f"seed {seed}: texts differ"
        assert all(c.confirmed.notes["board"].text() == final for c in clients)
        for alphabet, t in zip(ALPHABETS, typed, strict=True):
            # Only its owner deletes a character: every insert it did not
            # take back is there, none twice.
            mine = Counter(ch for ch in final if ch in alphabet)
            assert mine == +t, f"seed {seed}: {alphabet} typed {+t}, text has {mine}"
        assert len(final) > 0
    finally:
        for c in clients:
            await c.close()
