"""The first-run setup link: ``/setup#<token>`` creates the first administrator.

While no account exists, ``prikbord serve`` issues a token and prints the
link (a fresh install stays a two-command start: ``make run``, open the
link). Redis keeps only the token's SHA-256, with an expiry: a copy of the
database cannot be used to take over a fresh server. A token works once
(consumed atomically with ``HDEL``), only until it expires, and only while
no account exists; several servers starting on one Redis each print their
own valid link. Once the first account exists every token is dropped.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import cast

import redis

from server.accounts import keys
from server.engine.client import Client, SyncClient, connect_sync

#: Tokens kept at once (one per server start while nobody set up): bounds
#: the hash if a server restarts in a loop.
MAX_TOKENS = 32


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(client: SyncClient, ttl_s: int, now_ms: int) -> str | None:
    """A new setup token if no account exists yet, else None (blocking:
    ``prikbord serve`` calls it before any event loop runs)."""
    if int(client.scard(keys.ACCOUNTS)) > 0:
        return None
    token = secrets.token_urlsafe(32)
    known = cast(dict[bytes, bytes], client.hgetall(keys.SETUP))
    stale = [f for f, exp in known.items() if int(exp) <= now_ms]
    live = sorted((int(exp), f) for f, exp in known.items() if int(exp) > now_ms)
    stale += [f for _exp, f in live[: max(0, len(live) - MAX_TOKENS + 1)]]
    with client.pipeline(transaction=True) as pipe:
        if stale:
            pipe.hdel(keys.SETUP, *stale)
        pipe.hset(keys.SETUP, _digest(token), now_ms + ttl_s * 1000)
        pipe.expire(keys.SETUP, ttl_s)
        pipe.execute()
    return token


async def consume(client: Client, token: str, now_ms: int) -> bool:
    """Use a token up: True once for a valid, unexpired token, else False."""
    if not token or len(token) > 100:
        return False
    field = _digest(token)
    async with client.pipeline(transaction=True) as pipe:
        pipe.hget(keys.SETUP, field)
        pipe.hdel(keys.SETUP, field)
        expiry, deleted = await pipe.execute()
    return bool(deleted) and expiry is not None and int(expiry) > now_ms


async def drop_all(client: Client) -> None:
    """Forget every token (the first account exists now)."""
    await client.delete(keys.SETUP)


def link(base_url: str, token: str) -> str:
    """The link to print; the token rides in the fragment, so it never
    reaches an access log or a proxy."""
    return f"{base_url.rstrip('/')}/setup#{token}"


def first_run_notice(redis_url: str, base_url: str, ttl_s: int) -> str | None:
    """What ``prikbord serve`` prints while no account exists: a fresh setup
    link (blocking; before uvicorn starts). None once an account exists, or
    when Redis cannot be asked (the server still starts; the CLI works)."""
    client = connect_sync(redis_url, socket_connect_timeout=3, socket_timeout=3)
    try:
        token = issue(client, ttl_s, int(time.time() * 1000))
    except redis.RedisError:
        return None
    finally:
        client.close()
    if token is None:
        return None
    hours = max(1, round(ttl_s / 3600))
    return (
        "No account exists yet. Create the first administrator in the browser "
        f"(the link works once, for {hours} h):\n"
        f"  {link(base_url, token)}\n"
        "or on the command line: prikbord user add NAME --role admin"
    )
