"""Big boards, fast: fill a board with cards, comments, reactions and votes
over one raw WebSocket, without clicking.

The browser tests and ``bench/browser.py`` need boards of 1,000 and 5,000
cards. Typing them in a browser would take an hour, and the reference
clients pace themselves at the server's rate limit (20 ops/s: 50 s for
1,000 cards). So the seeder pipelines its ops and waits for the acks; the
server it talks to must lift the op rate limits (:data:`FAST_OPS_ENV`), as
a load test's server does. Everything goes through the real protocol, so
the board is exactly what people typing would have made.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import random
from collections.abc import Iterator
from typing import Any

import websockets
from fractional_indexing import generate_n_keys_between

from protocol import codec, limits
from protocol.version import SUBPROTOCOL

#: Server settings for a seeding (and benchmark) server: op rate limits
#: lifted, everything else as shipped.
FAST_OPS_ENV = {
    "PRIKBORD_OPS_PER_SECOND": "100000",
    "PRIKBORD_OPS_BURST": "100000",
    "PRIKBORD_ACTOR_OPS_PER_SECOND": "100000",
    "PRIKBORD_ACTOR_OPS_BURST": "100000",
    "PRIKBORD_IP_OPS_PER_SECOND": "100000",
    "PRIKBORD_IP_OPS_BURST": "100000",
}

#: Ops in flight before the seeder waits for acks: enough to keep the server
#: busy, few enough that an error is seen near the op that caused it.
WINDOW = 200

WORDS = (
    "idea workshop printer garden bike repair coffee mentor pitch prototype sensor data "
    "roof room Friday help offer question budget poster volunteers sound demo map tools"
).split()
COLORS = ("yellow", "pink", "blue", "green", "orange", "purple", "white")
KINDS = ("note", "question", "offer")
EMOJI = ("👍", "❤️", "💡", "🎉")


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def keys(n: int) -> list[str]:
    """``n`` ascending fractional index keys (the ``pos`` of card i)."""
    return list(generate_n_keys_between(None, None, n))


def card_ops(
    n: int,
    *,
    sections: list[str] | None = None,
    seed: int = 1,
    prefix: str = "c",
    comments_every: int = 3,
) -> Iterator[dict[str, Any]]:
    """Ops making ``n`` cards of realistic size (a title, one or two lines
    of body), spread over ``sections``, with a comment on every
    ``comments_every``-th card and a reaction on every other one. Wall
    positions form a loose grid, so a wall board of these is readable too."""
    rng = random.Random(seed)
    for i, pos in enumerate(keys(n)):
        cid = f"{prefix}{i:05d}"
        op: dict[str, Any] = {
            "type": "card.add",
            "id": cid,
            "kind": KINDS[i % len(KINDS)],
            "title": f"{i + 1}. {words(rng, 3).capitalize()}",
            "body": words(rng, rng.randint(4, 18)).capitalize() + ".",
            "color": COLORS[i % len(COLORS)],
            "pos": pos,
            "x": 20 + (i % 30) * 280,
            "y": 20 + (i // 30) % 45 * 220,
        }
        if sections:
            op["section"] = sections[i % len(sections)]
        yield op
        if comments_every and i % comments_every == 0:
            body = words(rng, rng.randint(3, 9)).capitalize()
            yield {"type": "comment.add", "id": f"m{prefix}{i:05d}", "card": cid, "body": body}
        if i % 2 == 0:
            yield {"type": "reaction.set", "card": cid, "emoji": EMOJI[i % 4], "on": True}


def section_ops(titles: list[str]) -> list[dict[str, Any]]:
    return [
        {"type": "section.add", "id": f"s{i}", "title": title, "pos": f"a{i}"}
        for i, title in enumerate(titles)
    ]


async def _recv(ws: websockets.ClientConnection, timeout: float) -> dict[str, Any]:
    data = await asyncio.wait_for(ws.recv(), timeout)
    if not isinstance(data, bytes):
        raise RuntimeError(f"a text frame from the server: {data[:80]!r}")
    frame: dict[str, Any] = codec.unpack(data)
    return frame


class Seeder:
    """One joined connection that sends ops in a pipeline. Not a client:
    no reconnect, no replica; an op the server refuses raises."""

    def __init__(self, ws: websockets.ClientConnection, welcome: dict[str, Any]) -> None:
        self.ws = ws
        self.welcome = welcome
        self._n = 0

    @classmethod
    async def join(cls, url: str, board: str, token: str, name: str = "Seeder") -> Seeder:
        ws = await websockets.connect(
            url,
            subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
            compression=None,
            max_size=limits.MAX_SERVER_FRAME,
        )
        hello = {"t": "hello", "v": 1, "board": board, "token": token, "name": name}
        await ws.send(codec.pack(hello))
        while True:
            frame = await _recv(ws, 10)
            if frame.get("t") == "welcome":
                return cls(ws, frame)
            if frame.get("t") == "error":
                raise RuntimeError(f"join refused: {frame}")

    async def send(self, ops: list[dict[str, Any]] | Iterator[dict[str, Any]]) -> int:
        """Send every op, at most :data:`WINDOW` unacked; return the last seq."""
        in_flight: set[str] = set()
        last = 0

        async def read_one() -> None:
            nonlocal last
            frame = await _recv(self.ws, 30)
            if frame.get("t") == "ack":
                in_flight.discard(frame["id"])
                last = max(last, int(frame["seq"]))
            elif frame.get("t") == "error":
                raise RuntimeError(f"op refused: {frame}")

        for op in ops:
            self._n += 1
            op_id = f"seed{self._n}"
            in_flight.add(op_id)
            await self.ws.send(codec.pack({"t": "op", "id": op_id, "op": op}))
            while len(in_flight) >= WINDOW:
                await read_one()
        while in_flight:
            await read_one()
        return last

    async def close(self) -> None:
        await self.ws.close()


async def seed(url: str, board: str, token: str, ops: list[dict[str, Any]]) -> int:
    """Join ``board`` with a facilitator ``token`` and apply ``ops``; the
    last seq. The server must run with :data:`FAST_OPS_ENV`."""
    s = await Seeder.join(url, board, token)
    try:
        return await s.send(ops)
    finally:
        await s.close()


def seed_sync(url: str, board: str, token: str, ops: list[dict[str, Any]]) -> int:
    """:func:`seed` for synchronous callers (Playwright tests, the bench).
    Runs in a thread of its own: Playwright's sync API keeps an event loop
    on the calling thread, where ``asyncio.run`` is refused."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, seed(url, board, token, ops)).result()
