"""The prebuilt frame is the very bytes uvicorn's own send path writes."""

from __future__ import annotations

import pytest
from websockets.protocol import State
from websockets.server import ServerProtocol

from server.framewriter import binary_frame


def _uvicorn_bytes(payload: bytes) -> bytes:
    """What uvicorn's websockets-sansio ``send`` writes for a
    ``websocket.send`` with ``bytes``: ``send_binary`` then ``data_to_send``."""
    conn = ServerProtocol()
    conn.state = State.OPEN  # as after the handshake
    conn.send_binary(payload)
    return b"".join(conn.data_to_send())


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 300, 65535, 65536, 70_000, 1 << 20])
def test_binary_frame_is_byte_identical_to_the_asgi_path(size: int) -> None:
    payload = bytes(i % 251 for i in range(size))
    assert binary_frame(payload) == _uvicorn_bytes(payload)
