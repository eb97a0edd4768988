"""``prikbord user …`` as an operator runs it (subprocesses): against the
data directory's embedded Valkey with no server running (it starts one for
the command), against a running server's Valkey, and with ``--redis-url``.
Passwords come from standard input, never from the command line."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import httpx
import redis

from server.embedded import EmbeddedValkey
from tests.integration.conftest import Nodes, nodes, valkey
from tests.support.servers import ROOT, ServerProcess

__all__ = ["nodes", "valkey"]


async def user_cli(*args: str, stdin: str = "") -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "prikbord.cli", "user", *args,
        cwd=ROOT, env={**os.environ, "PRIKBORD_REDIS_URL": ""},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(60):
        out, err = await proc.communicate(stdin.encode())
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_users_on_a_data_directory_with_no_server_running(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    rc, out, err = await user_cli("add", "Fien", "--name", "Fien de Vries", "--data", data,
                                  stdin="first password\n")  # fmt: skip
    assert rc == 0, err
    assert "created admin fien" in out  # the first account is an administrator
    rc, out, _ = await user_cli("--data", data, "add", "ann", stdin="ann's password\n")
    assert rc == 0 and "created facilitator ann" in out
    rc, _out, err = await user_cli("add", "ann", "--data", data, stdin="other password\n")
    assert rc == 1 and "taken" in err
    rc, _out, err = await user_cli("add", "bob", "--data", data, stdin="short\n")
    assert rc == 1 and "at least 8" in err
    rc, _out, err = await user_cli("add", "-bob", "--data", data, stdin="long enough\n")
    assert rc == 2
    rc, _out, err = await user_cli("add", "x:y", "--data", data, stdin="long enough\n")
    assert rc == 2 and "username" in err
    rc, out, _ = await user_cli("list", "--json", "--data", data)
    listed = json.loads(out)
    assert [(a["username"], a["role"], a["disabled"]) for a in listed] == [
        ("ann", "facilitator", False),
        ("fien", "admin", False),
    ]
    rc, out, _ = await user_cli("disable", "ann", "--data", data)
    assert rc == 0 and "disabled ann" in out
    rc, out, _ = await user_cli("list", "--data", data)
    assert "ann\tfacilitator\tann  (disabled)" in out.splitlines()
    rc, _out, err = await user_cli("disable", "nobody", "--data", data)
    assert rc == 1 and "no account nobody" in err
    rc, out, _ = await user_cli("enable", "ann", "--data", data)
    assert rc == 0
    # The embedded Valkey the command started is gone again: a server can start.
    assert not (tmp_path / "data" / "valkey.sock").exists()
    server = ServerProcess("", tmp_path / "data").start()
    try:
        assert "/setup#" not in server.log_path.read_text()  # accounts exist
        async with httpx.AsyncClient(base_url=server.http) as http:
            res = await http.post(
                "/api/login", json={"username": "ann", "password": "ann's password"}
            )
            assert res.status_code == 200
            # While the server runs, the CLI uses its Valkey (the socket).
            rc, out, _ = await user_cli("passwd", "ann", "--data", data, stdin="new password!\n")
            assert rc == 0 and "1 sessions ended" in out
            assert (await http.get("/api/me")).json()["account"] is None
            res = await http.post(
                "/api/login", json={"username": "ann", "password": "new password!"}
            )
            assert res.status_code == 200
    finally:
        server.stop()


async def test_users_with_a_redis_url(nodes: Nodes, valkey: EmbeddedValkey) -> None:
    rc, out, _ = await user_cli("list", "--redis-url", valkey.url)
    assert rc == 0 and "no accounts yet" in out
    rc, out, err = await user_cli("add", "cor", "--role", "coordinator", "--redis-url", valkey.url,
                                  stdin="coordinator pw\n")  # fmt: skip
    assert rc == 0 and "created coordinator cor" in out, err
    rc, _out, err = await user_cli("passwd", "nobody", "--redis-url", valkey.url, stdin="x" * 9)
    assert rc == 1 and "no account nobody" in err
    rc, _out, err = await user_cli("list", "--redis-url", "redis://127.0.0.1:1/0")
    assert rc == 3 and "cannot reach" in err


async def client_cli(*args: str, stdin: str = "") -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "prikbord.cli", *args,
        cwd=ROOT, env={**os.environ, "PRIKBORD_USER": ""},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(60):
        out, err = await proc.communicate(stdin.encode())
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_board_create_logs_in_with_user(nodes: Nodes, valkey: EmbeddedValkey) -> None:
    node = nodes.start(PRIKBORD_OPEN_BOARD_CREATION="0")
    rc, _out, _err = await user_cli("add", "ann", "--redis-url", valkey.url, stdin="ann password\n")
    assert rc == 0
    create = ("board", "create", "--server", node.http, "--title", "From the shell")
    rc, _out, err = await client_cli(*create)
    assert rc == 1 and "401" in err and "log in" in err
    rc, _out, err = await client_cli(*create, "--user", "ann", stdin="wrong password\n")
    assert rc == 1 and "wrong username or password" in err
    rc, out, err = await client_cli(*create, "--user", "ann", "--json", stdin="ann password\n")
    assert rc == 0, err
    answer = json.loads(out)
    async with httpx.AsyncClient(base_url=node.http) as http:
        res = await http.post("/api/login", json={"username": "ann", "password": "ann password"})
        assert res.status_code == 200
        boards = (await http.get("/api/my/boards")).json()["boards"]
    assert [(b["board"], b["title"]) for b in boards] == [(answer["board"], "From the shell")]
    # The command logged out again: only the session of this test is left.
    assert redis.Redis.from_url(valkey.url).zcard("prikbord:{acct}:u:ann:sessions") == 1
