"""Who owns which board ("my boards"), and what an owner can do with it
outside the board itself: list, archive, delete.

A board created by a logged-in account carries ``owner`` in its meta hash,
and the account keeps an index of its boards (a sorted set by creation
time). The title shown in lists is the meta hash's ``title``: written at
creation and kept current by every title change in the board's log
(``Store.note_title``, newest seq wins), so a list never replays logs.

Deleting a board removes all of its keys in one command (they share one
hash tag), so its links stop working at once (joins close with 4103, REST
answers 404); nodes holding it are told over its presence channel and
close their sockets with 4103 too. The short code and the indexes go
next; a list skips any entry whose board is gone.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio.cluster import RedisCluster

from server.accounts import keys
from server.engine.client import Client
from server.engine.keys import BOARDS_KEY, EPOCH_CHANGED, board_keys, short_key

#: Boards one list shows at most (newest first): a hub's coordinators see
#: every board, and years of weekly sessions stay well under this.
MAX_LISTED = 2000

_META_FIELDS = ("created", "title", "owner", "archived", "short")


@dataclass(frozen=True, slots=True)
class BoardInfo:
    board: str
    title: str
    owner: str | None
    created: int  # ms
    archived: bool
    short: str | None

    def public(self) -> dict[str, Any]:
        return {
            "board": self.board,
            "title": self.title,
            "owner": self.owner,
            "created": self.created,
            "archived": self.archived,
        }


def _info(board: str, values: list[bytes | None]) -> BoardInfo | None:
    created, title, owner, archived, short = (None if v is None else v.decode() for v in values)
    if created is None:  # no meta: the board is gone
        return None
    return BoardInfo(
        board=board,
        title=title or "",
        owner=owner or None,
        created=int(created),
        archived=archived == "1",
        short=short,
    )


class BoardIndex:
    def __init__(self, client: Client) -> None:
        self.redis = client

    async def claim(self, board: str, owner: str | None, title: str, now_ms: int) -> None:
        """Record a new board's owner (None: created anonymously) and title."""
        meta = board_keys(board).meta
        await self.redis.hset(meta, mapping={"title": title, "title_seq": 1})
        if owner is not None:
            await self.redis.hset(meta, "owner", owner)
            await self.redis.zadd(keys.account_boards(owner), {board: now_ms})

    async def info(self, board: str) -> BoardInfo | None:
        values = await self.redis.hmget(board_keys(board).meta, list(_META_FIELDS))
        return _info(board, cast(list[bytes | None], values))

    async def _infos(self, boards: list[str]) -> list[BoardInfo | None]:
        fields = list(_META_FIELDS)
        if isinstance(self.redis, RedisCluster):
            # One command per board, concurrently: boards live on every shard,
            # and redis-py's cluster pipeline answers a connection error by
            # closing every connection of the client (server/engine/store.py).
            rows = await asyncio.gather(
                *(self.redis.hmget(board_keys(b).meta, fields) for b in boards)
            )
        else:
            async with self.redis.pipeline(transaction=False) as pipe:
                for board in boards:
                    pipe.hmget(board_keys(board).meta, fields)
                rows = await pipe.execute()
        return [_info(b, cast(list[bytes | None], r)) for b, r in zip(boards, rows, strict=True)]

    async def owned(self, username: str, *, archived: bool) -> list[BoardInfo]:
        """The account's boards, newest first: the archived ones or the others."""
        index = keys.account_boards(username)
        raw = cast(list[bytes], await self.redis.zrevrange(index, 0, MAX_LISTED - 1))
        boards = [b.decode() for b in raw]
        infos = await self._infos(boards)
        gone = [b for b, i in zip(boards, infos, strict=True) if i is None]
        if gone:  # deleted while this entry stayed behind (a crash mid-delete)
            await self.redis.zrem(index, *gone)
        return [i for i in infos if i is not None and i.archived == archived]

    async def everything(self, *, archived: bool) -> list[BoardInfo]:
        """Every board on the server, newest first (coordinators, admins)."""
        boards = sorted(b.decode() for b in cast(set[bytes], await self.redis.smembers(BOARDS_KEY)))
        infos = [i for i in await self._infos(boards) if i is not None and i.archived == archived]
        infos.sort(key=lambda i: (-i.created, i.board))
        return infos[:MAX_LISTED]

    async def set_archived(self, board: str, archived: bool) -> None:
        meta = board_keys(board).meta
        if await self.redis.exists(meta):
            await self.redis.hset(meta, "archived", "1" if archived else "0")

    async def delete(self, board: str) -> bool:
        """Remove the board and everything it had; False when it was gone."""
        info = await self.info(board)
        if info is None:
            return False
        bk = board_keys(board)
        # All keys of the board share its hash tag: one DEL, one slot. After
        # it the board does not exist for any node.
        await self.redis.delete(*bk)
        await self.redis.spublish(bk.presence_changed, EPOCH_CHANGED)
        if info.short:
            code = short_key(info.short)
            if await self.redis.get(code) == board.encode():
                await self.redis.delete(code)
        await self.redis.srem(BOARDS_KEY, board)
        if info.owner:
            await self.redis.zrem(keys.account_boards(info.owner), board)
        return True
