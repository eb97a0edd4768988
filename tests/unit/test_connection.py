"""A connection's close: whatever the reason, the close frame fits."""

from __future__ import annotations

import asyncio

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
