"""Abuse limits shared by every node: counters in Redis, refusals counted.

A public server holds a QR code on a TV: whoever is in the room — or
photographs the screen — can script requests. Per-connection limits alone do
not hold (open more connections; spread them over nodes), so the limits
that matter are counted **in Redis**, per client IP (or account, or actor),
and every node sees the same count.

The counter is a fixed window (``INCR`` + ``EXPIRE`` in one script): one
round trip, memory bounded by the number of distinct keys seen in one
window, and at most ``2 * limit`` hits in any ``window`` seconds (the
boundary case) — good enough for abuse limits, which are about orders of
magnitude, not exact rates. Keys are global (no board hash tag); on a Redis
Cluster they spread over shards by their own hash.

Every refusal is counted per kind (``refused``) for ``/metrics``.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass

from redis.commands.core import AsyncScript
from starlette.types import Scope

from server.engine.client import Client

KEY_PREFIX = "prikbord:rl:"

#: INCR, and EXPIRE on the first hit of the window: one key, one command.
#: (Not a pipeline: on a Redis Cluster redis-py's pipeline answers a
#: connection error by closing every connection of the client, failing
#: other shards' commands in flight — see server/engine/store.py.)
_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` hits per ``window_s`` seconds."""

    count: int
    window_s: int


class Limiter:
    """Named rate limits counted in Redis; ``refused`` counts refusals."""

    def __init__(self, redis: Client) -> None:
        self._redis = redis
        self._hit: AsyncScript = redis.register_script(_HIT)
        self.refused: Counter[str] = Counter()

    async def hit(self, kind: str, key: str, limit: Limit, now: float | None = None) -> float:
        """Count one hit of ``kind`` by ``key`` (an IP, an account, …).

        Returns 0.0 when allowed, else the seconds until the window ends
        (for ``Retry-After``); a refused hit still counts, so hammering does
        not help. A limit with ``count <= 0`` is off.
        """
        if limit.count <= 0:
            return 0.0
        now = time.time() if now is None else now
        window = int(now // limit.window_s)
        redis_key = f"{KEY_PREFIX}{kind}:{key}:{window}"
        count = await self._hit(keys=[redis_key], args=[limit.window_s + 1])
        if int(count) <= limit.count:
            return 0.0
        self.refused[kind] += 1
        return max(1.0, math.ceil((window + 1) * limit.window_s - now))

    async def blocked(self, kind: str, key: str, limit: Limit, now: float | None = None) -> float:
        """Whether ``key`` has used up ``kind`` in this window, without
        counting a hit: for limits that count failures only (``hit`` on each
        failure), checked before every attempt — so once blocked, even a
        right guess is refused and guessing tells nothing. Returns 0.0 or the
        seconds until the window ends; a refusal is counted."""
        if limit.count <= 0:
            return 0.0
        now = time.time() if now is None else now
        window = int(now // limit.window_s)
        count = await self._redis.get(f"{KEY_PREFIX}{kind}:{key}:{window}")
        if count is None or int(count) < limit.count:
            return 0.0
        self.refused[kind] += 1
        return max(1.0, math.ceil((window + 1) * limit.window_s - now))

    def refuse(self, kind: str) -> None:
        """Count a refusal decided elsewhere (e.g. a node-local cap)."""
        self.refused[kind] += 1


def client_ip(scope: Scope) -> str:
    """The client's address as the ASGI server reports it. uvicorn rewrites
    it from ``X-Forwarded-For`` only for a configured trusted proxy
    (``PRIKBORD_TRUSTED_PROXIES``), so a client cannot pick its own."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
