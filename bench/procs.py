"""Server processes under test, and their CPU and memory from ``/proc``.

Every system runs as two node processes on one shared Valkey, started and
stopped by the bench itself. CPU is utime+stime of the server processes and
their descendants only (so the load generator's cost is excluded); RSS is
VmRSS from ``/proc/<pid>/status``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLK_TCK = os.sysconf("SC_CLK_TCK")

#: Systems the fan-out scenario compares; "prikbord" is the product.
SYSTEMS = ("prikbord", "raw-starlette", "raw-websockets", "python-socketio", "node-socketio")
#: Prikbord with one setting changed, as a system of its own (same clients,
#: same board): ``prikbord-asgi`` sends every frame through the ASGI send,
#: the path before server/framewriter.py, to compare in the same run.
VARIANTS = {"prikbord-asgi": ("prikbord", {"PRIKBORD_DIRECT_FRAMES": "0"})}


def base_system(system: str) -> str:
    """The system whose clients and node a (variant) system uses."""
    return VARIANTS[system][0] if system in VARIANTS else system


#: Peers that speak Socket.IO (Engine.IO 4 over a WebSocket) to the clients.
SOCKETIO_SYSTEMS = ("python-socketio", "node-socketio")

_PEER_MODULES = {
    "raw-starlette": "bench.peers.raw_starlette",
    "raw-websockets": "bench.peers.raw_websockets",
    "python-socketio": "bench.peers.socketio_server",
}

#: Lifts the per-connection op rate limit: the publisher is one connection
#: sending 100 ops/s, far above what a person sends (SPEC §4).
PRIKBORD_ENV = {
    "PRIKBORD_OPS_PER_SECOND": "1000000",
    "PRIKBORD_OPS_BURST": "1000000",
    "PRIKBORD_LOG_LEVEL": "warning",
    # The per-actor/IP op buckets stay on (their cost is part of every op,
    # BENCHMARKS.md) but far above what the bench sends from one address;
    # the connection caps are lifted: every bench client is 127.0.0.1.
    "PRIKBORD_ACTOR_OPS_PER_SECOND": "1000000",
    "PRIKBORD_ACTOR_OPS_BURST": "1000000",
    "PRIKBORD_IP_OPS_PER_SECOND": "1000000",
    "PRIKBORD_IP_OPS_BURST": "1000000",
    "PRIKBORD_MAX_WS_PER_IP": "1000000",
    "PRIKBORD_MAX_WS_PER_BOARD": "1000000",
    "PRIKBORD_MAX_HTTP_PER_IP": "1000000",
    # An external Redis needs a secret from the environment (server/secret.py);
    # every node of a run shares this one.
    "PRIKBORD_SECRET": "bench-secret-shared-by-every-node",
    # Benchmarks create boards anonymously, many at a time.
    "PRIKBORD_OPEN_BOARD_CREATION": "1",
    "PRIKBORD_CREATE_BOARDS_PER_IP": "1000000",
}


#: The Node peer: socket.io 4 + @socket.io/redis-adapter, pinned by its own
#: package-lock.json, installed next to it (never into the web app).
NODE_PEER = ROOT / "bench" / "node"


def ensure_node_peer() -> None:
    """The bench's setup step for ``node-socketio``: ``npm ci`` in
    ``bench/node`` when its packages are missing or older than the lock."""
    installed = NODE_PEER / "node_modules" / ".package-lock.json"
    lock = NODE_PEER / "package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_PEER, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def fsync_rate(directory: Path, seconds: float = 2.0) -> float:
    """Sequential fsyncs per second of small appends to a file in
    ``directory``: the ceiling of ``appendfsync always`` for writes that
    each wait for their own fsync (Valkey fsyncs once per event-loop turn,
    so concurrent writes share one: group commit)."""
    path = directory / "fsync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        n, end = 0, time.monotonic() + seconds
        while time.monotonic() < end:
            os.write(fd, b"x" * 100)
            os.fsync(fd)
            n += 1
    finally:
        os.close(fd)
        path.unlink()
    return n / seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_children(p))
    return out


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of ``pids`` (each with its descendants), in seconds."""
    total = 0
    for root in pids:
        for p in tree(root):
            try:
                with open(f"/proc/{p}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for root in pids:
        for p in tree(root):
            try:
                with open(f"/proc/{p}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1]) * 1024
                            break
            except OSError:
                continue
    return total


@dataclass
class Node:
    """One server process of ``system`` on ``port``."""

    system: str
    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_node(
    system: str, redis_url: str, workdir: Path, env: dict[str, str] | None = None,
    port: int | None = None,
) -> Node:  # fmt: skip
    port = port or free_port()
    if system in VARIANTS:
        system, extra = VARIANTS[system]
        env = {**extra, **(env or {})}
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{system}-{port}.log"
    full_env = {**os.environ, **(env or {})}
    if system == "prikbord":
        full_env.update({k: v for k, v in PRIKBORD_ENV.items() if k not in (env or {})})
        args = [sys.executable, "-m", "prikbord.cli", "serve", "--port", str(port),
                "--redis-url", redis_url, "--data", str(workdir / "data")]  # fmt: skip
    elif system == "node-socketio":
        ensure_node_peer()
        args = ["node", str(NODE_PEER / "server.js"), "--port", str(port), "--redis-url", redis_url]
    else:
        args = [sys.executable, "-m", _PEER_MODULES[system], "--port", str(port),
                "--redis-url", redis_url]  # fmt: skip
    with log_path.open("ab") as log:
        proc = subprocess.Popen(args, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    node = Node(system, port, proc, log_path)
    _wait_listening(node)
    return node


def _wait_listening(node: Node, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if node.proc.poll() is not None:
            raise RuntimeError(f"{node.system} exited:\n{node.log_tail()}")
        if node.system == "prikbord":
            try:
                with urllib.request.urlopen(node.http + "/readyz", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
        else:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", node.port)) == 0:
                    time.sleep(0.2)  # let the app's lifespan (redis listener) start
                    return
        time.sleep(0.05)
    node.stop(signal.SIGKILL)
    raise TimeoutError(f"{node.system} not ready in {timeout}s:\n{node.log_tail()}")


def create_board(node: Node, title: str = "Bench board") -> dict[str, Any]:
    """``POST /api/boards`` → {board, links: {facilitator, participant, viewer}}."""
    req = urllib.request.Request(
        node.http + "/api/boards", data=json.dumps({"title": title}).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(req, timeout=30) as resp:
        body: dict[str, Any] = json.load(resp)
        return body


def token_of(link: str) -> str:
    for part in link.split("#", 1)[1].split("&"):
        if part.startswith("t="):
            return part[2:]
    raise ValueError(link)
