"""A minimal WebSocket client on a bare asyncio protocol, for load generation.

A full client library costs tens of microseconds per frame; with thousands
of connections per process on a shared 2-core machine that would make the
clients, not the servers, the bottleneck. This one does the least the RFC
asks of a client: the upgrade, unmasked server frames in, masked frames out
(with an all-zero mask key, which servers accept and which costs no XOR),
pong for ping, close for close.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
from collections.abc import Callable

#: Called with (opcode, payload) for each complete text (1) or binary (2) message.
OnMessage = Callable[[int, bytes], None]

_ZERO_MASK = b"\x00\x00\x00\x00"


def _frame(opcode: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 0x10000:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return header + _ZERO_MASK + payload


class WSClient(asyncio.Protocol):
    def __init__(self, host: str, port: int, path: str, subprotocol: str | None) -> None:
        self.host, self.port, self.path, self.subprotocol = host, port, path, subprotocol
        self.on_message: OnMessage = lambda _op, _data: None
        self.transport: asyncio.Transport | None = None
        self.upgraded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.close_code = 0
        self._buf = bytearray()
        self._frag_op = 0
        self._frag = bytearray()

    @classmethod
    async def connect(
        cls,
        url: str,
        subprotocol: str | None = None,
        timeout: float = 30.0,
        on_message: OnMessage | None = None,
    ) -> WSClient:
        """``ws://host:port/path`` → an upgraded connection. ``on_message`` is
        set before the upgrade, so a frame sent right after it is not missed."""

        def factory() -> WSClient:
            proto = cls(host, int(port or 80), "/" + path, subprotocol)
            if on_message is not None:
                proto.on_message = on_message
            return proto

        rest = url.split("://", 1)[1]
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.partition(":")
        loop = asyncio.get_running_loop()
        _, proto = await asyncio.wait_for(
            loop.create_connection(factory, host, int(port or 80)),
            timeout,
        )  # fmt: skip
        await asyncio.wait_for(asyncio.shield(proto.upgraded), timeout)
        return proto

    # --- asyncio.Protocol ----------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if self.subprotocol:
            lines.append(f"Sec-WebSocket-Protocol: {self.subprotocol}")
        transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.upgraded.done():
            self.upgraded.set_exception(ConnectionError(f"closed before upgrade: {exc}"))
        if not self.closed.done():
            self.closed.set_result(self.close_code or 1006)

    def data_received(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        if not self.upgraded.done():
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[: buf.find(b"\r\n")])
            del buf[: end + 4]
            if b" 101 " not in status:
                self.upgraded.set_exception(ConnectionError(status.decode(errors="replace")))
                assert self.transport is not None
                self.transport.close()
                return
            self.upgraded.set_result(None)
        pos, n = 0, len(buf)
        while n - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length = b1 & 0x7F
            head = 2
            if length == 126:
                if n - pos < 4:
                    break
                length = (buf[pos + 2] << 8) | buf[pos + 3]
                head = 4
            elif length == 127:
                if n - pos < 10:
                    break
                length = struct.unpack_from("!Q", buf, pos + 2)[0]
                head = 10
            if n - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            self._frame_received(b0, payload)
        if pos:
            del buf[:pos]

    # --- frames --------------------------------------------------------------

    def _frame_received(self, b0: int, payload: bytes) -> None:
        opcode, fin = b0 & 0x0F, b0 & 0x80
        if opcode in (1, 2):
            if fin:
                self.on_message(opcode, payload)
            else:
                self._frag_op, self._frag = opcode, bytearray(payload)
        elif opcode == 0:
            self._frag += payload
            if fin:
                self.on_message(self._frag_op, bytes(self._frag))
                self._frag = bytearray()
        elif opcode == 9:
            self._write(_frame(10, payload))
        elif opcode == 8:
            self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            self._write(_frame(8, payload[:2]))
            if self.transport is not None:
                self.transport.close()

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def send_binary(self, payload: bytes) -> None:
        self._write(_frame(2, payload))

    def send_text(self, text: str) -> None:
        self._write(_frame(1, text.encode()))

    def close(self, code: int = 1000) -> None:
        self._write(_frame(8, struct.pack("!H", code)))
        if self.transport is not None:
            self.transport.close()
