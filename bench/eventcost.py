"""The fixed costs a node pays per event, whatever the number of sockets.

    python -m bench.eventcost [--events 3000] [--redis]

In-process and single-threaded: the same ``card.add`` events the fan-out
scenario publishes, stored as bytes, then each step the hub takes per
event, timed over all of them (µs per event, best of 3 passes): reading the
seq, decoding the stored bytes (msgpack, then pydantic validation), the
reducer with the visibility check of an open board, and building the
``events`` frame and its WebSocket frame. Last, the Python part of one
*delivery* on the direct frame path (``Connection.send_event`` →
``FrameWriter.write``) with the transport's ``write`` replaced by a counter:
what is left of a delivery's cost in ``python -m bench --only fanout`` is
the kernel's (the ``send`` syscall and, on loopback, the receiver's TCP
path charged to the sender). The op path's pure parts: decoding a client's
op frame and encoding its ack.

``--redis`` adds the client side of one Redis command through redis-py's
asyncio client (what every append, presence write and publish pays), as
process CPU per command against a Valkey of our own.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgpack

from protocol import codec
from protocol.messages import Ack, Event
from protocol.model import BoardState
from protocol.reducer import apply
from protocol.visibility import Change
from server.connection import Connection
from server.framewriter import FrameWriter, binary_frame

PASSES = 3


def _events(n: int) -> list[bytes]:
    out = []
    for k in range(1, n + 1):
        wire = {"type": "card.add", "id": f"c{k}", "title": f"{k} 1.0", "body": "x" * 70,
                "color": "yellow", "x": k % 10000, "y": 0}  # fmt: skip
        op = codec.op_from_wire(wire)
        head, tail = codec.event_parts(op_id=f"o{k}", actor="a" * 22, name="bench",
                                       role="participant", at=1_700_000_000_000, op=op)  # fmt: skip
        out.append(codec.seal_event(head, k, tail))
    return out


def _best(step: Callable[[], object], n: int) -> float:
    best = float("inf")
    for _ in range(PASSES):
        t = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t)
    return best / n * 1e6


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.eventcost", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--events", type=int, default=3000)
    p.add_argument("--redis", action="store_true", help="also time a redis-py round trip")
    args = p.parse_args()
    n = args.events
    raws = _events(n)
    objs = [msgpack.unpackb(r) for r in raws]
    events = [codec.decode_event(r) for r in raws]

    def reduce() -> None:
        state = BoardState("b")
        for event in events:
            change = Change.before(state, event)
            apply(state, event)
            change.variants(state)

    frames = [msgpack.packb({"t": "op", "id": f"o{k}", "op": o["op"]}) for k, o in enumerate(objs)]
    rows = {
        "decode_client (an op frame from a client)": lambda: [
            codec.decode_client(f) for f in frames
        ],
        "ack encode": lambda: [codec.encode(Ack(t="ack", id="o1", seq=k)) for k in range(n)],
        "event_seq (read the seq only)": lambda: [codec.event_seq(r) for r in raws],
        "msgpack unpack": lambda: [msgpack.unpackb(r) for r in raws],
        "pydantic Event.model_validate": lambda: [Event.model_validate(o) for o in objs],
        "decode_event (both, what the hub does)": lambda: [codec.decode_event(r) for r in raws],
        "visibility + reducer (open board)": reduce,
        "events frame + WebSocket frame": lambda: [
            binary_frame(codec.events_frame([r])) for r in raws
        ],
    }
    print(f"{n} card.add events of {len(raws[0])} bytes; µs per event, best of {PASSES}")
    for name, step in rows.items():
        print(f"  {_best(step, n):7.2f}  {name}")
    per = asyncio.run(_delivery(raws[0]))
    print(f"  {per:7.2f}  one delivery, Python part (direct path; write not counted)")
    if args.redis:
        per = asyncio.run(_redis_round_trip(n))
        print(f"  {per:7.2f}  one Redis command, client-side CPU (redis-py asyncio, EVALSHA)")
    return 0


async def _redis_round_trip(n: int) -> float:
    from server.embedded import EmbeddedValkey
    from server.engine.client import connect

    with tempfile.TemporaryDirectory(prefix="pb-eventcost-") as tmp:
        valkey = EmbeddedValkey(Path(tmp) / "valkey", appendfsync="always")
        url = valkey.start()
        try:
            client = connect(url)
            sha = await client.script_load("return redis.call('INCR', KEYS[1])")
            for _ in range(100):  # warm the pool and the script cache
                await client.evalsha(sha, 1, "k")
            cpu = time.process_time()
            for _ in range(n):
                await client.evalsha(sha, 1, "k")
            per = (time.process_time() - cpu) / n * 1e6
            await client.aclose()
            return per
        finally:
            valkey.stop()


class _CountingTransport:
    def __init__(self) -> None:
        self.writes = 0

    def is_closing(self) -> bool:
        return False

    def write(self, data: bytes) -> None:
        self.writes += 1


class _UvicornSide:
    """The attributes of uvicorn's protocol object the writer reads."""

    def __init__(self) -> None:
        from websockets.protocol import State
        from websockets.server import ServerProtocol

        self.transport = _CountingTransport()
        self.writable = asyncio.Event()
        self.writable.set()
        self.close_sent = self.disconnected = False
        self.conn = ServerProtocol()
        self.conn.state = State.OPEN


async def _delivery(raw: bytes, sockets: int = 1000, events: int = 100) -> float:
    async def send(data: bytes) -> None:
        raise AssertionError("the direct path never takes the ASGI send")

    async def close(code: int, reason: str) -> None:
        pass

    sides: list[Any] = [_UvicornSide() for _ in range(sockets)]
    conns = [Connection(str(i), send, close, queue_max=8, direct=FrameWriter(side))
             for i, side in enumerate(sides)]  # fmt: skip
    frame = codec.events_frame([raw])
    wire = binary_frame(frame)

    def fan_out() -> None:
        for _ in range(events):
            for conn in conns:
                conn.send_event(raw, frame, wire)

    per = _best(fan_out, sockets * events)
    assert sum(side.transport.writes for side in sides) == PASSES * sockets * events
    return per


if __name__ == "__main__":
    raise SystemExit(main())
