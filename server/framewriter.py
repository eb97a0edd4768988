"""The fan-out's way around the per-socket ASGI send: one event's complete
WebSocket frame, built once, written to every socket's transport.

Server-to-client frames are never masked (RFC 6455 §5.1), so a binary
message's frame is the same bytes for every recipient. uvicorn's own path
(Starlette's ``WebSocket.send`` → the middleware's ``sender`` → uvicorn's
``send`` → websockets' ``send_binary`` → ``data_to_send`` →
``transport.write``) rebuilds those bytes per socket, through three
coroutine frames and a dict. :class:`FrameWriter` writes the prebuilt bytes
straight to the transport uvicorn writes to, and only when that is exactly
what uvicorn would have done; otherwise it says so and the caller takes the
normal path. No fork: it reads the state uvicorn keeps on its protocol
object (``websockets-sansio`` only; any other server or implementation gets
no writer and every socket uses the ASGI path).

How it stays correct (each tested in tests/integration/test_framewriter.py):

* **Bytes.** :func:`binary_frame` is RFC 6455's unmasked binary frame (FIN,
  opcode 2, no RSV bits, 7/16/64-bit length): byte-identical to what
  websockets' ``send_binary`` hands uvicorn (tests/unit/test_framewriter.py).
* **Backpressure.** uvicorn's ``send`` waits while the transport is paused
  (its write buffer above the high-water mark). :meth:`FrameWriter.write`
  never writes then: it answers :data:`PAUSED` and the connection queues
  the frame for its writer task, which sends through the normal path (that
  waits for ``resume_writing``). So a slow reader still fills the bounded
  send queue and is closed as a slow consumer (server/connection.py), and
  the buffer per socket stays within one frame of the high-water mark, as
  before. A frame is never written ahead of one already queued: the
  connection uses the writer only while its queue is empty and no send is
  in flight.
* **Close handshake.** Nothing is written once uvicorn sent or received a
  close frame, lost the connection, or began closing the transport: the
  writer answers :data:`CLOSED` (the connection stops sending, as when a
  send raises). uvicorn's close, ping and pong frames are whole frames
  written in one ``transport.write`` each, like ours, so frames never
  interleave.
* **permessage-deflate.** A socket that negotiated any extension gets no
  writer (:func:`frame_writer` returns None): its messages must go through
  the compressor, so they take the ASGI path. Prikbord serves with deflate
  off (server/cli.py); this only keeps a deflate-enabled deployment correct.
* **TLS at the proxy.** The node sees plain TCP from the proxy and writes
  plaintext frames, as uvicorn does; were uvicorn itself to terminate TLS,
  its transport is the TLS transport and ``write`` encrypts, as for its own
  frames.
"""

from __future__ import annotations

import struct
from collections.abc import Awaitable, Callable
from typing import Any, Final

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

#: ``scope["extensions"]`` key under which :class:`DirectFrames` offers a
#: socket's :class:`FrameWriter`.
EXTENSION: Final = "prikbord.frame_writer"

#: What :meth:`FrameWriter.write` did.
WROTE: Final = 0
#: The transport is paused (its buffer is full): queue, send later.
PAUSED: Final = 1
#: The socket is closing or gone: send nothing more.
CLOSED: Final = 2

_FIN_BINARY = 0x82
_pack_16 = struct.Struct("!BBH").pack
_pack_64 = struct.Struct("!BBQ").pack


def binary_frame(payload: bytes) -> bytes:
    """The unmasked, unfragmented binary frame carrying ``payload``."""
    n = len(payload)
    if n < 126:
        return bytes((_FIN_BINARY, n)) + payload
    if n < 65536:
        return _pack_16(_FIN_BINARY, 126, n) + payload
    return _pack_64(_FIN_BINARY, 127, n) + payload


class FrameWriter:
    """Writes whole frames to one socket's transport, when uvicorn would."""

    __slots__ = ("_open", "_proto", "_transport", "_writable")

    def __init__(self, proto: Any) -> None:
        self._proto = proto
        self._transport = proto.transport
        self._writable = proto.writable
        self._open = _OPEN

    @property
    def is_open(self) -> bool:
        proto = self._proto
        return not (
            proto.close_sent
            or proto.disconnected
            or proto.conn.state is not self._open
            or self._transport.is_closing()
        )

    def write(self, frame: bytes) -> int:
        """Write ``frame`` (from :func:`binary_frame`) now: :data:`WROTE`,
        or :data:`PAUSED` (nothing written; use the normal path, which
        waits), or :data:`CLOSED` (nothing written; send no more)."""
        proto = self._proto
        if proto.close_sent or proto.disconnected or proto.conn.state is not self._open:
            return CLOSED
        transport = self._transport
        if transport.is_closing():
            return CLOSED
        if not self._writable.is_set():
            return PAUSED
        transport.write(frame)
        return WROTE


def _websocket_state_open() -> Any:
    from websockets.protocol import State

    return State.OPEN


_OPEN = _websocket_state_open()


def _sansio_protocol() -> type | None:
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import (
            WebSocketsSansIOProtocol,
        )
    except ImportError:  # an uvicorn without it: every socket uses the ASGI path
        return None
    return WebSocketsSansIOProtocol


_SANSIO = _sansio_protocol()


def frame_writer(scope: Scope) -> FrameWriter | None:
    """The socket's writer once the handshake is done, or None: not served
    by uvicorn's websockets-sansio, no :class:`DirectFrames` in front, an
    extension (permessage-deflate) negotiated, or not (or no longer) open."""
    proto = scope.get("extensions", {}).get(EXTENSION)
    if proto is None or not proto.handshake_complete or proto.initial_response is not None:
        return None
    if proto.conn.extensions:
        return None
    writer = FrameWriter(proto)
    return writer if writer.is_open else None


WebSocketEndpoint = Callable[[WebSocket], Awaitable[None]]


class DirectFrames:
    """Pure-ASGI middleware, first in the app's middleware: for a WebSocket
    served by uvicorn's websockets-sansio it puts uvicorn's protocol object
    (the ``send`` it hands us is its bound method) where :func:`frame_writer`
    finds it. Everything else passes through untouched.

    ``websockets`` maps exact paths to endpoints called straight from here,
    past Starlette's exception middleware, router and route wrappers: each
    of those is a coroutine frame that lives as long as the socket (~2.5 KiB
    per idle connection, BENCHMARKS.md) and a layer every ASGI send passes.
    Our endpoint handles its own errors; an exception it lets escape reaches
    uvicorn, as it did through Starlette (which re-raises what no handler
    takes, and none is registered for WebSockets). ``__call__`` is not a
    coroutine either: it returns the endpoint's, adding no frame of its own.
    """

    def __init__(self, app: ASGIApp, websockets: dict[str, WebSocketEndpoint] | None = None):
        self.app = app
        self.websockets = websockets or {}

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] == "websocket":
            if _SANSIO is not None:
                proto = getattr(send, "__self__", None)
                if isinstance(proto, _SANSIO):
                    extensions = scope.setdefault("extensions", {})
                    if extensions is not None:
                        extensions[EXTENSION] = proto
            path: str = scope["path"]
            root: str = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root) :]
            endpoint = self.websockets.get(path)
            if endpoint is not None:
                return endpoint(WebSocket(scope, receive=receive, send=send))
        return self.app(scope, receive, send)
