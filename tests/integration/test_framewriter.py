"""The direct frame path (server/framewriter.py) on a real uvicorn server
with websockets-sansio, as ``prikbord serve`` runs it: the bytes on the
wire, backpressure and the slow consumer, the close handshake, deflate.

The server is a tiny inline Starlette app behind :class:`DirectFrames` whose
endpoint makes a :class:`Connection` the way server/ws.py does; the client
is a raw TCP socket, so the test sees every byte and controls when it
reads."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from protocol.errors import CloseCode
from server.connection import Connection
from server.framewriter import CLOSED, PAUSED, WROTE, DirectFrames, FrameWriter, binary_frame

TIMEOUT = 10.0


@dataclass
class _Side:
    """The server's side of the one socket under test."""

    joined: asyncio.Event = field(default_factory=asyncio.Event)
    conn: Connection | None = None
    writer: FrameWriter | None = None
    paused_seen: int = 0


def _app(side: _Side, queue_max: int) -> Starlette:
    async def endpoint(ws: WebSocket) -> None:
        await ws.accept()
        from server.framewriter import frame_writer

        writer = frame_writer(ws.scope)
        if writer is not None:
            writer = _Counting(writer, side)

        async def close(code: int, reason: str) -> None:
            await ws.close(code, reason)

        conn = Connection(
            "t", lambda data: ws.send({"type": "websocket.send", "bytes": data}), close,
            queue_max=queue_max, direct=writer,
        )  # fmt: skip
        side.conn, side.writer = conn, writer
        side.joined.set()
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
        finally:
            conn.stop()

    # /ws straight from the middleware (as server/app.py), /routed through
    # Starlette's router: the writer works the same behind either.
    routes = [WebSocketRoute("/routed", endpoint)]
    direct = Middleware(DirectFrames, websockets={"/ws": endpoint})
    return Starlette(routes=routes, middleware=[direct])


class _Counting(FrameWriter):
    """The real writer, counting how often it refused for backpressure."""

    __slots__ = ("_inner", "_side")

    def __init__(self, inner: FrameWriter, side: _Side) -> None:
        self._inner, self._side = inner, side

    @property
    def is_open(self) -> bool:
        return self._inner.is_open

    def write(self, frame: bytes) -> int:
        done = self._inner.write(frame)
        self._side.paused_seen += done == PAUSED
        return done


@contextlib.asynccontextmanager
async def _server(side: _Side, *, queue_max: int = 64, deflate: bool = False) -> AsyncIterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    config = uvicorn.Config(
        _app(side, queue_max), ws="websockets-sansio", ws_per_message_deflate=deflate,
        lifespan="off", log_level="warning", ws_ping_interval=None,
    )  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        yield port
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, TIMEOUT)


class _Client:
    """A raw WebSocket client: handshake, masked frames out, frames in."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.response = b""

    @classmethod
    async def connect(cls, port: int, extensions: str = "", path: str = "/ws") -> _Client:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 16)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        )
        if extensions:
            request += f"Sec-WebSocket-Extensions: {extensions}\r\n"
        writer.write((request + "\r\n").encode())
        client = cls(reader, writer)
        client.response = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        assert client.response.startswith(b"HTTP/1.1 101"), client.response
        return client

    async def raw_frame(self) -> bytes:
        """The next frame exactly as it came over the wire."""
        head = await asyncio.wait_for(self.reader.readexactly(2), TIMEOUT)
        n = head[1] & 0x7F
        ext = b""
        if n == 126:
            ext = await self.reader.readexactly(2)
            n = struct.unpack("!H", ext)[0]
        elif n == 127:
            ext = await self.reader.readexactly(8)
            n = struct.unpack("!Q", ext)[0]
        body = await asyncio.wait_for(self.reader.readexactly(n), TIMEOUT)
        return head + ext + body

    async def frame(self) -> tuple[int, bytes]:
        """(first byte: FIN, RSV bits and opcode; payload)."""
        raw = await self.raw_frame()
        start = 2 + {126: 2, 127: 8}.get(raw[1] & 0x7F, 0)
        return raw[0], raw[start:]

    def send_close(self, code: int = 1000) -> None:
        payload = struct.pack("!H", code)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(bytes((0x88, 0x80 | len(payload))) + mask + masked)

    async def rest(self) -> bytes:
        """Everything until the server closes the TCP connection."""
        return await asyncio.wait_for(self.reader.read(), TIMEOUT)

    def close(self) -> None:
        self.writer.close()


@pytest.mark.parametrize("path", ["/ws", "/routed"])
async def test_direct_frames_are_the_bytes_the_asgi_path_sends(path: str) -> None:
    side = _Side()
    async with _server(side) as port:
        client = await _Client.connect(port, path=path)
        await asyncio.wait_for(side.joined.wait(), TIMEOUT)
        conn = side.conn
        assert conn is not None and side.writer is not None
        for size in (5, 200, 70_000):
            payload = os.urandom(size)
            conn.send_event(payload, payload, binary_frame(payload))  # direct: the writer is idle
            direct = await client.raw_frame()
            await conn._send(payload)  # the ASGI path: Starlette → uvicorn → websockets
            asgi = await client.raw_frame()
            assert direct == asgi == binary_frame(payload)
        assert conn.sent_frames == 3  # the three direct writes; the ASGI sends were by hand
        client.close()


async def test_a_slow_consumer_is_still_closed_and_nothing_is_reordered() -> None:
    """The client stops reading: the transport pauses, the writer refuses
    (PAUSED), frames queue for the ASGI path and the bounded queue closes
    the socket with 4001; what did arrive is every frame in order."""
    side = _Side()
    queue_max = 8
    async with _server(side, queue_max=queue_max) as port:
        client = await _Client.connect(port)
        await asyncio.wait_for(side.joined.wait(), TIMEOUT)
        conn = side.conn
        assert conn is not None
        sent = 0
        for i in range(400):  # 400 x 64 KiB: far beyond every socket buffer
            payload = i.to_bytes(4, "big") + bytes(65_532)
            conn.send_event(payload, payload, binary_frame(payload))
            sent += 1
            await asyncio.sleep(0)
            if not conn.is_open:
                break
        assert conn.close_code == CloseCode.SLOW_CONSUMER
        assert side.paused_seen >= 1
        assert sent < 400
        got = []
        while True:
            first, payload = await client.frame()
            if first & 0x0F == 0x8:  # the close frame
                assert struct.unpack("!H", payload[:2])[0] == CloseCode.SLOW_CONSUMER
                break
            got.append(int.from_bytes(payload[:4], "big"))
        assert got == list(range(len(got)))
        assert sent - len(got) >= queue_max  # the queue that overflowed
        client.close()


async def test_no_frame_after_the_close_handshake() -> None:
    side = _Side()
    async with _server(side) as port:
        # The server closes (abort): its close frame is the last frame.
        client = await _Client.connect(port)
        await asyncio.wait_for(side.joined.wait(), TIMEOUT)
        conn, writer = side.conn, side.writer
        assert conn is not None and writer is not None
        conn.send_frame(b"before")
        conn.abort(CloseCode.RESYNC, "bye")
        await asyncio.sleep(0.05)  # the close frame went out
        assert writer.write(binary_frame(b"late")) == CLOSED
        conn.send_frame(b"after")  # the connection sends nothing once closing
        assert await client.frame() == (0x82, b"before")
        first, payload = await client.frame()
        assert first == 0x88 and struct.unpack("!H", payload[:2])[0] == CloseCode.RESYNC
        client.send_close(CloseCode.RESYNC)  # the reply ends the handshake
        assert await client.rest() == b""
        client.close()

        # The client closes: once uvicorn has its close frame, nothing more.
        side.joined.clear()
        client = await _Client.connect(port)
        await asyncio.wait_for(side.joined.wait(), TIMEOUT)
        conn, writer = side.conn, side.writer
        assert conn is not None and writer is not None
        assert writer.write(binary_frame(b"open")) == WROTE
        client.send_close(1000)
        for _ in range(100):
            if not writer.is_open:
                break
            await asyncio.sleep(0.01)
        assert writer.write(binary_frame(b"late")) == CLOSED
        conn.send_frame(b"late")  # nothing goes out either way
        # An idle connection told CLOSED stops sending, as when a send fails.
        idle = Connection("t2", conn._send, conn._close, queue_max=8, direct=writer)
        idle.send_frame(b"late")
        assert not idle.is_open and idle._task is None
        assert await client.frame() == (0x82, b"open")
        first, _payload = await client.frame()
        assert first == 0x88  # uvicorn's echo of our close, and then nothing
        assert await client.rest() == b""
        client.close()


@pytest.mark.parametrize("offer", [True, False])
async def test_deflate_sockets_take_the_asgi_path(offer: bool) -> None:
    """With deflate enabled on the server, a socket that negotiated it gets
    no frame writer (its frames must be compressed); one that did not
    still gets the direct path."""
    side = _Side()
    async with _server(side, deflate=True) as port:
        client = await _Client.connect(port, "permessage-deflate" if offer else "")
        await asyncio.wait_for(side.joined.wait(), TIMEOUT)
        conn = side.conn
        assert conn is not None
        assert (b"permessage-deflate" in client.response.lower()) is offer
        assert (side.writer is None) is offer
        payload = b"x" * 1000
        conn.send_frame(payload, binary_frame(payload))
        first, body = await client.frame()
        if offer:
            assert first == 0xC2  # FIN + RSV1 (compressed) + binary
            import zlib

            assert zlib.decompressobj(-15).decompress(body + b"\x00\x00\xff\xff") == payload
        else:
            assert (first, body) == (0x82, payload)
        client.close()
