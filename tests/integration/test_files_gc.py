"""Garbage collection and backup/restore of files (issue 13), with real
server processes, real Valkeys and the real CLI.

GC: a file no live card references — its card deleted, the attachment
removed, or uploaded and never attached past the grace — leaves the board,
and its bytes go once no board holds them (blobs are shared by content).
Backup/restore: the photos come back with their boards and serve again."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support import media
from tests.support.cluster import Nodes
from tests.support.servers import ROOT, ServerProcess, token_of
from tests.support.valkey import start_valkey
from tests.support.wire import Wire, card

#: Collect at once: no grace for unattached uploads, no confirmation wait.
FAST_GC = {
    "PRIKBORD_FILES_UNATTACHED_GRACE_S": "0",
    "PRIKBORD_FILES_GC_CONFIRM_S": "0",
    "PRIKBORD_FILES_GC_INTERVAL_S": "0",  # only the CLI collects here
}


def _cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "prikbord.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    return proc.returncode, proc.stdout, proc.stderr


def _upload(node: ServerProcess, board: str, token: str, name: str, data: bytes) -> dict[str, str]:
    r = httpx.post(
        f"{node.http}/api/boards/{board}/files",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": (name, data, "application/octet-stream")},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    body: dict[str, str] = r.json()
    return body


def _get(url: str, token: str) -> httpx.Response:
    return httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def _blobs(node: ServerProcess) -> set[str]:
    root = node.data_dir / "files"
    return (
        {p.parent.name + p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()
    )


async def test_gc_drops_unreferenced_files_and_keeps_shared_bytes(nodes: Nodes) -> None:
    node = nodes.start(**FAST_GC)
    one, two = node.create_board("One"), node.create_board("Two")
    t1, t2 = token_of(one["links"]["facilitator"]), token_of(two["links"]["facilitator"])
    b1, b2 = one["board"], two["board"]
    shared = _upload(node, b1, t1, "shared.png", media.png())
    _upload(node, b2, t2, "shared-too.png", media.png())  # the same bytes on board two
    deleted = _upload(node, b1, t1, "deleted.jpg", media.photo(gps=False))
    removed = _upload(node, b1, t1, "removed.pdf", media.pdf())
    never = _upload(node, b1, t1, "never.txt", b"never attached\n")
    kept = _upload(node, b1, t1, "kept.gif", media.gif())
    w1 = await Wire.join(node.ws, b1, t1, "Fien")
    w2 = await Wire.join(node.ws, b2, t2, "Fien")
    assert (await w1.op("1", card("c1", "a", files=[shared, removed, kept])))["t"] == "ack"
    assert (await w1.op("2", card("c2", "b", files=[deleted])))["t"] == "ack"
    assert (await w2.op("3", card("c3", "c", files=[shared])))["t"] == "ack"
    assert (await w1.op("4", {"type": "card.delete", "id": "c2"}))["t"] == "ack"
    assert (await w1.op("5", {"type": "card.set", "id": "c1", "files": [shared, kept]}))[
        "t"
    ] == "ack"
    # Board two's card goes too: its copy of the shared file must not take
    # board one's bytes with it.
    assert (await w2.op("6", {"type": "card.delete", "id": "c3"}))["t"] == "ack"
    before = _blobs(node)
    gone = {deleted["id"], removed["id"], never["id"]}
    assert gone <= before

    env = {"PRIKBORD_FILES_UNATTACHED_GRACE_S": "0", "PRIKBORD_FILES_GC_CONFIRM_S": "0"}
    args = ("admin", "gc", "--redis-url", nodes.valkey.url, "--data", str(node.data_dir))
    rc, _out, err = _cli(*args, env=env)  # marks
    assert rc == 0, err
    assert _blobs(node) == before  # nothing dropped on the first pass
    rc, _out, err = _cli(*args, env=env)  # confirms and drops
    assert rc == 0, err
    after = _blobs(node)
    for f in gone:
        assert f not in after and f"{f}.thumb" not in after
    assert shared["id"] in after and kept["id"] in after  # still on c1
    path = f"/api/boards/{b1}/files/"
    assert _get(node.http + path + deleted["id"], t1).status_code == 404
    ok = _get(node.http + path + kept["id"], t1)
    assert ok.status_code == 200
    # An op naming a collected file is refused now: it is not on the board any more.
    refused = await w1.op("7", card("c4", "again", files=[never]))
    assert refused["t"] == "error"
    await w1.close()
    await w2.close()


async def test_a_nodes_timer_collects_the_boards_it_holds(nodes: Nodes) -> None:
    node = nodes.start(**{**FAST_GC, "PRIKBORD_FILES_GC_INTERVAL_S": "1"})
    made = node.create_board("Timer")
    bid, tok = made["board"], token_of(made["links"]["facilitator"])
    w = await Wire.join(node.ws, bid, tok, "Fien")  # the node holds the board
    att = _upload(node, bid, tok, "n.txt", b"never attached\n")
    deadline = time.monotonic() + 20
    while att["id"] in _blobs(node):
        assert time.monotonic() < deadline, "the node's collector did not drop the file"
        await asyncio.sleep(0.3)
    await w.close()


async def test_backup_and_restore_bring_the_files_back(nodes: Nodes, tmp_path: Path) -> None:
    a = nodes.start()
    made = a.create_board("Backed up")
    bid, links = made["board"], made["links"]
    fac = token_of(links["facilitator"])
    photo = _upload(a, bid, fac, "wall.jpg", media.photo())
    pdf = _upload(a, bid, fac, "plan.pdf", media.pdf())
    w = await Wire.join(a.ws, bid, fac, "Fien")
    assert (await w.op("1", card("c1", "wall", files=[photo, pdf])))["t"] == "ack"
    await w.close()
    original = _get(f"{a.http}/api/boards/{bid}/files/{photo['id']}", fac).content

    backup = tmp_path / "board.backup"
    rc, out, err = _cli(
        "admin", "backup", str(backup), "--redis-url", nodes.valkey.url, "--data", str(a.data_dir)
    )
    assert rc == 0, err

    other = start_valkey(tmp_path / "other")
    try:
        data = tmp_path / "restored"
        rc, out, err = _cli(
            "admin", "restore", str(backup), "--redis-url", other.url, "--data", str(data)
        )
        assert rc == 0, err
        assert "restored 2 stored files" in out
        b = ServerProcess(other.url, data, env=dict(a.extra_env)).start()
        try:
            for thumb in ("", "/thumb"):
                viewer = token_of(links["viewer"])
                r = _get(f"{b.http}/api/boards/{bid}/files/{photo['id']}{thumb}", viewer)
                assert r.status_code == 200, r.text
            got = _get(f"{b.http}/api/boards/{bid}/files/{photo['id']}", fac).content
            assert got == original and hashlib.sha256(got).hexdigest() == photo["id"]
            pdf_back = _get(f"{b.http}/api/boards/{bid}/files/{pdf['id']}/thumb", fac)
            assert pdf_back.status_code == 200
            # The restored board still knows its files: an op may reference them.
            w = await Wire.join(b.ws, bid, fac, "Fien")
            assert (await w.op("2", card("c2", "again", files=[photo])))["t"] == "ack"
            await w.close()
        finally:
            b.stop()
    finally:
        other.stop()


async def test_two_collecting_nodes_never_take_an_attached_file(nodes: Nodes) -> None:
    """Both nodes collect the same board every second while files are
    uploaded, attached, and cards deleted: every attached file keeps
    serving; the deleted cards' files go."""
    env = {
        "PRIKBORD_FILES_UNATTACHED_GRACE_S": "2",
        "PRIKBORD_FILES_GC_CONFIRM_S": "1",
        "PRIKBORD_FILES_GC_INTERVAL_S": "1",
    }
    a, b = nodes.start(**env), nodes.start(**env)
    made = a.create_board("Busy")
    bid, tok = made["board"], token_of(made["links"]["facilitator"])
    wa = await Wire.join(a.ws, bid, tok, "A")  # both nodes hold the board
    wb = await Wire.join(b.ws, bid, tok, "B")
    kept: list[str] = []
    dropped: list[str] = []
    for i in range(12):
        att = await asyncio.to_thread(
            _upload, a if i % 2 else b, bid, tok, f"{i}.txt", f"{i}\n".encode()
        )
        w = wa if i % 2 else wb
        assert (await w.op(f"o{i}", card(f"c{i}", str(i), files=[att])))["t"] == "ack"
        if i % 3 == 0:
            assert (await w.op(f"d{i}", {"type": "card.delete", "id": f"c{i}"}))["t"] == "ack"
            dropped.append(att["id"])
        else:
            kept.append(att["id"])
        await asyncio.sleep(0.4)
    deadline = time.monotonic() + 20
    while any(f in _blobs(a) for f in dropped):
        assert time.monotonic() < deadline, "deleted cards' files were not collected"
        await asyncio.sleep(0.3)
    for f in kept:
        for node in (a, b):
            r = await asyncio.to_thread(_get, f"{node.http}/api/boards/{bid}/files/{f}", tok)
            assert r.status_code == 200, f
    await wa.close()
    await wb.close()
