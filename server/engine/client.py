"""The engine's Redis client, picked from the URL: one server or a cluster.

``PRIKBORD_REDIS_URL`` (``--redis-url``) takes

* ``redis://[user:password@]host:port/0``, ``rediss://…``,
  ``unix:///path/valkey.sock`` — one Redis/Valkey server (standalone, or the
  primary of a primary/replica pair): redis-py's ``Redis``;
* ``redis+cluster://[user:password@]host:port[,host:port…]`` — a Redis or
  Valkey **Cluster**: redis-py's ``RedisCluster``. Every ``host:port`` is a
  seed node; one is enough, several let a node start while a seed is down.
  ``rediss+cluster://`` is the same over TLS.

The two must match the server: a cluster URL pointing at a standalone server
(and the reverse) is refused at start with a sentence saying which URL to
use (:func:`check_mode`), never left to fail later as ``MOVED`` errors on
every board.

Where keys live on a cluster (``keys.py``): every key of a board shares the
hash tag ``{b:<id>}``, so a board, its scripts and its sharded pub/sub live
on the one shard that owns that slot; accounts, sessions and the setup token
share ``{acct}`` (one shard; accounts are few); short join codes, the board
list and the abuse counters are plain global keys, each on the shard its own
name hashes to, and nothing touches two of them atomically.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias, cast
from urllib.parse import unquote, urlsplit

import redis as redis_sync
import redis.asyncio as redis_async
import redis.cluster as cluster_sync
from redis.asyncio.client import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.exceptions import NoPermissionError, RedisError, ResponseError

#: The async client of the engine: one server or a cluster.
Client: TypeAlias = Redis | RedisCluster
#: The blocking client of the command-line tools.
SyncClient: TypeAlias = redis_sync.Redis | cluster_sync.RedisCluster

CLUSTER_SCHEMES = {"redis+cluster": False, "rediss+cluster": True}


class UrlError(ValueError):
    """A Redis URL the engine cannot use; the message says what is wrong."""


class ModeMismatch(Exception):
    """The URL's kind (cluster or not) does not match the server's mode, or
    the cluster is unusable; the message says what to do."""


@dataclass(frozen=True, slots=True)
class ClusterUrl:
    """A parsed ``redis+cluster://`` URL."""

    seeds: tuple[tuple[str, int], ...]
    username: str | None
    password: str | None
    tls: bool

    def node_kwargs(self) -> dict[str, Any]:
        """Connection settings every node of the cluster shares."""
        kwargs: dict[str, Any] = {"username": self.username, "password": self.password}
        if self.tls:
            kwargs["ssl"] = True
        return kwargs


def parse_cluster_url(url: str) -> ClusterUrl | None:
    """The cluster URL's parts; None for a URL that is not a cluster URL.
    Raises UrlError for a cluster URL without a usable seed."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in CLUSTER_SCHEMES:
        return None
    tls = CLUSTER_SCHEMES[scheme.lower()]
    userinfo, at, hosts = rest.rpartition("@")
    hosts = hosts.split("/", 1)[0].split("?", 1)[0]
    username: str | None = None
    password: str | None = None
    if at:
        user, colon, pw = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(pw) if colon else None
    seeds: list[tuple[str, int]] = []
    for part in hosts.split(","):
        part = part.strip()
        if not part:
            continue
        parsed = urlsplit(f"//{part}")
        try:
            port = parsed.port or 6379
        except ValueError:
            raise UrlError(f"cluster URL: bad port in {part!r}") from None
        if not parsed.hostname:
            raise UrlError(f"cluster URL: no host in {part!r}")
        seeds.append((parsed.hostname, port))
    if not seeds:
        raise UrlError("cluster URL without a seed node: redis+cluster://HOST:PORT[,HOST:PORT…]")
    return ClusterUrl(tuple(seeds), username, password, tls)


def is_cluster_url(url: str) -> bool:
    return parse_cluster_url(url) is not None


def connect(
    url: str, *, pool_size: int | None = None, pool_wait_s: float = 5.0, **kwargs: Any
) -> Client:
    """A redis-py asyncio client for the engine (bytes in, bytes out): a
    ``RedisCluster`` for a cluster URL, else a ``Redis``.

    ``pool_size`` bounds the connections of a standalone client: a command that
    finds them all busy waits up to ``pool_wait_s`` for one (a blocking
    pool) instead of raising "Too many connections" — redis-py's default
    pool fails at once past its size, which turned a join storm into 4003s."""
    target = parse_cluster_url(url)
    if target is None:
        if pool_size is not None:
            pool = redis_async.BlockingConnectionPool.from_url(
                url, decode_responses=False, max_connections=pool_size, timeout=pool_wait_s,
                **kwargs,
            )  # fmt: skip
            return Redis(connection_pool=pool)
        client: Redis = redis_async.from_url(url, decode_responses=False, **kwargs)
        return client
    # A cluster client keeps a pool per node with no cap by default
    # (redis-py's RedisCluster has no blocking pool): ``pool_size`` is left
    # to the standalone client.
    return RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in target.seeds],
        decode_responses=False,
        # Coverage is ours to report (bus.py: not ready while a slot is
        # uncovered), not a reason for the client to refuse every command.
        require_full_coverage=False,
        # On MOVED, patch the slot map (never "close every connection and
        # start over", which redis-py does every 5th MOVED by default and
        # which fails the commands in flight on every other shard).
        reinitialize_steps=0,
        **target.node_kwargs(),
        **kwargs,
    )


def connect_sync(url: str, **kwargs: Any) -> SyncClient:
    """The blocking twin of :func:`connect`, for command-line tools."""
    target = parse_cluster_url(url)
    if target is None:
        return redis_sync.Redis.from_url(url, **kwargs)
    return cluster_sync.RedisCluster(
        startup_nodes=[cluster_sync.ClusterNode(host, port) for host, port in target.seeds],  # type: ignore[no-untyped-call]
        require_full_coverage=False,
        **target.node_kwargs(),
        **kwargs,
    )


def server_client(target: ClusterUrl, host: str, port: int, **kwargs: Any) -> Redis:
    """A plain client of one node of the cluster (pub/sub per shard)."""
    return Redis(host=host, port=port, decode_responses=False, **target.node_kwargs(), **kwargs)


async def command(client: Redis, *args: Any) -> Any:
    """A raw command (redis-py leaves ``execute_command`` untyped)."""
    return await client.execute_command(*args)  # type: ignore[no-untyped-call]


def _seed_clients(url: str) -> list[tuple[str, Redis]]:
    """One plain client per seed (cluster URL) or the URL's server."""
    target = parse_cluster_url(url)
    timeouts = {"socket_connect_timeout": 3, "socket_timeout": 5}
    if target is None:
        return [(url, redis_async.from_url(url, **timeouts))]
    return [
        (f"{host}:{port}", server_client(target, host, port, **timeouts))
        for host, port in target.seeds
    ]


async def _cluster_enabled(client: Redis) -> bool | None:
    """Whether the server runs in cluster mode (None: not allowed to ask)."""
    try:
        await command(client, "CLUSTER", "MYID")
    except NoPermissionError:
        return None
    except ResponseError as exc:
        if "cluster support disabled" in str(exc).lower() or "cluster mode" in str(exc).lower():
            return False
        raise
    return True


async def check_mode(url: str) -> str | None:
    """None when the URL's kind matches the server; else a sentence saying
    what is wrong and what to use. Raises RedisError/OSError when no server
    of the URL answers at all (the caller reports "cannot reach")."""
    cluster = is_cluster_url(url)
    last: Exception | None = None
    for where, client in _seed_clients(url):
        try:
            enabled = await _cluster_enabled(client)
        except (RedisError, OSError) as exc:
            last = exc
            continue
        finally:
            await client.aclose()
        if enabled is None:  # an ACL without CLUSTER: redis-py finds out later
            return None
        if cluster and not enabled:
            return (
                f"{where} is a standalone Redis/Valkey (not in cluster mode), but the URL "
                f"is a cluster URL: use redis://{where}"
            )
        if not cluster and enabled:
            return (
                f"{where} is a node of a Redis/Valkey Cluster, but the URL is for one "
                f"server: use redis+cluster://HOST:PORT[,HOST:PORT…] (every board would "
                f"otherwise fail with MOVED on the shards this node does not own)"
            )
        if cluster:
            return await _cluster_down(where, url)
        return None
    assert last is not None
    raise last


async def _cluster_down(where: str, url: str) -> str | None:
    """A sentence when the cluster refuses every command (``cluster_state:
    fail``: a slot without a master while ``cluster-require-full-coverage``
    is on, or no majority of masters), else None."""
    for _where, client in _seed_clients(url):
        try:
            raw = await command(client, "CLUSTER", "INFO")
        except (RedisError, OSError):
            continue
        finally:
            await client.aclose()
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        info = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if info.get("cluster_state", "ok").strip() == "ok":
            return None
        ok = int(info.get("cluster_slots_ok", "0").strip() or 0)
        return (
            f"the cluster of {where} is down (cluster_state:fail; {ok} of 16384 hash "
            f"slots served): every slot needs a reachable master"
        )
    return None


async def cluster_slots(client: Redis) -> list[tuple[int, int, str, int]]:
    """``CLUSTER SLOTS`` as (first, last, master host, master port) rows."""
    rows = cast(list[list[Any]], await command(client, "CLUSTER", "SLOTS"))
    result = []
    for row in rows:
        first, last, master = int(row[0]), int(row[1]), row[2]
        host = master[0].decode() if isinstance(master[0], bytes) else str(master[0])
        result.append((first, last, host, int(master[1])))
    return result
