"""The slowloris guard (server/httpguard.py) driven through uvicorn's real
``Config`` and httptools parser, with a stand-in transport; and a check
that the uvicorn methods it extends still exist as it expects them."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from starlette.types import Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle
from uvicorn.server import ServerState

from server.httpguard import Guard, GuardedHttpToolsProtocol

UNIT = 0.05  # seconds: every timeout in these tests


async def _app(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


class _Transport(asyncio.Transport):
    def __init__(self, peer: str) -> None:
        super().__init__()
        self.peer = peer
        self.written = b""
        self.closed = False
        self.protocol: asyncio.Protocol | None = None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": (self.peer, 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            protocol = self.protocol
            if protocol is not None:
                asyncio.get_running_loop().call_soon(protocol.connection_lost, None)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def _guard(max_per_ip: int = 10, trusted: tuple[str, ...] = ()) -> Guard:
    return Guard(header_timeout_s=UNIT, body_timeout_s=UNIT, max_per_ip=max_per_ip, trusted=trusted)


def _connect(guard: Guard, peer: str = "10.0.0.1") -> tuple[GuardedHttpToolsProtocol, _Transport]:
    config = Config(app=_app, lifespan="off", log_level="critical", proxy_headers=False)
    GuardedHttpToolsProtocol.guard = guard
    try:
        protocol = GuardedHttpToolsProtocol(config, ServerState(), {})
    finally:
        GuardedHttpToolsProtocol.guard = None
    transport = _Transport(peer)
    transport.protocol = protocol
    protocol.connection_made(transport)
    return protocol, transport


async def test_headers_sent_one_byte_at_a_time_are_cut_off_with_408() -> None:
    guard = _guard()
    protocol, transport = _connect(guard)
    for byte in b"GET / HT":
        protocol.data_received(bytes([byte]))
    await asyncio.sleep(3 * UNIT)
    assert transport.closed
    assert transport.written.startswith(b"HTTP/1.1 408 ")
    assert guard.refused["http_header_timeout"] == 1
    assert guard.open == {}  # the slot is free again


async def test_a_connection_that_sends_nothing_is_cut_off_too() -> None:
    guard = _guard()
    _protocol, transport = _connect(guard)
    await asyncio.sleep(3 * UNIT)
    assert transport.closed and guard.refused["http_header_timeout"] == 1


async def test_a_prompt_request_is_answered_and_kept_alive() -> None:
    guard = _guard()
    protocol, transport = _connect(guard)
    protocol.data_received(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    await asyncio.sleep(3 * UNIT)
    assert transport.written.startswith(b"HTTP/1.1 200 ")
    assert not transport.closed  # uvicorn's own keep-alive timeout (5 s) governs now
    assert sum(guard.refused.values()) == 0
    # The next request on the same connection gets its own header deadline.
    protocol.data_received(b"GET / HT")
    await asyncio.sleep(3 * UNIT)
    assert transport.closed and guard.refused["http_header_timeout"] == 1


async def test_a_body_that_never_completes_is_cut_off() -> None:
    guard = _guard()
    protocol, transport = _connect(guard)
    protocol.data_received(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
    await asyncio.sleep(3 * UNIT)
    assert transport.closed
    assert transport.written.startswith(b"HTTP/1.1 408 ")
    assert guard.refused["http_body_timeout"] == 1


async def test_connections_per_ip_are_capped_except_from_a_trusted_proxy() -> None:
    guard = _guard(max_per_ip=2, trusted=("10.9.0.0/16",))
    first, t1 = _connect(guard)
    _second, t2 = _connect(guard)
    _third, t3 = _connect(guard)
    assert not t1.closed and not t2.closed and t3.closed
    assert guard.refused["http_per_ip"] == 1
    assert not _connect(guard, "10.0.0.2")[1].closed  # another address has its own count
    proxied = [_connect(guard, "10.9.3.4")[1] for _ in range(5)]
    assert not any(t.closed for t in proxied)
    assert "10.9.3.4" not in guard.open
    first.connection_lost(None)  # a slot frees up
    assert not _connect(guard)[1].closed


def test_the_uvicorn_methods_the_guard_extends_are_still_there() -> None:
    """A uvicorn upgrade that renames or reshapes any of these breaks this
    test, not production."""
    expected = {
        "connection_made": ["self", "transport"],
        "connection_lost": ["self", "exc"],
        "on_message_begin": ["self"],
        "on_headers_complete": ["self"],
        "on_message_complete": ["self"],
        "handle_websocket_upgrade": ["self"],
        "__init__": ["self", "config", "server_state", "app_state", "_loop"],
    }
    for name, params in expected.items():
        method = getattr(HttpToolsProtocol, name)
        assert list(inspect.signature(method).parameters) == params, name
    source = inspect.getsource(HttpToolsProtocol)
    for attribute in ("self.client", "self.cycle", "self.transport", "self.loop"):
        assert attribute in source, attribute
    assert "self.response_started" in inspect.getsource(RequestResponseCycle)
