"""The link-signing secret (server/secret.py): a private file for the
embedded server, the environment for an external Redis, never in Redis."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import redis

from server.embedded import EmbeddedValkey
from server.tokens import Grant, Signer
from tests.support.servers import ROOT, ServerProcess, token_of
from tests.support.valkey import free_port, start_valkey
from tests.support.wire import Wire


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _nothing_holds(client: redis.Redis, aof_dir: Path | None, secret: str) -> None:
    """No key, no value and no AOF file holds ``secret``."""
    needle = secret.encode()
    keys = list(client.scan_iter(count=1000))
    assert keys, "the board should be in Redis"
    assert b"prikbord:secret" not in keys
    for key in keys:
        kind = client.type(key)
        if kind == b"string":
            assert needle not in (client.get(key) or b""), key
        elif kind == b"hash":
            for value in client.hgetall(key).values():
                assert needle not in value, key
    if aof_dir is not None:
        for f in aof_dir.iterdir():
            assert needle not in f.read_bytes(), f


def _wait_aof_rewritten(client: redis.Redis) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        info = client.info("persistence")
        if not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
            return
        time.sleep(0.05)
    raise TimeoutError("AOF rewrite did not finish")


async def test_embedded_secret_is_a_private_file_shared_by_workers_never_in_redis(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o755)  # as older versions left it: readable by everyone
    server = ServerProcess("", data, workers=2).start()
    try:
        secret_file = data / "secret"
        assert _mode(secret_file) == 0o600
        assert _mode(data) == 0o700
        assert _mode(data / "appendonlydir") == 0o700
        for f in (data / "appendonlydir").iterdir():
            assert _mode(f) == 0o600, f
        secret = secret_file.read_text().strip()
        assert len(secret) >= 32
        board = server.create_board("Secret")
        bid, token = board["board"], token_of(board["links"]["participant"])
        assert Signer(secret).read_link(token) == Grant(bid, "participant", 0)
        # Every worker signs with the same secret: every join works, whichever
        # worker takes it (a worker with another secret would refuse: 4102).
        for i in range(8):
            wire = await Wire.join(server.ws, bid, token, f"p{i}")
            await wire.close()
        client = redis.Redis.from_url(f"unix://{data}/valkey.sock")
        _nothing_holds(client, data / "appendonlydir", secret)
        client.close()
        # A restart keeps the secret, so the links keep working.
        server.stop()
        server.start()
        assert (data / "secret").read_text().strip() == secret
        wire = await Wire.join(server.ws, bid, token)
        await wire.close()
    finally:
        server.stop()


async def test_an_older_versions_secret_in_redis_is_moved_out_and_keeps_its_links(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    legacy = "legacy-secret-an-older-version-kept-in-redis"
    old = EmbeddedValkey(data)
    old.start()
    try:
        redis.Redis.from_url(old.url).set("prikbord:secret", legacy)
    finally:
        old.stop()
    server = ServerProcess("", data).start()
    try:
        assert (data / "secret").read_text().strip() == legacy
        assert _mode(data / "secret") == 0o600
        board = server.create_board("Adopted")
        token = token_of(board["links"]["facilitator"])
        assert Signer(legacy).read_link(token) == Grant(board["board"], "facilitator", 0)
        client = redis.Redis.from_url(f"unix://{data}/valkey.sock")
        _wait_aof_rewritten(client)
        _nothing_holds(client, data / "appendonlydir", legacy)
        client.close()
    finally:
        server.stop()


def _serve(redis_url: str, data: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "prikbord.cli", "serve", "--port", str(free_port())]
    args += ["--redis-url", redis_url, "--data", str(data)]
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_an_external_redis_without_a_secret_refuses_to_start(tmp_path: Path) -> None:
    valkey = start_valkey(tmp_path / "valkey")
    try:
        base = {k: v for k, v in os.environ.items() if not k.startswith("PRIKBORD_SECRET")}
        for extra, says in [
            ({}, "PRIKBORD_SECRET"),
            ({"PRIKBORD_SECRET": "short"}, "too short"),
            ({"PRIKBORD_SECRET_FILE": str(tmp_path / "missing")}, "cannot read the secret file"),
        ]:
            done = _serve(valkey.url, tmp_path / "data", {**base, **extra})
            assert done.returncode == 78, (extra, done.stderr)
            assert says in done.stderr and "Traceback" not in done.stderr, done.stderr
            assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        # Nothing was written to Redis meanwhile.
        assert list(redis.Redis.from_url(valkey.url).scan_iter()) == []
    finally:
        valkey.stop()


async def test_an_external_redis_takes_the_secret_from_a_file(tmp_path: Path) -> None:
    valkey = start_valkey(tmp_path / "valkey")
    secret = "a-secret-from-a-file-0123456789"
    secret_file = tmp_path / "prikbord-secret"
    secret_file.write_text(secret + "\n")
    env = {"PRIKBORD_SECRET_FILE": str(secret_file)}
    a = ServerProcess(valkey.url, tmp_path / "a", env=env).start()
    b = ServerProcess(valkey.url, tmp_path / "b", env=env).start()
    try:
        board = a.create_board("From a file")
        token = token_of(board["links"]["participant"])
        assert Signer(secret).read_link(token) == Grant(board["board"], "participant", 0)
        wire = await Wire.join(b.ws, board["board"], token)  # node b signs alike
        await wire.close()
        _nothing_holds(redis.Redis.from_url(valkey.url), None, secret)
    finally:
        a.kill()
        b.kill()
        valkey.stop()
