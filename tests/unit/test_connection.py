"""A connection's close: whatever the reason, the close frame fits."""

from __future__ import annotations

import asyncio

from protocol import codec
from protocol.errors import MAX_CLOSE_REASON, CloseCode
from server.connection import Connection


async def test_abort_cuts_the_reason_to_123_bytes_on_a_character_boundary() -> None:
    closed: list[tuple[int, str]] = []

    async def send(data: bytes) -> None:
        pass

    async def close(code: int, reason: str) -> None:
        closed.append((code, reason))

    conn = Connection("c1", send, close, queue_max=4)
    conn.abort(CloseCode.RESYNC, "board 𝄞 reloaded: " + "𝄞" * 60)
    for _ in range(3):
        await asyncio.sleep(0)
    [(code, reason)] = closed
    assert code == CloseCode.RESYNC
    assert len(reason.encode("utf-8")) <= MAX_CLOSE_REASON
    assert reason.startswith("board 𝄞 reloaded: 𝄞") and reason.endswith("𝄞")


async def test_an_idle_connection_holds_no_writer_and_a_burst_drains_in_order() -> None:
    """The writer exists only while a send waits: a send that suspends
    starts it, later frames queue behind it (one ``events`` frame for the
    queued events), and once all went out the connection is idle again."""
    sent: list[bytes] = []
    gate = asyncio.Event()

    async def send(data: bytes) -> None:
        if not gate.is_set():
            await gate.wait()  # the transport is "paused"
        sent.append(data)

    async def close(code: int, reason: str) -> None:
        pass

    conn = Connection("c1", send, close, queue_max=16)
    assert conn._task is None and conn._queue is None
    conn.send_frame(b"first")  # stepped eagerly; it suspends: a writer takes it over
    assert conn._task is not None
    raws = [codec.seal_event(*_parts(i)) for i in (1, 2, 3)]
    for raw in raws:
        conn.send_event(raw, codec.events_frame([raw]))
    gate.set()
    for _ in range(10):
        await asyncio.sleep(0)
    assert sent == [b"first", codec.events_frame(raws)]
    assert conn._task is None and not conn._queue  # idle again
    conn.send_frame(b"next")  # eager again: no writer needed
    assert conn._task is None and sent[-1] == b"next"
    conn.stop()
    conn.send_frame(b"after stop")
    assert sent[-1] == b"next"


def _parts(i: int) -> tuple[bytes, int, bytes]:
    op = codec.op_from_wire({"type": "card.add", "id": f"c{i}", "title": "t"})
    head, tail = codec.event_parts(op_id=f"o{i}", actor="a", name="n", role="participant",
                                   at=0, op=op)  # fmt: skip
    return head, i, tail
