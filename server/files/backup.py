"""Files in ``prikbord admin backup/restore`` (server/backup.py).

A board's record carries its file registry (``{b:<id>}:files``, entries as
stored); after the boards, the file holds one ``blob`` record per stored
file any of them references — each once, however many boards share it —
with its preview image. A restore puts the registries back with the boards,
takes each board's blob references again, and writes the bytes after
checking them against their id (a damaged or edited backup cannot put other
bytes under a file's name).

The backup commands are synchronous (one Redis round trip after another);
the blob store is asynchronous, so :class:`SyncBlobs` runs its calls on a
private event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Iterable, Iterator
from typing import Any, cast

from server.config import Settings
from server.engine.client import SyncClient
from server.files.registry import bytes_key, files_key, refs_key
from server.files.service import make_store
from server.files.store import BlobStore, thumb_key

#: Stored files carry no type of their own (the registry has it).
_OCTETS = "application/octet-stream"


class SyncBlobs:
    """A blob store for synchronous callers."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store
        self._loop = asyncio.new_event_loop()

    @classmethod
    def from_settings(cls, settings: Settings) -> SyncBlobs:
        return cls(make_store(settings))

    def get(self, key: str) -> bytes | None:
        return self._loop.run_until_complete(self.store.get(key))

    def put(self, key: str, data: bytes) -> None:
        self._loop.run_until_complete(self.store.put_bytes(key, data, _OCTETS))

    def close(self) -> None:
        close = getattr(self.store, "aclose", None)
        if close is not None:
            self._loop.run_until_complete(close())
        self._loop.close()


def registry_of(client: SyncClient, board: str) -> dict[bytes, bytes]:
    """The board's file registry as stored (file id → JSON entry)."""
    return cast(dict[bytes, bytes], client.hgetall(files_key(board)))


def blob_records(
    blobs: SyncBlobs, ids: Iterable[str], missing: list[str] | None = None
) -> Iterator[dict[str, Any]]:
    """One record per stored file; the ids whose bytes the store lacks are
    left out and appended to ``missing`` (the backup refuses to pass such a
    file off as whole: a store not pointed at finds none)."""
    for file_id in sorted(set(ids)):
        data = blobs.get(file_id)
        if data is None:
            if missing is not None:
                missing.append(file_id)
            continue
        yield {"blob": file_id, "data": data, "thumb": blobs.get(thumb_key(file_id))}


def restore_registry(client: SyncClient, board: str, files: dict[bytes, bytes]) -> None:
    """Put a board's registry back (replacing what it had) and take its
    blob references, so GC counts the restored board as a holder."""
    client.delete(files_key(board), bytes_key(board))
    if not files:
        return
    client.hset(files_key(board), mapping=files)  # type: ignore[arg-type]
    total = sum(int(json.loads(entry).get("size", 0)) for entry in files.values())
    client.set(bytes_key(board), total)
    now = int(time.time() * 1000)
    for file_id in files:
        client.zadd(refs_key(file_id.decode()), {board: now})


def restore_blob(blobs: SyncBlobs, record: dict[str, Any]) -> bool:
    """Write one blob record's bytes; False (nothing written) when they do
    not hash to their id."""
    file_id, data = str(record["blob"]), bytes(record["data"])
    if hashlib.sha256(data).hexdigest() != file_id:
        return False
    blobs.put(file_id, data)
    thumb = record.get("thumb")
    if thumb:
        blobs.put(thumb_key(file_id), bytes(thumb))
    return True
