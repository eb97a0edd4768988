"""Slowloris against a real server process under a 1,024-descriptor limit
(server/httpguard.py): 1,100 connections that send their headers one byte
at a time do not take ``/healthz`` down, and are closed after the header
timeout. The slow connections come from 127.0.0.2 (Linux routes all of
127/8 to loopback), the health checks from 127.0.0.1: another client."""

from __future__ import annotations

import asyncio
import contextlib
import resource
import time
import urllib.request

from tests.integration.conftest import Nodes, nodes, valkey
from tests.support.cluster import UNLIMITED
from tests.support.servers import ServerProcess, token_of
from tests.support.wire import Wire

__all__ = ["nodes", "valkey"]

SLOW = 1100
REQUEST = b"GET /healthz HTTP/1.1\r\nHost: prikbord\r\nUser-Agent: slow\r\n\r\n"
HEADER_TIMEOUT_S = 3
#: A bound on how long the server may take to cut every slow connection
#: (header timeout plus accepting 1,100 sockets on a busy machine). Not a
#: speed assertion: a guard that never fires fails it by minutes.
ALL_CUT_WITHIN_S = 60


def _fd_limit_1024() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))


def _start_limited(nodes: Nodes, **env: str) -> ServerProcess:
    """Like ``nodes.start``, but the server process runs under ``ulimit -n 1024``."""
    node = ServerProcess(
        nodes.valkey.url,
        nodes.tmp_path / "nodes",
        env={**UNLIMITED, "PRIKBORD_HTTP_HEADER_TIMEOUT_S": str(HEADER_TIMEOUT_S), **env},
    )
    node.preexec_fn = _fd_limit_1024
    nodes.started.append(node)
    return node.start()


def _healthz(node: ServerProcess) -> bool:
    try:
        with urllib.request.urlopen(node.http + "/healthz", timeout=5) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def _server_fd_limit(node: ServerProcess) -> int:
    assert node.proc is not None
    for line in open(f"/proc/{node.proc.pid}/limits"):
        if line.startswith("Max open files"):
            return int(line.split()[3])
    raise AssertionError("no fd limit")


async def _slow_client(port: int, cut: list[float], stop: asyncio.Event) -> None:
    """Send the request headers a byte every 0.5 s; record when the server
    closes the connection (or refuses it)."""
    try:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, local_addr=("127.0.0.2", 0)
        )
    except OSError:
        cut.append(time.monotonic())
        return
    try:
        for byte in REQUEST[:-2]:  # never the final empty line
            writer.write(bytes([byte]))
            await writer.drain()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.5):
                    if not await reader.read(4096):  # EOF: the server closed it
                        break
            if stop.is_set():
                return
        cut.append(time.monotonic())
    except OSError:
        cut.append(time.monotonic())
    finally:
        writer.close()


async def _slowloris(node: ServerProcess) -> tuple[list[float], list[bool]]:
    """1,100 slow clients; /healthz polled from another address meanwhile.
    Returns the times the slow connections were cut and the health answers."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    cut: list[float] = []
    stop = asyncio.Event()
    clients = [asyncio.create_task(_slow_client(node.port, cut, stop)) for _ in range(SLOW)]
    health: list[bool] = []
    try:
        async with asyncio.timeout(ALL_CUT_WITHIN_S):
            while len(cut) < SLOW:
                health.append(await asyncio.to_thread(_healthz, node))
                await asyncio.sleep(0.5)
    finally:
        stop.set()
        await asyncio.gather(*clients, return_exceptions=True)
    return cut, health


async def test_slow_headers_from_1100_connections_leave_healthz_up(nodes: Nodes) -> None:
    node = _start_limited(nodes)
    assert _server_fd_limit(node) == 1024
    started = time.monotonic()
    cut, health = await _slowloris(node)
    assert len(cut) == SLOW  # every slow connection was closed by the server
    assert health and all(health), health  # /healthz answered all along
    # Those over the per-IP cap went at once; the others after the timeout.
    per_ip = node.metric('prikbord_refused_total{kind="http_per_ip"}')
    timed_out = node.metric('prikbord_refused_total{kind="http_header_timeout"}')
    assert per_ip + timed_out >= SLOW
    assert timed_out >= 256  # the cap's worth, held until the header timeout
    assert max(cut) - started >= HEADER_TIMEOUT_S
    assert _healthz(node)


async def test_without_the_per_ip_cap_the_header_timeout_alone_recovers(nodes: Nodes) -> None:
    """Cap off: 1,100 slow connections exhaust the server's descriptors; the
    header timeout frees them, and the server serves again."""
    node = _start_limited(nodes, PRIKBORD_MAX_HTTP_PER_IP="0")
    cut, _health = await _slowloris(node)
    assert len(cut) == SLOW
    assert node.metric('prikbord_refused_total{kind="http_header_timeout"}') >= 256
    assert _healthz(node)


async def test_websockets_do_not_count_as_http_connections(nodes: Nodes) -> None:
    node = nodes.start(PRIKBORD_MAX_HTTP_PER_IP="3", PRIKBORD_OPEN_BOARD_CREATION="1")
    board = node.create_board()
    token = token_of(board["links"]["participant"])
    wires = [await Wire.join(node.ws, board["board"], token, f"p{i}") for i in range(8)]
    assert all(w.welcome for w in wires)
    assert _healthz(node)
    for w in wires:
        await w.close()
