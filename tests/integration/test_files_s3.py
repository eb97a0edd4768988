"""Files on an S3-compatible store, end to end: two server processes that
share no data directory's files, only a bucket on a real S3 server process
(tests/support/s3.py), upload on one and serve from the other."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx

from server.files.s3 import S3Store
from tests.support import media
from tests.support.cluster import Nodes
from tests.support.s3 import ACCESS_KEY, REGION, SECRET_KEY, S3Server, s3_fixture
from tests.support.servers import ROOT, ServerProcess, device_identity, token_of
from tests.support.valkey import start_valkey
from tests.support.wire import Wire, card

s3 = s3_fixture(scope="module")

#: The smallest part S3 allows: the text file below goes up in two parts.
PART = 5 * 1024 * 1024


async def _bucket_keys(server: S3Server, bucket: str, prefix: str) -> list[str]:
    store = S3Store(
        bucket=bucket, prefix=prefix, endpoint=server.url, region=REGION,
        access_key=ACCESS_KEY, secret_key=SECRET_KEY,
    )  # fmt: skip
    try:
        return sorted([k async for k in store.keys()])
    finally:
        await store.aclose()


async def test_upload_on_one_node_serve_from_another(nodes: Nodes, s3: S3Server) -> None:
    bucket = s3.make_bucket(f"files-{secrets.token_hex(4)}")
    env = {**s3.env(bucket, prefix="hub1/"), "PRIKBORD_FILES_S3_PART_BYTES": str(PART)}
    a, b = nodes.start(**env), nodes.start(**env)
    made = a.create_board("On S3")
    bid, links = made["board"], made["links"]
    auth = {
        "Authorization": f"Bearer {token_of(links['participant'])}",
        "X-Prikbord-Identity": device_identity(),
    }
    async with httpx.AsyncClient(timeout=60) as http:
        photo = await http.post(
            f"{a.http}/api/boards/{bid}/files", headers=auth,
            files={"file": ("IMG_0001.jpg", media.photo(800, 600), "image/jpeg")},
        )  # fmt: skip
        assert photo.status_code == 201, photo.text
        # A large text file: a multipart upload to the store.
        text = ("line of notes from the session\n" * 200_000).encode()
        notes = await http.post(
            f"{a.http}/api/boards/{bid}/files", headers=auth,
            files={"file": ("notes.txt", text, "text/plain")},
        )  # fmt: skip
        assert notes.status_code == 201, notes.text
        pic, doc = photo.json(), notes.json()
        assert doc["id"] == hashlib.sha256(text).hexdigest() and doc["size"] == len(text)

        alice = await Wire.join(a.ws, bid, token_of(links["participant"]), "Alice")
        ack = await alice.op("a1", card("c1", "from the wall", files=[pic, doc]))
        assert ack["t"] == "ack", ack
        await alice.close()

        view = {"Authorization": f"Bearer {token_of(links['viewer'])}"}
        got = await http.get(f"{b.http}/api/boards/{bid}/files/{doc['id']}", headers=view)
        assert got.status_code == 200 and got.content == text
        assert got.headers["x-content-type-options"] == "nosniff"
        image = await http.get(f"{b.http}/api/boards/{bid}/files/{pic['id']}", headers=view)
        assert image.status_code == 200
        assert hashlib.sha256(image.content).hexdigest() == pic["id"]
        thumb = await http.get(f"{b.http}/api/boards/{bid}/files/{pic['id']}/thumb", headers=view)
        assert thumb.status_code == 200 and thumb.content[:4] == b"RIFF"

    # The bytes live in the bucket under the prefix, none in the data directory.
    keys = await _bucket_keys(s3, bucket, "hub1/")
    assert {pic["id"], pic["id"] + ".thumb", doc["id"]} <= set(keys)
    assert not list((nodes.tmp_path / "nodes" / "files").rglob("*"))


async def test_unreachable_bucket_is_a_clear_503(nodes: Nodes, s3: S3Server) -> None:
    node = nodes.start(**s3.env("no-such-bucket"))
    made = node.create_board("Nowhere")
    auth = {
        "Authorization": f"Bearer {token_of(made['links']['participant'])}",
        "X-Prikbord-Identity": device_identity(),
    }
    async with httpx.AsyncClient(timeout=60) as http:
        r = await http.post(
            f"{node.http}/api/boards/{made['board']}/files", headers=auth,
            files={"file": ("a.png", media.png(), "image/png")},
        )  # fmt: skip
    assert r.status_code == 503 and r.json()["error"] == "unavailable"
    # The log said so at start, naming the endpoint and bucket, never the secret.
    async with asyncio.timeout(10):
        while "uploads and file reads fail" not in node.log_tail(200):
            await asyncio.sleep(0.1)
    log = node.log_tail(200)
    assert "bucket 'no-such-bucket'): cannot use the bucket: no such bucket" in log
    assert "uploads and file reads fail" in log
    assert SECRET_KEY not in log
    assert not list((nodes.tmp_path / "nodes" / "uploads").glob("*"))


async def test_backup_and_restore_with_the_object_store(
    nodes: Nodes, s3: S3Server, tmp_path: Path
) -> None:
    """``prikbord admin backup`` reads the files from the bucket, and a
    restore into another Valkey and another bucket serves them again."""
    first = s3.make_bucket(f"before-{secrets.token_hex(4)}")
    a = nodes.start(**s3.env(first))
    made = a.create_board("Backed up on S3")
    bid, links = made["board"], made["links"]
    fac = {"Authorization": f"Bearer {token_of(links['facilitator'])}"}
    async with httpx.AsyncClient(timeout=60) as http:
        r = await http.post(
            f"{a.http}/api/boards/{bid}/files", headers=fac,
            files={"file": ("wall.jpg", media.photo(), "image/jpeg")},
        )  # fmt: skip
        assert r.status_code == 201, r.text
        photo = r.json()
        w = await Wire.join(a.ws, bid, token_of(links["facilitator"]), "Fien")
        assert (await w.op("1", card("c1", "wall", files=[photo])))["t"] == "ack"
        await w.close()

        backup = tmp_path / "board.backup"
        done = _cli(["admin", "backup", str(backup), "--redis-url", nodes.valkey.url],
                    s3.env(first))  # fmt: skip
        assert done.returncode == 0, done.stderr
        other = start_valkey(tmp_path / "other")
        second = s3.make_bucket(f"after-{secrets.token_hex(4)}")
        try:
            done = _cli(["admin", "restore", str(backup), "--redis-url", other.url],
                        s3.env(second))  # fmt: skip
            assert done.returncode == 0, done.stderr
            assert "restored 1 stored files" in done.stdout
            assert photo["id"] in await _bucket_keys(s3, second, "")
            b = ServerProcess(other.url, tmp_path / "b", env=s3.env(second)).start()
            try:
                got = await http.get(f"{b.http}/api/boards/{bid}/files/{photo['id']}", headers=fac)
                assert got.status_code == 200
                assert hashlib.sha256(got.content).hexdigest() == photo["id"]
            finally:
                b.stop()
        finally:
            other.stop()


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "prikbord.cli", *args],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
