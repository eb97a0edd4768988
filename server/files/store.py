"""Content-addressed blob storage: the interface and the data-directory store.

Keys are ``<sha256 hex>`` for a stored file and ``<sha256 hex>.thumb`` for its
preview image. The bytes under a key never change (the key is their hash), so
every write is idempotent and any reader may cache forever.

Thumbnails are WebP: a 480 px photo preview is ~30-40 % smaller than the same
quality JPEG (a hub screen loads 200 of them), every browser we support decodes
it, and Pillow writes it without extra libraries.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

#: A key: a sha256 hex digest, optionally with a ``.thumb`` suffix. Anything
#: else is refused before it reaches a path or an object name.
KEY_RE = re.compile(r"^[0-9a-f]{64}(\.thumb)?$")

#: Bytes per read when streaming a blob out: large enough to keep the
#: syscalls few, small enough that 50 parallel downloads stay under 4 MiB.
STREAM_CHUNK = 64 * 1024


class BadKey(ValueError):
    """A key that is not ``<sha256 hex>`` or ``<sha256 hex>.thumb``."""


def check_key(key: str) -> str:
    """Return *key* if it is a valid blob key, else raise :class:`BadKey`."""
    if not KEY_RE.fullmatch(key):
        raise BadKey(key[:80])
    return key


def thumb_key(file_id: str) -> str:
    """The key of a file's preview image."""
    return f"{file_id}.thumb"


class BlobStore(Protocol):
    """Content-addressed bytes.

    Guarantees every implementation keeps:

    - ``put_*`` is idempotent (same key, same bytes) and atomic: a reader sees
      either no blob or the whole blob, never a partial one, even if the
      writer dies midway.
    - Once ``put_*`` returns, the blob is durable (fsynced / acknowledged by
      the object store) and visible to every node that shares the store.
    - ``get``/``stream``/``size`` return ``None`` for a missing key.
    - ``delete`` of a missing key is not an error.
    - ``keys`` lists what is stored at the time of listing; blobs written or
      deleted during the listing may or may not appear.

    Keys are checked with :func:`check_key`; a bad key raises :class:`BadKey`.
    """

    async def put_path(self, key: str, path: Path, content_type: str) -> None:
        """Store the file at *path* under *key* (the file is left in place)."""
        ...

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        """Store *data* under *key*."""
        ...

    async def get(self, key: str) -> bytes | None:
        """The whole blob, for small ones (thumbnails); ``None`` if missing."""
        ...

    async def stream(self, key: str) -> AsyncIterator[bytes] | None:
        """The blob in chunks, for serving large files; ``None`` if missing."""
        ...

    async def size(self, key: str) -> int | None:
        """The blob's length in bytes; ``None`` if missing."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the blob; a missing key is fine."""
        ...

    def keys(self, prefix: str = "") -> AsyncIterator[str]:
        """Every stored key starting with *prefix*."""
        ...


class LocalStore:
    """Blobs as files under ``<root>/ab/cdef…`` (two-hex-digit fan-out).

    The fan-out keeps directories at ~1/256 of the files (ext4 and friends
    slow down past a few hundred thousand entries). Writes go to a temp file
    in the target directory, are fsynced, then renamed into place: rename is
    atomic on POSIX within a filesystem, so a reader never sees a partial
    blob, and several nodes sharing the directory (a compose volume) may
    write the same key at once. Blocking file I/O runs in a worker thread.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        """Where *key* lives (whether or not it exists)."""
        check_key(key)
        return self.root / key[:2] / key[2:]

    def _write(self, key: str, write: _Writer) -> None:
        target = self.path(key)
        if target.exists():
            return  # content-addressed: the same key holds the same bytes
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".tmp-{secrets.token_hex(8)}"
        try:
            with open(tmp, "wb") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        _fsync_dir(target.parent)

    async def put_path(self, key: str, path: Path, content_type: str) -> None:
        def copy(out: _File) -> None:
            with open(path, "rb") as src:
                while chunk := src.read(1024 * 1024):
                    out.write(chunk)

        await asyncio.to_thread(self._write, key, copy)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        def write(out: _File) -> None:
            out.write(data)

        await asyncio.to_thread(self._write, key, write)

    async def get(self, key: str) -> bytes | None:
        p = self.path(key)

        def read() -> bytes | None:
            try:
                return p.read_bytes()
            except FileNotFoundError:
                return None

        return await asyncio.to_thread(read)

    async def stream(self, key: str) -> AsyncIterator[bytes] | None:
        p = self.path(key)
        try:
            f = await asyncio.to_thread(open, p, "rb")
        except FileNotFoundError:
            return None
        return _chunks(f)

    async def size(self, key: str) -> int | None:
        p = self.path(key)
        try:
            return (await asyncio.to_thread(p.stat)).st_size
        except FileNotFoundError:
            return None

    async def delete(self, key: str) -> None:
        p = self.path(key)
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(p.unlink)

    async def keys(self, prefix: str = "") -> AsyncIterator[str]:
        def listing() -> list[str]:
            out: list[str] = []
            if not self.root.is_dir():
                return out
            for d in sorted(self.root.iterdir()):
                if len(d.name) != 2 or not d.is_dir():
                    continue
                if prefix[:2] and not d.name.startswith(prefix[:2]):
                    continue
                for f in sorted(d.iterdir()):
                    key = d.name + f.name
                    if KEY_RE.fullmatch(key) and key.startswith(prefix):
                        out.append(key)
            return out

        for key in await asyncio.to_thread(listing):
            yield key


class _File(Protocol):
    def write(self, data: bytes, /) -> int: ...


class _Writer(Protocol):
    def __call__(self, out: _File, /) -> None: ...


async def _chunks(f: _ReadFile) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(f.read, STREAM_CHUNK):
            yield chunk
    finally:
        f.close()


class _ReadFile(Protocol):
    def read(self, n: int, /) -> bytes: ...
    def close(self) -> None: ...


def _fsync_dir(d: Path) -> None:
    """Make the rename itself durable (the directory entry)."""
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
