"""Failures: a node SIGKILLed under an unacked op, a slow consumer, the
pub/sub connection killed from Redis, and restarts of the embedded Valkey."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import cast

import redis
import websockets

from protocol.errors import CloseCode, ErrorCode
from server.embedded import EmbeddedValkey
from tests.support.cluster import Nodes
from tests.support.servers import ServerProcess, token_of
from tests.support.wire import Wire, card


async def test_unacked_ops_resent_after_sigkill_apply_exactly_once(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    board = a.create_board("Kill")
    bid, token = board["board"], token_of(board["links"]["participant"])
    w = await Wire.join(a.ws, bid, token, "writer")
    identity = w.welcome["identity"]
    op_ids = [f"k{i}" for i in range(200)]
    for op_id in op_ids:  # fire without waiting for acks…
        await w.send({"t": "op", "id": op_id, "op": card(op_id)})
    a.kill()  # …and kill the node while they are in flight
    await w.wait_closed()
    acked = {f["id"] for f in _drain(w) if f.get("t") == "ack"}
    assert len(acked) < len(op_ids)  # some ops really were unacked
    # Resend every op that was not acked (a client keeps them until it is).
    w2 = await Wire.join(b.ws, bid, token, "writer", identity=identity)
    acks = [await w2.op(op_id, card(op_id)) for op_id in op_ids if op_id not in acked]
    assert all(ack["t"] == "ack" for ack in acks)
    snap = b.snapshot(bid, token)
    assert sorted(snap["cards"]) == sorted(op_ids)
    log = cast(list[object], redis.Redis.from_url(nodes.valkey.url).xrange(f"{{b:{bid}}}:log"))
    assert len(log) == 1 + len(op_ids)  # board creation + each op exactly once
    await w2.close()


def _drain(w: Wire) -> list[dict[str, object]]:
    frames = []
    while not w.frames.empty():
        frames.append(w.frames.get_nowait())
    return frames


async def test_slow_consumer_is_disconnected_and_resumes(nodes: Nodes) -> None:
    node = nodes.start(PRIKBORD_SEND_QUEUE_MAX="16", PRIKBORD_LOG_LEVEL="info")
    board = node.create_board("Slow")
    bid, token = board["board"], token_of(board["links"]["participant"])
    # A reader with a tiny receive buffer that stops reading after the welcome.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", node.port))
    slow = await Wire.join(node.ws, bid, token, "slow", sock=sock, max_queue=1)
    slow._reader.cancel()  # stop reading: frames pile up on the server
    writer = await Wire.join(node.ws, bid, token, "writer")
    body = "x" * 3000
    seq = 1
    for i in range(3000):
        ack = await writer.op(f"s{i}", card(f"s{i}", body=body))
        seq = ack["seq"]
        if "too slow" in node.log_tail(5):
            break
    await writer.wait_seq(seq)
    raw = slow.ws
    code = None
    try:
        async with asyncio.timeout(20):
            async for _ in raw:
                pass
    except websockets.ConnectionClosed:
        pass
    code = raw.close_code
    assert code == CloseCode.SLOW_CONSUMER
    back = await Wire.join(
        node.ws, bid, token, "slow", resume=(slow.welcome["epoch"], slow.welcome["seq"])
    )
    assert back.welcome["recovered"] is True
    await back.wait_seq(seq)
    assert [e["seq"] for e in back.events] == list(range(slow.welcome["seq"] + 1, seq + 1))
    await back.close()
    await writer.close()


async def test_pubsub_connection_killed_from_redis_loses_no_event(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    board = a.create_board("Pubsub")
    bid, token = board["board"], token_of(board["links"]["participant"])
    reader = await Wire.join(b.ws, bid, token, "reader")
    writer = await Wire.join(a.ws, bid, token, "writer")
    admin = redis.Redis.from_url(nodes.valkey.url)
    last = 1
    subscribers = await _pubsub_connections(admin, at_least=1)

    async def write(n: int, prefix: str) -> int:
        seq = 0
        for i in range(n):
            seq = (await writer.op(f"{prefix}{i}", card(f"{prefix}{i}")))["seq"]
        return seq

    for round_ in range(3):
        # The nodes resubscribe after a backoff: kill only once they are back,
        # or a round kills nothing and tests nothing.
        await _pubsub_connections(admin, at_least=subscribers)
        task = asyncio.create_task(write(50, f"r{round_}-"))
        await asyncio.sleep(0.02)
        killed = admin.client_kill_filter(_type="pubsub")
        assert killed >= 1
        last = await task
    await reader.wait_seq(last, timeout=20)
    seqs = [e["seq"] for e in reader.events]
    assert seqs == list(range(2, last + 1))
    await reader.close()
    await writer.close()


async def _pubsub_connections(admin: redis.Redis, at_least: int, timeout: float = 10) -> int:
    """Wait until Redis has at least `at_least` pub/sub connections; their count."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        count = len(admin.client_list(_type="pubsub"))
        if count >= at_least or asyncio.get_running_loop().time() > deadline:
            assert count >= at_least, f"only {count} pub/sub connections"
            return count
        await asyncio.sleep(0.05)


async def test_embedded_valkey_survives_server_restart_with_all_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = ServerProcess("", data).start()  # no Redis URL: embedded Valkey
    try:
        board = server.create_board("Durable")
        bid, token = board["board"], token_of(board["links"]["participant"])
        w = await Wire.join(server.ws, bid, token)
        for i in range(20):
            assert (await w.op(str(i), card(f"c{i}")))["t"] == "ack"
        before = server.snapshot(bid, token)
        await w.close()
        server.kill()  # SIGKILL the server: its Valkey must die with it…
        assert not _valkey_running(data)
        server.start()  # …and the new one finds every acked op on disk
        after = server.snapshot(bid, token)
        assert after == before
        assert len(after["cards"]) == 20
        server.stop()
        assert not _valkey_running(data)
        server.start()
        assert server.snapshot(bid, token) == before
    finally:
        server.stop()


def _valkey_running(data: Path, timeout: float = 5.0) -> bool:
    import time

    pid_file = data / "valkey.pid"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_file.exists():
            return False
        try:
            pid = int(pid_file.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return False
        if b"valkey" not in cmdline:
            return False
        time.sleep(0.1)
    return True


def test_unreachable_redis_is_a_clear_message_and_exit_code(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "prikbord.cli", "serve", "--redis-url", "redis://127.0.0.1:1/0"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 3
    assert "cannot reach Redis/Valkey" in result.stderr
    assert "Traceback" not in result.stderr


async def test_embedded_fixture_is_real(valkey: EmbeddedValkey) -> None:
    client = redis.Redis.from_url(valkey.url)
    assert client.config_get("appendfsync") == {"appendfsync": "always"}


async def test_redis_outage_is_an_error_not_a_loss_and_nodes_recover(nodes: Nodes) -> None:
    a, b = nodes.start(), nodes.start()
    board = a.create_board("Outage")
    bid, token = board["board"], token_of(board["links"]["participant"])
    writer = await Wire.join(a.ws, bid, token, "writer")
    reader = await Wire.join(b.ws, bid, token, "reader")
    assert (await writer.op("before", card("before")))["t"] == "ack"

    nodes.valkey.stop()
    refused = await writer.op("during", card("during"), timeout=15)
    assert refused["t"] == "error" and refused["code"] == ErrorCode.UNAVAILABLE
    # A node that cannot deliver must stop looking ready (its probe is lost).
    async with asyncio.timeout(15):
        while a.get_ready():
            await asyncio.sleep(0.2)

    nodes.valkey.start()  # same data directory: the AOF brings everything back
    await _until_ready(a)
    await _until_ready(b)
    # The writer's socket may have been closed (4003) while storage was down;
    # a real client reconnects and resends "during" — this one does it by hand.
    if writer.close_code is not None:
        writer = await Wire.join(a.ws, bid, token, "writer", identity=writer.welcome["identity"])
    ack = await writer.op("during", card("during"))
    assert ack["t"] == "ack"
    if reader.close_code is not None:
        reader = await Wire.join(
            b.ws, bid, token, "reader", resume=(reader.welcome["epoch"], reader.last_seq)
        )
    await reader.wait_seq(ack["seq"], timeout=20)
    snap = b.snapshot(bid, token)
    assert sorted(snap["cards"]) == ["before", "during"]
    await writer.close()
    await reader.close()


async def _until_ready(node: ServerProcess, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not node.get_ready():
            await asyncio.sleep(0.1)


async def test_graceful_stop_tells_clients_to_reconnect(nodes: Nodes) -> None:
    a = nodes.start()
    board = a.create_board("Stop")
    bid, token = board["board"], token_of(board["links"]["participant"])
    w = await Wire.join(a.ws, bid, token)
    a.stop()
    code = await w.wait_closed()
    assert code == CloseCode.GOING_AWAY  # SPEC §10: 4000, never uvicorn's 1012
