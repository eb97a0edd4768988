"""Slowloris guard: HTTP read timeouts and a per-IP connection cap, at the
protocol level, without forking uvicorn.

uvicorn (0.54) has no header or body read timeout: its keep-alive timer
stops at the first byte of a request, so a client that sends its headers
one byte at a time holds a descriptor for ever. 1,100 such requests made
``/healthz`` fail under a 1,024-descriptor limit (issue 8). This module
closes that gap with a small subclass of uvicorn's ``HttpToolsProtocol``,
passed to ``uvicorn.run(http=...)`` by ``server/cli.py``:

* **header timeout** — a request's headers must be complete within
  ``http_header_timeout_s`` of its first byte (or of the connection's
  start, for a connection that sends nothing): else ``408`` and close;
* **body timeout** — its body must be complete within
  ``http_body_timeout_s`` of its headers: else ``408`` (when no response
  started yet) and close; the app sees ``http.disconnect``;
* **per-IP cap** — at most ``max_http_per_ip`` open HTTP connections per
  peer address in this worker; one more is closed at once (counted). A
  connection stops counting when it is upgraded to a WebSocket (the app
  caps those: ``server/conncaps.py``). Connections from a trusted proxy
  (``PRIKBORD_TRUSTED_PROXIES``) are not capped: every client behind it
  shares its address, and the proxy caps its own clients.

**Staying compatible with uvicorn upgrades.** The subclass only extends
methods of the ``asyncio.Protocol`` interface and the parser callbacks
that httptools itself defines (``connection_made``, ``connection_lost``,
``on_message_begin``, ``on_headers_complete``, ``on_message_complete``)
plus ``handle_websocket_upgrade``; each calls ``super()`` with the same
arguments and reads only ``self.client``, ``self.cycle`` and
``self.transport``. ``tests/unit/test_httpguard.py`` checks that those
names and attributes still exist with those signatures, and drives the
protocol with a real uvicorn ``Config``; ``tests/integration/
test_slowloris.py`` runs a real server under a 1,024-descriptor limit. A
uvicorn release that renames any of them fails those tests, not
production. ``pyproject.toml`` keeps ``uvicorn>=0.30``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import resource
from collections import Counter
from collections.abc import Iterable
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from server.config import Settings

#: The import path ``uvicorn.run(http=...)`` takes (worker processes
#: import it themselves).
PROTOCOL_PATH = "server.httpguard:GuardedHttpToolsProtocol"

_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 16\r\nconnection: close\r\n\r\nrequest timeout\n"
)

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: File uploads get ``upload_timeout_s`` for their body (server/files/routes.py).
_UPLOAD_PATH = re.compile(r"/api/boards/[^/]+/files")


class Guard:
    """Per-process settings and counts of the guard: open HTTP connections
    per IP, and refusals by kind (for ``/metrics``)."""

    def __init__(
        self,
        *,
        header_timeout_s: float,
        body_timeout_s: float,
        max_per_ip: int,
        trusted: Iterable[str] = (),
        upload_timeout_s: float | None = None,
    ) -> None:
        self.header_timeout_s = header_timeout_s
        self.body_timeout_s = body_timeout_s
        #: The body timeout of file uploads (``POST /api/boards/*/files``):
        #: megabytes from a phone, not a few KiB of JSON.
        self.upload_timeout_s = body_timeout_s if upload_timeout_s is None else upload_timeout_s
        self.max_per_ip = max_per_ip
        self.trust_all = False
        self._trusted: list[_Network] = []
        for entry in trusted:
            if entry == "*":
                self.trust_all = True
                continue
            try:
                self._trusted.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                continue  # a unix socket path or a name: never a peer address here
        self.open: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()

    @classmethod
    def from_settings(cls, settings: Settings) -> Guard:
        return cls(
            header_timeout_s=settings.http_header_timeout_s,
            body_timeout_s=settings.http_body_timeout_s,
            max_per_ip=settings.max_http_per_ip,
            trusted=settings.trusted_proxies,
            upload_timeout_s=settings.files_upload_timeout_s,
        )

    def trusted(self, ip: str) -> bool:
        if self.trust_all:
            return True
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(addr in net for net in self._trusted)

    def enter(self, ip: str) -> bool:
        """Count one more connection from ``ip``; False (and counted as a
        refusal) when it is at its cap."""
        if self.max_per_ip > 0 and self.open[ip] >= self.max_per_ip:
            self.refused["http_per_ip"] += 1
            return False
        self.open[ip] += 1
        return True

    def leave(self, ip: str) -> None:
        self.open[ip] -= 1
        if self.open[ip] <= 0:
            del self.open[ip]


_guard: Guard | None = None


def guard() -> Guard:
    """This process's guard, from the environment on first use (uvicorn
    workers get their settings as ``PRIKBORD_*`` variables)."""
    global _guard
    if _guard is None:
        _guard = Guard.from_settings(Settings.from_env())
    return _guard


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with read timeouts and a per-IP cap."""

    #: Set by tests to use their own guard; None: the process's.
    guard: Guard | None = None

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._guard = self.guard or guard()
        self._counted_ip: str | None = None
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None

    # --- asyncio.Protocol --------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ip = self.client[0] if self.client else None
        if ip is not None and not self._guard.trusted(ip):
            if not self._guard.enter(ip):
                transport.close()
                return
            self._counted_ip = ip
        self._header_timer = self.loop.call_later(
            self._guard.header_timeout_s, self._timed_out, "http_header_timeout"
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_guarding()
        super().connection_lost(exc)

    # --- httptools callbacks -----------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_timer is None:  # the next request on a kept-alive connection
            self._header_timer = self.loop.call_later(
                self._guard.header_timeout_s, self._timed_out, "http_header_timeout"
            )

    def on_headers_complete(self) -> None:
        self._cancel(header=True)
        before = self.cycle
        super().on_headers_complete()
        if self.cycle is not before:  # a request for the app (not an upgrade): read its body
            scope = self.cycle.scope
            upload = scope["method"] == "POST" and _UPLOAD_PATH.fullmatch(scope["path"])
            timeout = self._guard.upload_timeout_s if upload else self._guard.body_timeout_s
            self._body_timer = self.loop.call_later(timeout, self._timed_out, "http_body_timeout")

    def on_message_complete(self) -> None:
        self._cancel(body=True)
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        # From here on the transport belongs to the WebSocket protocol: no
        # HTTP timeouts, and it no longer counts as an HTTP connection.
        self._stop_guarding()
        super().handle_websocket_upgrade()

    # --- the guard ---------------------------------------------------------

    def _timed_out(self, kind: str) -> None:
        self._header_timer = self._body_timer = None
        if self.transport.is_closing():
            return
        self._guard.refused[kind] += 1
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(_TIMEOUT_RESPONSE)
        self.transport.close()

    def _cancel(self, *, header: bool = False, body: bool = False) -> None:
        if header and self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        if body and self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _stop_guarding(self) -> None:
        self._cancel(header=True, body=True)
        if self._counted_ip is not None:
            self._guard.leave(self._counted_ip)
            self._counted_ip = None


def raise_fd_limit() -> int:
    """Raise this process's soft descriptor limit to its hard limit (a
    server holding a socket per client needs more than the usual 1,024
    soft default); returns the soft limit in force afterwards."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft
