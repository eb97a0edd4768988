"""Readiness tells the truth: a node is ready only after Redis confirmed its
pub/sub subscription and its own probe came back over it. When pub/sub
cannot work (here: an ACL user refused SSUBSCRIBE or SPUBLISH, as a cluster's
MOVED would), the node says not ready, retries with growing backoff, warns
once, and refuses joins at once with a clear reason."""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request

import redis

from protocol.errors import CloseCode
from tests.support.cluster import UNLIMITED, Nodes
from tests.support.servers import ServerProcess, token_of
from tests.support.wire import Wire

OUTAGE_S = 3.0
#: A join during an outage is refused within this (the bug: a 10 s wait).
REFUSAL_DEADLINE_S = 5.0


class _Unready(ServerProcess):
    """A server that is not expected to become ready: started once it
    serves HTTP at all."""

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.http + "/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"server not up in {timeout}s:\n{self.log_tail()}")


def _start_as(nodes: Nodes, user: str, refused: str) -> tuple[redis.Redis, _Unready]:
    """A node that talks to the test Valkey as ``user``, who may run every
    command but ``refused``."""
    admin = redis.Redis.from_url(nodes.valkey.url)
    admin.acl_setuser(
        user, enabled=True, passwords=["+pw"], keys=["*"], channels=["*"],
        commands=["+@all", f"-{refused}"],
    )  # fmt: skip
    socket_path = nodes.valkey.url.removeprefix("unix://")
    node = _Unready(f"unix://{user}:pw@{socket_path}", nodes.tmp_path / "nodes", env=UNLIMITED)
    nodes.started.append(node)
    node.start()
    return admin, node


def _metric(node: ServerProcess, name: str) -> int:
    for line in node.metrics().splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    raise AssertionError(f"no metric {name}")


def _readyz(node: ServerProcess) -> str:
    """The /readyz body, for failure messages."""
    try:
        with urllib.request.urlopen(node.http + "/readyz", timeout=2) as resp:
            return str(resp.read().decode())
    except urllib.error.HTTPError as exc:
        return str(exc.read().decode())


async def _join_refusal(node: ServerProcess, board: str, token: str) -> tuple[int | None, str]:
    wire = await Wire.connect(node.ws)
    await wire.send({"t": "hello", "v": 1, "board": board, "token": token, "name": "n"})
    code = await wire.wait_closed(REFUSAL_DEADLINE_S)
    return code, wire.ws.close_reason or ""


async def test_refused_ssubscribe_is_not_ready_quiet_and_refuses_joins_at_once(
    nodes: Nodes,
) -> None:
    admin, node = _start_as(nodes, "nosub", "ssubscribe")
    started = time.monotonic()
    board = node.create_board("Refused")  # storage itself works for this user
    bid, token = board["board"], token_of(board["links"]["participant"])

    seen_ready = False
    while time.monotonic() - started < OUTAGE_S:
        seen_ready = seen_ready or node.get_ready()
        await asyncio.sleep(0.1)
    assert not seen_ready, _readyz(node)

    code, reason = await _join_refusal(node, bid, token)
    assert code == CloseCode.INTERNAL
    assert reason.startswith("not ready: pub/sub")

    # Growing backoff, not a respin every 50 ms (~37 attempts a second), and
    # one warning for the whole outage.
    elapsed = time.monotonic() - started
    attempts = _metric(node, "prikbord_bus_reconnects_total")
    assert attempts <= 8 + elapsed, attempts
    assert node.log_tail(200).count("pub/sub unavailable") == 1, node.log_tail(20)

    # The outage ends: the node becomes ready by itself and takes joins.
    admin.acl_setuser("nosub", enabled=True, commands=["+ssubscribe"])
    ServerProcess.wait_ready(node, timeout=15)
    wire = await Wire.join(node.ws, bid, token, "after")
    assert wire.welcome["board"] == bid
    await wire.close()


async def test_subscription_without_a_probe_round_trip_is_not_ready(nodes: Nodes) -> None:
    # SSUBSCRIBE is confirmed, but the node's probe (SPUBLISH) never comes back.
    _admin, node = _start_as(nodes, "nopub", "spublish")
    started = time.monotonic()
    seen_ready = False
    while time.monotonic() - started < OUTAGE_S:
        seen_ready = seen_ready or node.get_ready()
        await asyncio.sleep(0.1)
    assert not seen_ready, _readyz(node)
    assert _metric(node, "prikbord_ready") == 0
