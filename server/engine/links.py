"""A board's link state in Redis: link generations, expiries, the access
code and the short join code, all fields of the board's meta hash.

Guarantees:

* A change (``replace``, ``set_expiry``, ``set_access_code``,
  ``replace_join_code``) is atomic with its announcement: one script updates
  the meta hash and publishes ``LINKS_CHANGED`` on the board's presence
  channel, so every node holding the board hears of it. The publish is
  at-most-once (Redis pub/sub), so nodes also re-read the state on a timer
  and after a pub/sub reconnect (``server/access.py``).
* Generations only grow: a replaced link never becomes valid again.
* ``read`` reads Redis every time (nothing is cached here).

A join code is a global key (``prikbord:short:<CODE>`` → board) beside the
board's ``short`` meta field. Replacing it is not atomic across the two (on
a Redis Cluster they live on different shards), so a code counts only while
the board's meta still names it: a code left behind by a crash between the
steps is refused like any other old code.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import cast

from redis.commands.core import AsyncScript

from protocol.messages import ROLES, Role
from server.engine.client import Client
from server.engine.keys import LINKS_CHANGED, board_keys, short_key
from server.engine.store import SHORT_ALPHABET, SHORT_LENGTH

#: Tries at a free random join code before giving up (each collides with
#: probability boards / 8.5e11: twenty failures in a row mean a bug).
_SHORT_TRIES = 20

_GEN = "gen:"
_EXP = "exp:"
_CODE = "code"
_SHORT = "short"
_VERSION = "links"


@dataclass(frozen=True, slots=True)
class LinkState:
    """Which links of a board work now."""

    #: Current generation per role (absent: 0, the board's first links).
    gens: Mapping[Role, int] = field(default_factory=dict)
    #: Expiry per role, ms since the epoch (absent: never).
    expires: Mapping[Role, int] = field(default_factory=dict)
    #: The access code participants type (normalized), or None.
    access_code: str | None = None
    #: The short join code (``/j/<CODE>``), or None.
    join_code: str | None = None
    #: Bumped by every change: of two reads, the higher version is newer.
    version: int = 0

    def gen(self, role: Role) -> int:
        return self.gens.get(role, 0)

    def expiry(self, role: Role) -> int | None:
        return self.expires.get(role)


class BoardGone(Exception):
    """The board has no meta (never created, or its data was lost)."""


def _script_text(name: str) -> str:
    return resources.files("server.engine").joinpath(name).read_text(encoding="utf-8")


class LinkStore:
    def __init__(self, client: Client) -> None:
        self.redis = client
        self._change: AsyncScript = client.register_script(_script_text("links.lua"))

    async def read(self, board: str) -> LinkState:
        """The board's link state. Raises BoardGone."""
        fields = [
            "epoch",
            _CODE,
            _SHORT,
            _VERSION,
            *(_GEN + r for r in ROLES),
            *(_EXP + r for r in ROLES),
        ]
        values = cast(list[bytes | None], await self.redis.hmget(board_keys(board).meta, fields))
        if values[0] is None:
            raise BoardGone(board)
        code, short, version = values[1], values[2], values[3]
        gens_raw = values[4 : 4 + len(ROLES)]
        exps_raw = values[4 + len(ROLES) :]
        return LinkState(
            gens={r: int(v) for r, v in zip(ROLES, gens_raw, strict=True) if v is not None},
            expires={r: int(v) for r, v in zip(ROLES, exps_raw, strict=True) if v is not None},
            access_code=code.decode() if code else None,
            join_code=short.decode() if short else None,
            version=int(version or 0),
        )

    async def replace(self, board: str, roles: Iterable[Role]) -> None:
        """Bump the generation of each role: its current links stop working
        (everywhere, at once) and new ones are made from the new generation.
        Raises BoardGone."""
        await self._apply(board, [("incr", _GEN + r, "") for r in roles])

    async def set_expiry(self, board: str, role: Role, at_ms: int | None) -> None:
        """Let the role's links (this generation and later ones) stop
        working at ``at_ms``; None: never. Raises BoardGone."""
        if at_ms is None:
            await self._apply(board, [("del", _EXP + role, "")])
        else:
            await self._apply(board, [("set", _EXP + role, str(at_ms))])

    async def set_access_code(self, board: str, code: str | None) -> None:
        """Ask participants for ``code`` when they join (None: no code).
        Raises BoardGone."""
        if code is None:
            await self._apply(board, [("del", _CODE, "")])
        else:
            await self._apply(board, [("set", _CODE, code)])

    async def create_join_code(self, board: str) -> str:
        """A fresh short join code, registered globally and named in the
        board's meta (replacing any earlier one, which stops working).
        Raises BoardGone (the fresh code is then dropped again)."""
        for _ in range(_SHORT_TRIES):
            code = "".join(secrets.choice(SHORT_ALPHABET) for _ in range(SHORT_LENGTH))
            if await self.redis.set(short_key(code), board, nx=True):
                break
        else:
            raise RuntimeError("no free short code")
        old = cast(bytes | None, await self.redis.hget(board_keys(board).meta, _SHORT))
        try:
            await self._apply(board, [("set", _SHORT, code)])
        except BoardGone:
            await self.redis.delete(short_key(code))
            raise
        if old is not None and old.decode() != code:
            await self.redis.delete(short_key(old.decode()))
        return code

    async def board_of_join_code(self, code: str) -> str | None:
        """The board a join code opens, if it is that board's current code."""
        code = code.upper()
        raw = cast(bytes | None, await self.redis.get(short_key(code)))
        if raw is None:
            return None
        board = raw.decode()
        current = cast(bytes | None, await self.redis.hget(board_keys(board).meta, _SHORT))
        return board if current is not None and current.decode() == code else None

    async def _apply(self, board: str, ops: list[tuple[str, str, str]]) -> None:
        keys = board_keys(board)
        args: list[str | bytes] = [keys.presence_changed, LINKS_CHANGED]
        for op in ops:
            args.extend(op)
        if not await self._change(keys=[keys.meta], args=args):
            raise BoardGone(board)
