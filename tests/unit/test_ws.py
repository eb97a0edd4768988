"""The WebSocket endpoint's handshake helpers, with a stand-in socket."""

from __future__ import annotations

from typing import cast

from starlette.websockets import WebSocket, WebSocketState

from protocol.errors import MAX_CLOSE_REASON, CloseCode
from server.ws import _close


class _Socket:
    application_state = WebSocketState.CONNECTED

    def __init__(self) -> None:
        self.closed: list[tuple[int, str]] = []

    async def close(self, code: int, reason: str) -> None:
        self.closed.append((code, reason))


async def test_close_cuts_the_reason_to_123_bytes_on_a_character_boundary() -> None:
    sock = _Socket()
    await _close(cast(WebSocket, sock), CloseCode.BAD_HANDSHAKE, "bad hello: " + "𝄞" * 40)
    [(code, reason)] = sock.closed
    assert code == CloseCode.BAD_HANDSHAKE
    assert len(reason.encode("utf-8")) <= MAX_CLOSE_REASON
    assert reason == "bad hello: " + "𝄞" * 28  # 11 + 28 * 4 = 123 bytes


async def test_close_skips_a_socket_already_gone() -> None:
    sock = _Socket()
    sock.application_state = WebSocketState.DISCONNECTED
    await _close(cast(WebSocket, sock), CloseCode.INTERNAL, "x")
    assert sock.closed == []
