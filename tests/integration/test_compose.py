"""The compose deployments are valid and say what the README says they do.

``docker-compose config`` (Debian's ``docker-compose`` package; no engine
runs here) checks each file and prints it resolved; the tests then read that
and deploy/nginx.conf: Valkey with AOF on a named volume, two server nodes
behind an nginx that passes WebSockets to exactly those nodes, health checks
everywhere, and for the cluster file three masters with a replica each, a
cluster URL the engine accepts, and WAIT on. On CI a missing
``docker-compose`` fails the test (``.ci/run`` installs it); elsewhere it
skips.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from server.engine.client import parse_cluster_url

ROOT = Path(__file__).resolve().parents[2]
NGINX = ROOT / "deploy" / "nginx.conf"
SINGLE = "docker-compose.yml"
CLUSTER = "docker-compose.cluster.yml"


def _compose() -> str:
    found = shutil.which("docker-compose")
    if found is None:  # never a skip: a skipped check proves nothing
        pytest.fail("docker-compose is missing (apt-get install docker-compose; .ci/run does)")
    return found


def _run(file: str, *args: str, secret: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PRIKBORD_SECRET"}
    if secret:
        env["PRIKBORD_SECRET"] = "test-secret-" + "x" * 32
    return subprocess.run(
        [_compose(), "-f", file, *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def _resolved(file: str) -> dict[str, Any]:
    result = _run(file, "config")
    assert result.returncode == 0, result.stderr
    return cast(dict[str, Any], yaml.safe_load(result.stdout))


def _ip(service: dict[str, Any]) -> str:
    return str(service["networks"]["prikbord"]["ipv4_address"])


def _nodes(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in config["services"].items() if n.startswith("prikbord")}


@pytest.mark.parametrize("file", [SINGLE, CLUSTER])
def test_compose_file_is_valid(file: str) -> None:
    result = _run(file, "config", "-q")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("file", [SINGLE, CLUSTER])
def test_compose_file_refuses_to_start_without_a_secret(file: str) -> None:
    result = _run(file, "config", "-q", secret=False)
    assert result.returncode != 0
    assert "set PRIKBORD_SECRET" in result.stderr


@pytest.mark.parametrize("file", [SINGLE, CLUSTER])
def test_two_nodes_behind_nginx_that_passes_websockets(file: str) -> None:
    config = _resolved(file)
    services = config["services"]
    nodes = _nodes(config)
    assert len(nodes) >= 2
    lb = services["lb"]
    assert lb["image"].startswith("nginx:")
    assert any(str(v).endswith("deploy/nginx.conf:/etc/nginx/nginx.conf:ro") for v in lb["volumes"])
    assert lb["ports"][0]["target"] == 80

    conf = NGINX.read_text()
    upstreams = set(re.findall(r"server (\d+\.\d+\.\d+\.\d+):8000", conf))
    assert upstreams == {_ip(n) for n in nodes.values()}
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "proxy_set_header Connection $connection_upgrade;" in conf
    assert "proxy_http_version 1.1;" in conf
    for node in nodes.values():
        # Forwarding headers are believed from the balancer only.
        assert node["environment"]["PRIKBORD_TRUSTED_PROXIES"] == _ip(lb)
        assert "/readyz" in " ".join(node["healthcheck"]["test"])
    # Everything long-running has a health check; only the one-shot cluster
    # setup job has none (the nodes wait for it to finish successfully).
    for name, service in services.items():
        assert name == "cluster-init" or "healthcheck" in service, name


@pytest.mark.parametrize("file", [SINGLE, CLUSTER])
def test_every_node_shares_one_files_volume(file: str) -> None:
    """Photos and files (issue 13): one named volume at the data directory's
    files/ on every node, so any node serves what another stored; nginx lets
    uploads through to the nodes' own cap, streamed."""
    config = _resolved(file)
    mounts = set()
    for node in _nodes(config).values():
        # "source:target[:mode]" (docker-compose v1) or the long form (v2)
        parsed = [
            (v["source"], v["target"]) if isinstance(v, dict) else tuple(v.split(":")[:2])
            for v in node["volumes"]
        ]
        (source,) = [src for src, target in parsed if target == "/data/files"]
        assert source in config["volumes"]
        mounts.add(source)
    assert len(mounts) == 1
    conf = NGINX.read_text()
    assert "location ~ ^/api/boards/[^/]+/files$" in conf
    assert "client_max_body_size 26m;" in conf and "proxy_request_buffering off;" in conf


def test_single_valkey_keeps_an_aof_on_a_named_volume() -> None:
    config = _resolved(SINGLE)
    valkey = config["services"]["valkey"]
    command = valkey["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--appendfsync") + 1] in ("everysec", "always")
    source = valkey["volumes"][0].split(":")[0]
    assert source in config["volumes"]
    for node in _nodes(config).values():
        assert node["environment"]["PRIKBORD_REDIS_URL"] == "redis://valkey:6379/0"
        assert node["depends_on"]["valkey"]["condition"] == "service_healthy"


def test_cluster_file_is_three_masters_with_replicas_and_waits() -> None:
    config = _resolved(CLUSTER)
    services = config["services"]
    valkeys = {n: s for n, s in services.items() if n.startswith("valkey-")}
    assert len(valkeys) == 6
    for service in valkeys.values():
        command = service["command"]
        assert command[command.index("--cluster-enabled") + 1] == "yes"
        assert command[command.index("--appendonly") + 1] == "yes"
        assert command[command.index("--cluster-require-full-coverage") + 1] == "no"
        assert service["volumes"][0].split(":")[0] in config["volumes"]
    init = " ".join(services["cluster-init"]["command"])
    assert "--cluster-replicas 1" in init
    assert {f"{_ip(s)}:6379" for s in valkeys.values()} <= set(init.split())
    for node in _nodes(config).values():
        env = node["environment"]
        target = parse_cluster_url(env["PRIKBORD_REDIS_URL"])
        assert target is not None
        assert {h for h, _p in target.seeds} <= {_ip(s) for s in valkeys.values()}
        assert int(env["PRIKBORD_WAIT_REPLICAS"]) == 1
        assert node["depends_on"]["cluster-init"]["condition"] == ("service_completed_successfully")
