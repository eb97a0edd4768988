"""LocalStore: content-addressed, atomic, idempotent (server/files/store.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from server.files.store import BadKey, LocalStore, thumb_key


def _key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_put_get_stream_size_delete(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "files")
    data = b"hello" * 50_000
    key = _key(data)
    assert await store.get(key) is None
    assert await store.stream(key) is None
    assert await store.size(key) is None
    await store.put_bytes(key, data, "text/plain")
    await store.put_bytes(key, data, "text/plain")  # idempotent
    assert await store.get(key) == data
    assert await store.size(key) == len(data)
    stream = await store.stream(key)
    assert stream is not None
    assert b"".join([c async for c in stream]) == data
    # fan-out: files/ab/cdef...
    assert (tmp_path / "files" / key[:2] / key[2:]).is_file()
    src = tmp_path / "src"
    src.write_bytes(b"thumb bytes")
    await store.put_path(thumb_key(key), src, "image/webp")
    assert src.exists()
    assert sorted([k async for k in store.keys()]) == sorted([key, thumb_key(key)])
    assert [k async for k in store.keys(key[:3])] == [key, thumb_key(key)]
    await store.delete(key)
    await store.delete(key)  # missing is fine
    assert await store.get(key) is None
    # no temp files left behind
    assert not [p for p in (tmp_path / "files").rglob(".tmp-*")]


async def test_bad_keys_are_refused(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    for bad in ["../etc/passwd", "a" * 63, "A" * 64, "a" * 64 + ".html", ""]:
        with pytest.raises(BadKey):
            await store.get(bad)
        with pytest.raises(BadKey):
            await store.put_bytes(bad, b"x", "text/plain")
