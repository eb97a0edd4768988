"""Uploads no card shows yet, on a real server process and a real Valkey:
a participant link could fill a board's file quota with them for the
grace period. Per device (actor) and per client IP their bytes on a board
are capped (429 with a clear message; attaching frees the room), and a
facilitator link frees a board's unattached uploads at once
(``DELETE /api/boards/<board>/files/unattached``)."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import redis

from tests.support.cluster import Nodes
from tests.support.servers import ROOT, ServerProcess, device_identity, token_of
from tests.support.wire import Wire, card


def _post(
    node: ServerProcess, board: str, token: str, identity: str | None, data: bytes
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if identity:
        headers["X-Prikbord-Identity"] = identity
    return httpx.post(
        f"{node.http}/api/boards/{board}/files", headers=headers,
        files={"file": ("note.txt", data, "application/octet-stream")}, timeout=30,
    )  # fmt: skip


def _call(method: str, url: str, token: str) -> httpx.Response:
    return httpx.request(method, url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


async def test_unattached_uploads_are_capped_per_device_and_network_and_purged(
    nodes: Nodes,
) -> None:
    node = nodes.start(
        PRIKBORD_FILES_UNATTACHED_PER_ACTOR_BYTES="1500",
        PRIKBORD_FILES_UNATTACHED_PER_IP_BYTES="4500",
    )
    made = node.create_board("Vol")
    bid, links = made["board"], made["links"]
    part, fac = token_of(links["participant"]), token_of(links["facilitator"])
    a, b, c = device_identity("dev-a"), device_identity("dev-b"), device_identity("dev-c")
    n = iter(range(100))

    def up(token: str, identity: str | None) -> httpx.Response:
        return _post(
            node, bid, token, identity, bytes([97 + next(n) % 26]) * 1000 + b"%d" % next(n)
        )

    # A device: one pending file and a second pass; the third is past its cap.
    first = up(part, a)
    assert first.status_code == 201, first.text
    assert up(part, a).status_code == 201
    refused = up(part, a)
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
    assert "your device" in refused.json()["message"] and "card" in refused.json()["message"]
    # Attaching its file makes room again.
    w = await Wire.join(node.ws, bid, part, "Anna", identity=a)
    assert (await w.op("c", {"type": "card.add", **card("c1", "Notitie", files=[first.json()])}))[
        "t"
    ] == "ack"
    await w.close()
    assert up(part, a).status_code == 201
    # Other devices on the same network: each its own cap, then the network's.
    assert up(part, b).status_code == 201
    assert up(part, b).status_code == 201
    assert "your device" in up(part, b).json()["message"]
    assert up(part, c).status_code == 201
    net = up(part, c)
    assert net.status_code == 429 and "your network" in net.json()["message"], net.text
    # A facilitator's link is not capped; a participant's frees nothing.
    assert up(fac, None).status_code == 201
    purge = f"{node.http}/api/boards/{bid}/files/unattached"
    denied = _call("DELETE", purge, part)
    assert denied.status_code == 403
    freed = _call("DELETE", purge, fac)
    assert freed.status_code == 200, freed.text
    got = freed.json()
    assert got["files"] == 6 and 6000 <= got["bytes"] < 6100, got
    # Only the attached file is left; it still serves, and uploads go on.
    again = _call("DELETE", purge, fac)
    assert again.json() == {"files": 0, "bytes": 0}
    served = _call("GET", f"{node.http}/api/boards/{bid}/files/{first.json()['id']}", fac)
    assert served.status_code == 200
    assert up(part, c).status_code == 201


def test_an_operator_purges_a_boards_unattached_uploads_on_the_command_line(
    nodes: Nodes,
) -> None:
    """``prikbord admin files purge-unattached BOARD``: the same, with no link."""
    node = nodes.start()
    made = node.create_board("Vol")
    bid, part = made["board"], token_of(made["links"]["participant"])
    up = _post(node, bid, part, device_identity(), b"never attached\n" * 70)
    assert up.status_code == 201, up.text

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "prikbord.cli", "admin", "files", "purge-unattached", *args,
             "--redis-url", nodes.valkey.url, "--data", str(node.data_dir)],
            cwd=ROOT, capture_output=True, text=True, timeout=120, env=dict(os.environ),
        )  # fmt: skip

    done = cli(bid)
    assert done.returncode == 0, done.stderr
    assert f"board {bid}: dropped 1 unattached files (1050 bytes)" in done.stdout
    r = redis.Redis.from_url(nodes.valkey.url)
    assert not r.exists(f"{{b:{bid}}}:files") and not r.exists(f"{{b:{bid}}}:fip")
    r.close()
    missing = cli("nosuchboard")
    assert missing.returncode == 4 and "no board nosuchboard" in missing.stderr
