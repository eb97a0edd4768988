"""The fixed costs a node pays per event, whatever the number of sockets.

    python -m bench.eventcost [--events 3000]

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
path charged to the sender).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from typing import Any

import msgpack

from protocol import codec
from protocol.messages import Event
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
    n = p.parse_args().events
    raws = _events(n)
    objs = [msgpack.unpackb(r) for r in raws]
    events = [codec.decode_event(r) for r in raws]

    def reduce() -> None:
        state = BoardState("b")
        for event in events:
            change = Change.before(state, event)
            apply(state, event)
            change.variants(state)

    rows = {
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
    return 0


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
