"""Real ``prikbord serve`` processes for integration tests.

Each :class:`ServerProcess` is a separate OS process running the real CLI
against a shared (real) Valkey, so "node A" and "node B" are as separate as
in production: they only meet in Redis.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

from tests.support.valkey import free_port

ROOT = Path(__file__).resolve().parents[2]
#: The signing secret of test nodes on a shared test Valkey: a server with an
#: external Redis takes its secret from the environment (server/secret.py),
#: and all nodes of one test must sign alike. Tests mint tokens with it.
TEST_SECRET = "prikbord-test-secret-of-every-node"


def device_identity(actor: str | None = None) -> str:
    """A device's signed identity (``welcome.identity``) as test nodes with
    :data:`TEST_SECRET` sign it: what a participant link's upload carries
    (server/files/routes.py) without joining over a WebSocket first."""
    import secrets

    from server.tokens import Signer

    return Signer(TEST_SECRET).identity(actor or "t" + secrets.token_hex(5))


#: Tests all over the suite create boards anonymously and fast: their
#: servers open creation and lift its per-IP limit. The default (closed,
#: limited) is tested on its own (tests/integration/test_accounts.py), by
#: overriding these in ``env``.
OPEN_CREATION = {
    "PRIKBORD_OPEN_BOARD_CREATION": "1",
    "PRIKBORD_CREATE_BOARDS_PER_IP": "1000000",
}
#: ``/metrics`` is off without a token (server/routes/health.py); test
#: servers get this one, and :meth:`ServerProcess.metrics` sends it.
METRICS_TOKEN = "test-metrics-token"


class ServerProcess:
    def __init__(
        self,
        redis_url: str,
        data_dir: Path,
        *,
        env: dict[str, str] | None = None,
        workers: int = 1,
    ) -> None:
        self.workers = workers
        self.redis_url = redis_url
        self.data_dir = data_dir
        self.port = free_port()
        self.extra_env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / f"server-{self.port}.log"
        #: Run in the child before the server starts (e.g. a lower RLIMIT_NOFILE).
        self.preexec_fn: Callable[[], None] | None = None

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self, timeout: float = 20.0) -> Self:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "PRIKBORD_LOG_LEVEL": "warning",
            "PRIKBORD_METRICS_TOKEN": METRICS_TOKEN,
            **OPEN_CREATION,
            **self.extra_env,
        }
        if self.redis_url and not ({"PRIKBORD_SECRET", "PRIKBORD_SECRET_FILE"} & env.keys()):
            env["PRIKBORD_SECRET"] = TEST_SECRET
        args = [sys.executable, "-m", "prikbord.cli", "serve", "--port", str(self.port)]
        args += ["--data", str(self.data_dir), "--workers", str(self.workers)]
        if self.redis_url:
            args += ["--redis-url", self.redis_url]
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=self.preexec_fn,
        )  # fmt: skip
        log.close()
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.http + "/readyz", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        raise TimeoutError(f"server not ready in {timeout}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, no close frames — a crashed node."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM: graceful shutdown (clients are told to reconnect)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> Self:
        self.stop()
        return self.start()

    def create_board(self, title: str = "Test board", layout: str = "wall") -> dict[str, Any]:
        req = urllib.request.Request(
            self.http + "/api/boards",
            data=json.dumps({"title": title, "layout": layout}).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            body: dict[str, Any] = json.load(resp)
            return body

    def get_ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.http + "/readyz", timeout=2) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def get_json(self, path: str, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        req = urllib.request.Request(self.http + path, headers=headers)
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.load(resp)

    def metrics(self) -> str:
        """The ``/metrics`` text (with the test metrics token)."""
        req = urllib.request.Request(
            self.http + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
        with urllib.request.urlopen(req, timeout=5) as resp:
            return str(resp.read().decode())

    def metric(self, name: str) -> float:
        """One sample of ``/metrics`` by its full name (labels included);
        0 when absent (a counter nothing has counted yet)."""
        for line in self.metrics().splitlines():
            if line.startswith(name + " "):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    def snapshot(self, board: str, token: str) -> dict[str, Any]:
        """The board as JSON from the REST API (token in the header, never
        in the URL, so it stays out of access logs)."""
        body: dict[str, Any] = self.get_json(f"/api/boards/{board}", token)
        return body


def token_of(link: str) -> str:
    """The token in a board link's fragment (``#t=...[&join=...]``)."""
    fragment = link.split("#", 1)[1]
    for part in fragment.split("&"):
        if part.startswith("t="):
            return part[2:]
    raise ValueError(f"no token in {link}")
