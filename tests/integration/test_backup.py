"""``prikbord admin backup`` / ``prikbord admin restore`` (issue 12) against real Valkey
servers: every board — meta, log, snapshot, op ids, link state, owner, short
code — goes to one file and back into another Valkey, equal except for a new
epoch on each board (SPEC §3), so a client resuming in the old epoch gets a
snapshot, and a resent op is still applied once. Existing boards are left
alone unless ``--replace``; a file that is not a backup changes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any, cast

import redis

from protocol.errors import CloseCode
from server.accounts.keys import account_boards
from server.engine.keys import BOARDS_KEY, board_keys, short_key
from tests.support.cluster import Nodes
from tests.support.servers import ROOT, ServerProcess, token_of
from tests.support.valkey import start_valkey
from tests.support.wire import Wire, card


def _cli(*args: str) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "prikbord.cli", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    return proc.returncode, proc.stdout, proc.stderr


def _board_data(r: redis.Redis, board: str) -> dict[str, Any]:
    k = board_keys(board)
    return {
        "meta": r.hgetall(k.meta),
        "snap": r.hgetall(k.snap),
        "log": r.xrange(k.log),
        "ops": r.zrange(k.ops, 0, -1, withscores=True),
        "opst": r.zrange(k.ops_times, 0, -1, withscores=True),
    }


def _post(node: ServerProcess, path: str, token: str, body: Any, method: str = "POST") -> Any:
    req = urllib.request.Request(
        node.http + path, data=json.dumps(body).encode(), method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


async def _fill(node: ServerProcess) -> list[dict[str, Any]]:
    """Two boards: one with cards, comments, votes past a snapshot; one with
    an access code and a replaced participant link."""
    one, two = node.create_board("One"), node.create_board("Two")
    fac = token_of(one["links"]["facilitator"])
    w = await Wire.join(node.ws, one["board"], fac, "Fac")
    for i in range(7):
        assert (await w.op(f"c{i}", card(f"k{i}")))["t"] == "ack"
    assert (await w.op("m0", {"type": "comment.add", "id": "m0", "card": "k0", "body": "hi"}))[
        "t"
    ] == "ack"
    vote = await w.op("v0", {"type": "vote.cast", "card": "k1"})
    assert vote["t"] == "ack"
    await w.wait_seq(vote["seq"])
    one["identity"] = w.welcome["identity"]
    one["epoch"] = w.welcome["epoch"]
    one["seq"] = vote["seq"]
    await w.close()
    fac2 = token_of(two["links"]["facilitator"])
    _post(node, f"/api/boards/{two['board']}/access-code", fac2, {"code": "tulip"}, "PUT")
    two["replaced"] = _post(
        node, f"/api/boards/{two['board']}/links/replace", fac2, {"roles": ["participant"]}
    )
    return [one, two]


async def test_backup_and_restore_round_trip_with_new_epochs(nodes: Nodes, tmp_path: Path) -> None:
    a = nodes.start(PRIKBORD_SNAPSHOT_EVERY="5")
    one, two = await _fill(a)
    src = redis.Redis.from_url(nodes.valkey.url)
    # An owner, as an account's board has (the index beside the meta).
    src.hset(board_keys(one["board"]).meta, "owner", "ann")
    src.zadd(account_boards("ann"), {one["board"]: 1})
    before = {b["board"]: _board_data(src, b["board"]) for b in (one, two)}
    assert before[one["board"]]["snap"], "the board has a snapshot and a log tail"

    backup = tmp_path / "boards.pbk"
    rc, out, err = _cli("admin", "backup", str(backup), "--redis-url", nodes.valkey.url)
    assert rc == 0 and "wrote 2 boards" in out, err

    other = start_valkey(tmp_path / "other")
    try:
        rc, out, err = _cli("admin", "restore", str(backup), "--redis-url", other.url)
        assert rc == 0 and "restored 2 boards" in out, err
        dst = redis.Redis.from_url(other.url)
        for board, data in before.items():
            after = _board_data(dst, board)
            assert after["meta"][b"epoch"] != data["meta"][b"epoch"]  # a new epoch
            for part in ("meta", "snap", "log", "ops", "opst"):
                if part == "meta":
                    del after["meta"][b"epoch"], data["meta"][b"epoch"]
                assert after[part] == data[part], part
        assert cast(set[bytes], dst.smembers(BOARDS_KEY)) == {b.encode() for b in before}
        short = before[two["board"]]["meta"][b"short"].decode()
        assert dst.get(short_key(short)) == two["board"].encode()
        assert dst.zscore(account_boards("ann"), one["board"]) is not None

        # A node on the restored Valkey serves the boards as they were.
        b = ServerProcess(other.url, tmp_path / "b", env=dict(nodes.started[0].extra_env)).start()
        try:
            await _check_restored(a, b, one, two)
        finally:
            b.kill()

        # Again: existing boards are left alone, unless --replace.
        rc, out, _err = _cli("admin", "restore", str(backup), "--redis-url", other.url)
        assert rc == 0 and "restored 0 boards" in out and "left 2 existing" in out
        epoch = dst.hget(board_keys(one["board"]).meta, "epoch")
        rc, out, _err = _cli("admin", "restore", str(backup), "--redis-url", other.url, "--replace")
        assert rc == 0 and "restored 2 boards" in out
        assert dst.hget(board_keys(one["board"]).meta, "epoch") != epoch
    finally:
        other.stop()


async def _check_restored(
    a: ServerProcess, b: ServerProcess, one: dict[str, Any], two: dict[str, Any]
) -> None:
    fac = token_of(one["links"]["facilitator"])
    assert b.snapshot(one["board"], fac) == a.snapshot(one["board"], fac)
    # Resuming in the old epoch: a snapshot of the new one, never a replay.
    w = await Wire.join(
        b.ws, one["board"], fac, "Fac", identity=one["identity"],
        resume=(one["epoch"], one["seq"]),
    )  # fmt: skip
    assert w.welcome["recovered"] is False and w.welcome["epoch"] != one["epoch"]
    assert w.welcome["seq"] == one["seq"]
    # A resend of an op from before the backup is acked with its seq, once.
    again = await w.op("c3", card("k3"))
    assert again["t"] == "ack" and again["seq"] == 5  # 1 is the creation, c0 is 2
    await w.close()
    # Link state came along: the replaced participant link is refused, the
    # access code is still asked for.
    old = await Wire.connect(b.ws)
    await old.send({"t": "hello", "v": 1, "board": two["board"], "name": "X",
                    "token": token_of(two["links"]["participant"]), "code": "tulip"})  # fmt: skip
    assert await old.wait_closed() == CloseCode.UNAUTHORIZED
    new_token = token_of(two["replaced"]["links"]["participant"])
    no_code = await Wire.connect(b.ws)
    await no_code.send({"t": "hello", "v": 1, "board": two["board"], "name": "X",
                        "token": new_token})  # fmt: skip
    assert await no_code.wait_closed() == CloseCode.ACCESS_CODE
    ok = await Wire.connect(b.ws)
    await ok.send({"t": "hello", "v": 1, "board": two["board"], "name": "X",
                   "token": new_token, "code": "tulip"})  # fmt: skip
    assert (await ok.expect("welcome"))["board"] == two["board"]
    await ok.close()


async def test_a_file_that_is_not_a_backup_changes_nothing(nodes: Nodes, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_bytes(b"hello")
    rc, _out, err = _cli("admin", "restore", str(bogus), "--redis-url", nodes.valkey.url)
    assert rc == 4 and "not a Prikbord backup" in err
    r = redis.Redis.from_url(nodes.valkey.url)
    assert r.scard(BOARDS_KEY) == 0
    rc, _out, err = _cli("backup", str(tmp_path / "x"), "--redis-url", "redis://127.0.0.1:1")
    assert rc == 3 and "Redis/Valkey" in err
