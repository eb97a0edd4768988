"""The BlobStore contract (server/files/store.py), run against every store:
LocalStore on a directory and S3Store against a real S3-compatible server
process (tests/support/s3.py)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.files.s3 import ObjectStoreError, S3Store
from server.files.store import BadKey, BlobStore, LocalStore, thumb_key
from tests.support.s3 import ACCESS_KEY, REGION, SECRET_KEY, S3Server, s3_fixture

s3 = s3_fixture(scope="module")

#: The smallest part size S3 allows: files past it go up in several parts.
PART = 5 * 1024 * 1024


def _key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_s3(server: S3Server, bucket: str, prefix: str = "", **kw: object) -> S3Store:
    return S3Store(
        bucket=bucket, prefix=prefix, endpoint=server.url, region=REGION,
        access_key=ACCESS_KEY, secret_key=SECRET_KEY, part_bytes=PART, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.fixture(params=["local", "s3"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, s3: S3Server
) -> AsyncIterator[BlobStore]:
    if request.param == "local":
        yield LocalStore(tmp_path / "files")
        return
    bucket = s3.make_bucket(f"contract-{secrets.token_hex(4)}")
    # A prefix, as when several servers share one bucket.
    store = make_s3(s3, bucket, prefix="prikbord/")
    await store.check()
    try:
        yield store
    finally:
        await store.aclose()


async def test_put_get_stream_size_delete(store: BlobStore, tmp_path: Path) -> None:
    data = secrets.token_bytes(300_000)
    key = _key(data)
    assert await store.get(key) is None
    assert await store.stream(key) is None
    assert await store.size(key) is None
    await store.put_bytes(key, data, "application/octet-stream")
    await store.put_bytes(key, data, "application/octet-stream")  # idempotent
    assert await store.get(key) == data
    assert await store.size(key) == len(data)
    chunks = await store.stream(key)
    assert chunks is not None
    assert b"".join([c async for c in chunks]) == data
    src = tmp_path / "thumb.webp"
    src.write_bytes(b"RIFF thumb bytes")
    await store.put_path(thumb_key(key), src, "image/webp")
    assert src.exists()  # left in place
    assert await store.get(thumb_key(key)) == b"RIFF thumb bytes"
    assert sorted([k async for k in store.keys()]) == sorted([key, thumb_key(key)])
    assert sorted([k async for k in store.keys(key[:3])]) == sorted([key, thumb_key(key)])
    assert [k async for k in store.keys("0" if key[0] != "0" else "1")] == []
    await store.delete(key)
    await store.delete(key)  # a missing key is fine
    assert await store.get(key) is None
    assert await store.size(key) is None
    assert [k async for k in store.keys()] == [thumb_key(key)]


async def test_large_file_from_a_path(store: BlobStore, tmp_path: Path) -> None:
    """Past the part size S3Store uploads in parts; every store gives the
    same bytes back, streamed in bounded chunks."""
    data = secrets.token_bytes(2 * PART + 12_345)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    key = _key(data)
    await store.put_path(key, src, "application/pdf")
    assert await store.size(key) == len(data)
    chunks = await store.stream(key)
    assert chunks is not None
    got = bytearray()
    async for chunk in chunks:
        assert len(chunk) <= 1024 * 1024
        got += chunk
    assert bytes(got) == data


async def test_a_reader_that_stops_early_leaves_the_store_usable(store: BlobStore) -> None:
    data = secrets.token_bytes(1_000_000)
    key = _key(data)
    await store.put_bytes(key, data, "application/octet-stream")
    for _ in range(40):  # more than the S3 pool's connections
        chunks = await store.stream(key)
        assert chunks is not None
        async for _chunk in chunks:
            break
        await chunks.aclose()  # type: ignore[attr-defined]
    assert await store.get(key) == data


async def test_bad_keys_are_refused(store: BlobStore) -> None:
    for bad in ["../etc/passwd", "a" * 63, "A" * 64, "a" * 64 + ".html", ""]:
        with pytest.raises(BadKey):
            await store.get(bad)
        with pytest.raises(BadKey):
            await store.put_bytes(bad, b"x", "text/plain")
        with pytest.raises(BadKey):
            await store.delete(bad)


# --- S3 only -------------------------------------------------------------


async def test_prefix_keeps_servers_apart(s3: S3Server) -> None:
    """Two servers sharing a bucket under different prefixes see only their
    own keys; objects that are no blob key are never listed."""
    bucket = s3.make_bucket(f"shared-{secrets.token_hex(4)}")
    a, b, root = make_s3(s3, bucket, "a/"), make_s3(s3, bucket, "b/"), make_s3(s3, bucket)
    try:
        data = b"only in a"
        await a.put_bytes(_key(data), data, "text/plain")
        assert [k async for k in a.keys()] == [_key(data)]
        assert [k async for k in b.keys()] == []
        assert await b.get(_key(data)) is None
        assert [k async for k in root.keys()] == []  # "a/<key>" is no key at the root
    finally:
        for store in (a, b, root):
            await store.aclose()


async def test_unreachable_store_and_missing_bucket_say_so(s3: S3Server) -> None:
    gone = S3Store(
        bucket="files", endpoint="http://127.0.0.1:9", region=REGION,
        access_key=ACCESS_KEY, secret_key=SECRET_KEY, connect_timeout_s=0.5,
    )  # fmt: skip
    try:
        with pytest.raises(ObjectStoreError) as err:
            await gone.check()
        assert "127.0.0.1:9" in str(err.value) and "files" in str(err.value)
        with pytest.raises(OSError):  # callers treat it as storage unavailable
            await gone.get("a" * 64)
    finally:
        await gone.aclose()
    missing = make_s3(s3, "no-such-bucket")
    try:
        with pytest.raises(ObjectStoreError) as err:
            await missing.check()
        assert "no-such-bucket" in str(err.value)
        with pytest.raises(ObjectStoreError):
            await missing.put_bytes("b" * 64, b"x", "text/plain")
        assert SECRET_KEY not in str(err.value) and SECRET_KEY not in repr(missing)
    finally:
        await missing.aclose()


def test_settings_refused_early() -> None:
    with pytest.raises(ValueError, match="bucket"):
        S3Store(bucket="")
    with pytest.raises(ValueError, match="5 MiB"):
        S3Store(bucket="x", part_bytes=1024)
    with pytest.raises(ValueError, match="ADDRESSING"):
        S3Store(bucket="x", addressing="sideways")
