"""A backup that would lack the photos on the cards fails loudly: ``prikbord
admin backup`` run without the servers' ``--data`` (or S3 settings) found
none of the stored files and wrote a file that looked whole ("0 stored
files"), exit 0. Now it names how many files are missing and how to point
at the store, writes nothing, and exits non-zero, unless ``--no-files``
asks for a backup without them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.support import media
from tests.support.cluster import Nodes
from tests.support.servers import ServerProcess, token_of
from tests.support.wire import Wire, card


def _cli(cwd: Path, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRIKBORD_")}
    proc = subprocess.run(
        [sys.executable, "-m", "prikbord.cli", *args],
        cwd=cwd,  # the default --data is ./data: none here
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    return proc.returncode, proc.stdout, proc.stderr


def _upload(node: ServerProcess, board: str, token: str, name: str, data: bytes) -> Any:
    r = httpx.post(
        f"{node.http}/api/boards/{board}/files",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": (name, data, "application/octet-stream")},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_backup_without_the_file_store_fails_unless_no_files(
    nodes: Nodes, tmp_path: Path
) -> None:
    a = nodes.start()
    made = a.create_board("Photos")
    bid, fac = made["board"], token_of(made["links"]["facilitator"])
    photo = _upload(a, bid, fac, "wall.jpg", media.photo())
    w = await Wire.join(a.ws, bid, fac, "Fien")
    assert (await w.op("1", card("c1", "wall", files=[photo])))["t"] == "ack"
    await w.close()
    url = nodes.valkey.url

    backup = tmp_path / "board.backup"
    rc, out, err = _cli(tmp_path, "admin", "backup", str(backup), "--redis-url", url)
    assert rc != 0, out
    assert "1 of 1 stored files" in err and "--data" in err and "--no-files" in err, err
    assert "PRIKBORD_FILES_STORE" in err, err
    assert not backup.exists() and not backup.with_name(backup.name + ".partial").exists()

    rc, out, err = _cli(tmp_path, "admin", "backup", str(backup), "--redis-url", url, "--no-files")
    assert rc == 0, err
    assert "wrote 1 boards" in out and "without the stored files (--no-files)" in out, out

    args = ("--redis-url", url, "--data", str(a.data_dir))
    rc, out, err = _cli(tmp_path, "admin", "backup", str(backup), *args)
    assert rc == 0, err
    assert "1 stored files" in out, out
