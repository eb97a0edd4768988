"""The shared abuse limiter on a real Valkey: counts across callers (nodes),
windows end, refusals are counted for /metrics."""

from __future__ import annotations

import redis.asyncio as aioredis

from server.abuse import Limit, Limiter
from server.embedded import EmbeddedValkey
from tests.integration.conftest import valkey

__all__ = ["valkey"]


async def test_a_limit_holds_across_two_limiters_and_ends_with_its_window(
    valkey: EmbeddedValkey,
) -> None:
    a = aioredis.Redis.from_url(valkey.url)
    b = aioredis.Redis.from_url(valkey.url)
    node_a, node_b = Limiter(a), Limiter(b)
    limit = Limit(count=3, window_s=10)
    now = 1_000_000.0  # window 100,000: [1,000,000, 1,000,010)
    assert await node_a.hit("join", "10.0.0.1", limit, now) == 0.0
    assert await node_b.hit("join", "10.0.0.1", limit, now + 1) == 0.0
    assert await node_a.hit("join", "10.0.0.1", limit, now + 2) == 0.0
    retry = await node_b.hit("join", "10.0.0.1", limit, now + 3)
    assert retry == 7.0  # the window ends at 1,000,010
    assert node_b.refused["join"] == 1 and node_a.refused["join"] == 0
    # Another key and another kind have their own counts.
    assert await node_a.hit("join", "10.0.0.2", limit, now + 3) == 0.0
    assert await node_a.hit("login", "10.0.0.1", limit, now + 3) == 0.0
    # The next window starts afresh; the old counter expires by itself.
    assert await node_a.hit("join", "10.0.0.1", limit, now + 10) == 0.0
    ttl = await a.ttl("prikbord:rl:join:10.0.0.1:100000")
    assert 0 < ttl <= 11
    assert await node_a.hit("join", "x", Limit(0, 10), now) == 0.0  # off
    await a.aclose()
    await b.aclose()
