"""Which files each board holds, in Redis, and which boards hold each blob.

Per board (hash tag ``{b:<id>}``, so it lives with the board on a cluster):

- ``{b:<id>}:files`` — hash: file id → JSON entry (name, type, size, kind,
  w, h, thumb; ``at``: last uploaded, ms; ``by``: the uploader's actor or
  ""; ``gone``: ms since the collector first saw no card reference it, 0
  while referenced);
- ``{b:<id>}:fbytes`` — the bytes of those files, for the board's quota;
- ``{b:<id>}:fip`` — hash: file id → a keyed hash of the uploader's client
  IP (never the address itself), for the per-IP cap on unattached uploads.

Per blob (hash tag ``{f:<sha>}``): ``{f:<sha>}:refs``, a zset of the boards
that reference it, and ``{f:<sha>}:del``, a short lock held while the last
reference's collector deletes the bytes. A board takes its reference
*before* writing the bytes (``blobref.lua`` waits out a running delete), so
a blob is never deleted under an upload that is about to use it.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any, cast

from redis.commands.core import AsyncScript

from server.engine.client import Client

#: How long a collector may take to delete one blob's bytes before another
#: may try: a local unlink or an S3 DELETE takes milliseconds; 60 s rides
#: out a slow object store, and an upload of the same bytes waits at most
#: this long (it retries while the lock is held).
DELETE_LOCK_MS = 60_000


def _script(name: str) -> str:
    return resources.files("server.files").joinpath(name).read_text(encoding="utf-8")


def files_key(board: str) -> str:
    return f"{{b:{board}}}:files"


def bytes_key(board: str) -> str:
    return f"{{b:{board}}}:fbytes"


def ips_key(board: str) -> str:
    return f"{{b:{board}}}:fip"


def refs_key(file_id: str) -> str:
    return f"{{f:{file_id}}}:refs"


def del_key(file_id: str) -> str:
    return f"{{f:{file_id}}}:del"


@dataclass(frozen=True, slots=True)
class Entry:
    """A board's record of one file: what the server found when it stored it."""

    name: str
    type: str
    size: int
    kind: str
    w: int = 0
    h: int = 0
    thumb: bool = False
    at: int = 0
    by: str = ""
    gone: int = 0

    def attachment(self, file_id: str) -> dict[str, Any]:
        """The card's view of this file (protocol ``Attachment`` fields)."""
        return {
            "id": file_id,
            "name": self.name,
            "type": self.type,
            "size": self.size,
            "kind": self.kind,
            "w": self.w,
            "h": self.h,
            "thumb": self.thumb,
        }

    @classmethod
    def decode(cls, raw: bytes | str) -> Entry:
        data = json.loads(raw)
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


class Registry:
    def __init__(self, client: Client) -> None:
        self.redis = client
        self._register: AsyncScript = client.register_script(_script("register.lua"))
        self._unregister: AsyncScript = client.register_script(_script("unregister.lua"))
        self._ref: AsyncScript = client.register_script(_script("blobref.lua"))
        self._unref: AsyncScript = client.register_script(_script("blobunref.lua"))

    async def register(self, board: str, file_id: str, entry: Entry, quota: int) -> bool | None:
        """Record ``file_id`` on ``board``: True when new, False when it was
        there (its upload time refreshed, not counted twice), None when it
        would take the board past ``quota`` bytes (nothing changed)."""
        got = await self._register(
            keys=[files_key(board), bytes_key(board)],
            args=[file_id, json.dumps(asdict(entry)), entry.size, quota],
        )
        return None if int(got) < 0 else bool(int(got))

    async def get(self, board: str, file_id: str) -> Entry | None:
        raw = await self.redis.hget(files_key(board), file_id)
        return None if raw is None else Entry.decode(raw)

    async def many(self, board: str, ids: list[str]) -> dict[str, Entry]:
        if not ids:
            return {}
        raws = await self.redis.hmget(files_key(board), ids)
        return {i: Entry.decode(r) for i, r in zip(ids, raws, strict=True) if r is not None}

    async def all(self, board: str) -> dict[str, Entry]:
        raw = await self.redis.hgetall(files_key(board))
        return {_s(k): Entry.decode(v) for k, v in raw.items()}

    async def used(self, board: str) -> int:
        return int(await self.redis.get(bytes_key(board)) or 0)

    async def mark_gone(self, board: str, marks: dict[str, int]) -> None:
        """Set (ms) or clear (0) the ``gone`` marks of entries; an entry
        removed meanwhile stays removed."""
        for file_id, gone in marks.items():
            entry = await self.get(board, file_id)
            if entry is None:
                continue
            data = asdict(entry)
            data["gone"] = gone
            await self.redis.hset(files_key(board), file_id, json.dumps(data))

    async def unregister(self, board: str, marks: dict[str, str]) -> list[str]:
        """Drop entries whose ``gone`` mark is still the one given ("*": any);
        returns the ids dropped."""
        if not marks:
            return []
        args: list[str] = []
        for file_id, gone in marks.items():
            args += [file_id, gone]
        got = await self._unregister(keys=[files_key(board), bytes_key(board)], args=args)
        return [_s(x) for x in cast(list[Any], got)]

    async def note_ip(self, board: str, file_id: str, ip_tag: str) -> None:
        """Remember who (a keyed hash of the client IP) uploaded ``file_id``."""
        await self.redis.hset(ips_key(board), file_id, ip_tag)

    async def ips(self, board: str) -> dict[str, str]:
        raw = await self.redis.hgetall(ips_key(board))
        return {_s(k): _s(v) for k, v in raw.items()}

    async def forget_ips(self, board: str, ids: list[str]) -> None:
        if ids:
            await self.redis.hdel(ips_key(board), *ids)

    async def ref(self, file_id: str, board: str, now: int) -> bool:
        """Take ``board``'s reference on the blob; False while a collector
        deletes it (retry shortly)."""
        got = await self._ref(keys=[refs_key(file_id), del_key(file_id)], args=[board, now])
        return bool(int(got))

    async def unref(self, file_id: str, board: str) -> str | None:
        """Drop ``board``'s reference ("": only check). When it was the last,
        returns a lock token: the caller deletes the bytes, then calls
        :meth:`release`. None: still referenced (or being deleted)."""
        token = secrets.token_hex(8)
        got = await self._unref(
            keys=[refs_key(file_id), del_key(file_id)], args=[board, token, DELETE_LOCK_MS]
        )
        return token if int(got) else None

    async def release(self, file_id: str, token: str) -> None:
        if await self.redis.get(del_key(file_id)) == token.encode():
            await self.redis.delete(del_key(file_id))

    async def refs(self, file_id: str) -> list[str]:
        got = await self.redis.zrange(refs_key(file_id), 0, -1)
        return [_s(b) for b in cast(list[bytes], got)]


def _s(v: bytes | str) -> str:
    return v.decode() if isinstance(v, bytes) else v
