"""``prikbord admin files migrate``: the data directory's files to an S3
store and back, against a real S3-compatible server process."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

from server.files.s3 import S3Store
from server.files.store import LocalStore, thumb_key
from tests.support.s3 import ACCESS_KEY, REGION, SECRET_KEY, S3Server, s3_fixture
from tests.support.servers import ROOT

s3 = s3_fixture(scope="module")


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PRIKBORD_FILES_")}
    return subprocess.run(
        [sys.executable, "-m", "prikbord.cli", "admin", "files", *args],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _s3_keys(server: S3Server, bucket: str) -> dict[str, bytes]:
    async def read() -> dict[str, bytes]:
        store = S3Store(
            bucket=bucket, endpoint=server.url, region=REGION,
            access_key=ACCESS_KEY, secret_key=SECRET_KEY, prefix="p/",
        )  # fmt: skip
        try:
            out: dict[str, bytes] = {}
            async for key in store.keys():
                data = await store.get(key)
                assert data is not None
                out[key] = data
            return out
        finally:
            await store.aclose()

    return asyncio.run(read())


def test_migrate_to_s3_and_back(tmp_path: Path, s3: S3Server) -> None:
    data_dir = tmp_path / "data"
    local = LocalStore(data_dir / "files")
    blobs: dict[str, bytes] = {}
    for size in (10, 70_000, 1_500_000):
        data = secrets.token_bytes(size)
        blobs[hashlib.sha256(data).hexdigest()] = data
    first = next(iter(blobs))
    blobs[thumb_key(first)] = b"RIFF....WEBP thumbnail"

    async def fill() -> None:
        for key, data in blobs.items():
            await local.put_bytes(key, data, "application/octet-stream")

    asyncio.run(fill())
    bucket = s3.make_bucket(f"migrate-{secrets.token_hex(4)}")
    env = {**s3.env(bucket, prefix="p/"), "PRIKBORD_DATA": str(data_dir)}

    done = _cli(["migrate", "--to", "s3"], env)
    assert done.returncode == 0, done.stderr
    assert "copied 4 files" in done.stdout
    assert _s3_keys(s3, bucket) == blobs
    assert SECRET_KEY not in done.stdout + done.stderr

    again = _cli(["migrate", "--to", "s3", "--delete-source"], env)
    assert again.returncode == 0, again.stderr
    assert "copied 0 files" in again.stdout and "4 were there already" in again.stdout
    assert "deleted 4" in again.stdout
    assert [p for p in (data_dir / "files").rglob("*") if p.is_file()] == []
    assert _s3_keys(s3, bucket) == blobs

    back = _cli(["migrate", "--to", "local"], env)
    assert back.returncode == 0, back.stderr
    for key, data in blobs.items():
        assert local.path(key).read_bytes() == data
    assert not list((data_dir / "uploads").glob(".migrate-*"))  # no temp files left


def test_refusals_are_clear_and_change_nothing(tmp_path: Path, s3: S3Server) -> None:
    data_dir = tmp_path / "data"
    data = b"stays put"
    asyncio.run(
        LocalStore(data_dir / "files").put_bytes(hashlib.sha256(data).hexdigest(), data, "x/y")
    )
    no_bucket = _cli(["migrate", "--to", "s3", "--data", str(data_dir)], {})
    assert no_bucket.returncode == 2 and "PRIKBORD_FILES_S3_BUCKET" in no_bucket.stderr
    missing = {**s3.env("no-such-bucket"), "PRIKBORD_DATA": str(data_dir)}
    refused = _cli(["migrate", "--to", "s3", "--delete-source"], missing)
    assert refused.returncode == 3, refused.stdout
    assert "no-such-bucket" in refused.stderr and SECRET_KEY not in refused.stderr
    assert len([p for p in (data_dir / "files").rglob("*") if p.is_file()]) == 1
