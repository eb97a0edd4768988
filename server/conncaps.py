"""Connection caps: WebSockets per client IP (per node) and per board
(across nodes).

A security probe opened 1,500 sockets from one address and every one was
accepted (issue 8). Two caps, each refused with close code 4006
``TOO_MANY_CONNECTIONS`` (reconnect with backoff: a slot frees up) and
counted in ``prikbord_refused_total{kind="ws_per_ip"|"ws_per_board"}``:

* **per IP, on this node** — counted in memory from the moment the socket
  reaches the app (handshakes included: a socket that never says hello
  holds memory too) until it ends. Node-local is enough against one
  address: each node protects itself, and a load balancer spreads a
  flood over nodes that each refuse it.
* **per board, on every node** — a sorted set in Redis under the board's
  hash tag (``server/engine/conns.lua``), one slot per socket that got
  past its token check, with an expiry each node refreshes every third of
  the presence TTL while it holds the socket. A crashed node's slots fade
  by themselves; a stopped node removes its own. Separate from presence,
  which keeps entries through a redeploy on purpose.

A socket's holdings are one :class:`Ticket`; ``leave`` gives back whatever
it holds, so the WebSocket handler has one ``finally``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import Counter
from dataclasses import dataclass
from importlib import resources

from redis.commands.core import AsyncScript
from redis.exceptions import RedisError
from starlette.types import Scope

from server.abuse import Limiter, client_ip
from server.config import Settings
from server.engine.client import Client
from server.engine.keys import board_keys

log = logging.getLogger("prikbord.conncaps")

#: Slot ids per refresh call: well under Lua's unpack limit (~8,000).
_REFRESH_BATCH = 1000


@dataclass(slots=True)
class Ticket:
    """What one socket holds: its address's count, and maybe a board slot."""

    ip: str
    counted: bool = False
    board: str | None = None
    slot: str | None = None


class ConnectionCaps:
    def __init__(self, redis: Client, settings: Settings, limiter: Limiter) -> None:
        self._redis = redis
        self._limiter = limiter
        self.per_ip = settings.max_ws_per_ip
        self.per_board = settings.max_ws_per_board
        self.ttl_ms = settings.presence_ttl_ms
        self.by_ip: Counter[str] = Counter()
        #: board → slots this node holds there (what the refresher extends).
        self._slots: dict[str, set[str]] = {}
        text = resources.files("server.engine").joinpath("conns.lua").read_text(encoding="utf-8")
        self._script: AsyncScript = redis.register_script(text)

    # --- per IP (this node) ------------------------------------------------

    def enter(self, scope: Scope) -> Ticket | None:
        """Count one more socket from the scope's client address; None
        (refused, counted) when the address is at its cap."""
        ip = client_ip(scope)
        if self.per_ip > 0 and self.by_ip[ip] >= self.per_ip:
            self._limiter.refuse("ws_per_ip")
            return None
        self.by_ip[ip] += 1
        return Ticket(ip, counted=True)

    # --- per board (all nodes) ---------------------------------------------

    async def enter_board(self, ticket: Ticket, board: str) -> bool:
        """Take a slot on ``board`` for this socket; False (refused,
        counted) when the board is at its cap. Raises RedisError."""
        if self.per_board <= 0:
            return True
        slot = secrets.token_hex(8)
        admitted = await self._script(
            keys=[board_keys(board).conns], args=["enter", self.ttl_ms, self.per_board, slot]
        )
        if not admitted:
            self._limiter.refuse("ws_per_board")
            return False
        ticket.board, ticket.slot = board, slot
        self._slots.setdefault(board, set()).add(slot)
        return True

    # --- the end of a socket -----------------------------------------------

    async def leave(self, ticket: Ticket) -> None:
        """Give back what ``ticket`` holds (safe to call more than once)."""
        if ticket.counted:
            ticket.counted = False
            self.by_ip[ticket.ip] -= 1
            if self.by_ip[ticket.ip] <= 0:
                del self.by_ip[ticket.ip]
        board, slot = ticket.board, ticket.slot
        if board is None or slot is None:
            return
        ticket.board = ticket.slot = None
        held = self._slots.get(board)
        if held is not None:
            held.discard(slot)
            if not held:
                del self._slots[board]
        with contextlib.suppress(RedisError, OSError):  # it expires otherwise
            await self._script(keys=[board_keys(board).conns], args=["leave", 0, 0, slot])

    async def refresher(self) -> None:
        """Every third of the TTL, extend the slots this node holds. Owned
        by the node (a task started in ``Node.start``)."""
        while True:
            await asyncio.sleep(self.ttl_ms / 3000)
            for board, held in list(self._slots.items()):
                slots = sorted(held)
                for i in range(0, len(slots), _REFRESH_BATCH):
                    try:
                        await self._script(
                            keys=[board_keys(board).conns],
                            args=["refresh", self.ttl_ms, 0, *slots[i : i + _REFRESH_BATCH]],
                        )
                    except (RedisError, OSError) as exc:
                        log.debug("refreshing connection slots of %s failed: %s", board, exc)
