"""Fixtures for tests that run real server processes on a real Valkey:
``valkey`` (a private embedded Valkey) and ``nodes`` (start server processes
on it; all are killed at teardown). Used by the integration and chaos tiers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.embedded import EmbeddedValkey
from tests.support.servers import ServerProcess
from tests.support.valkey import start_valkey


@pytest.fixture
def valkey(tmp_path: Path) -> Iterator[EmbeddedValkey]:
    v = start_valkey(tmp_path / "valkey")
    try:
        yield v
    finally:
        v.stop()


#: Rate limits and connection caps lifted: tests send ops far faster than
#: people and open many sockets from one address (tests/integration/
#: test_limits.py sets the limits it tests).
UNLIMITED = {
    "PRIKBORD_OPS_PER_SECOND": "100000",
    "PRIKBORD_OPS_BURST": "100000",
    "PRIKBORD_ACTOR_OPS_PER_SECOND": "100000",
    "PRIKBORD_ACTOR_OPS_BURST": "100000",
    "PRIKBORD_IP_OPS_PER_SECOND": "100000",
    "PRIKBORD_IP_OPS_BURST": "100000",
    "PRIKBORD_MAX_WS_PER_IP": "100000",
    "PRIKBORD_MAX_WS_PER_BOARD": "100000",
}


class Nodes:
    """Start server processes on one Valkey; all are stopped at teardown."""

    def __init__(self, valkey: EmbeddedValkey, tmp_path: Path) -> None:
        self.valkey = valkey
        self.tmp_path = tmp_path
        self.started: list[ServerProcess] = []

    def start(self, **env: str) -> ServerProcess:
        """A node; the op rate limit is lifted unless ``env`` sets it, since
        tests send ops far faster than people do."""
        env = {**UNLIMITED, **env}
        node = ServerProcess(self.valkey.url, self.tmp_path / "nodes", env=env).start()
        self.started.append(node)
        return node

    def stop_all(self) -> None:
        for node in self.started:
            node.kill()


@pytest.fixture
def nodes(valkey: EmbeddedValkey, tmp_path: Path) -> Iterator[Nodes]:
    n = Nodes(valkey, tmp_path)
    try:
        yield n
    finally:
        n.stop_all()
