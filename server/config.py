"""Server settings: one frozen object, read from the environment.

``prikbord serve`` turns its flags into these environment variables so that
every uvicorn worker process (``--workers N``) reads the same settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from protocol import limits

ENV_PREFIX = "PRIKBORD_"


@dataclass(frozen=True, slots=True)
class Settings:
    #: None: the embedded Valkey started by ``prikbord serve`` (its URL is
    #: passed down as ``redis_url`` by the CLI before workers start).
    redis_url: str = "redis://127.0.0.1:6379/0"
    data_dir: Path = Path("data")
    #: Base URL for links handed out (``POST /api/boards``); empty = from the
    #: request's own Host header.
    public_url: str = ""
    #: Signing secret for links and identities; empty = shared via Redis
    #: (created once, read by every node).
    secret: str = ""
    allowed_origins: tuple[str, ...] = ()
    #: Events queued for one connection before it counts as a slow consumer.
    #: 2,048 events ≈ 20 s of a very busy brainstorm: a healthy client never
    #: gets near it; a stalled one is cut off before it costs real memory.
    send_queue_max: int = 2048
    #: Take a snapshot every N events; joins then replay at most N events.
    snapshot_every: int = 1000
    #: Events kept in the log behind the newest snapshot, for resumes.
    log_retain: int = 10_000
    #: The exactly-once window (SPEC §6): an op id is remembered for its
    #: board's next 10,000 events (as far back as a resume reaches: the log
    #: keeps ``log_retain`` events) and at least 24 hours, so a laptop closed
    #: overnight with an op in flight still resends it safely. Memory: ~0.9 MB
    #: per board at the count bound (README, "Redis memory per board"); an
    #: idle board's window expires entirely after ``dedupe_ms``.
    dedupe_window: int = 10_000
    dedupe_ms: int = 24 * 3600 * 1000
    #: Per-connection op rate limit (SPEC §4); raise it for load tests only.
    ops_per_second: float = limits.OPS_PER_SECOND
    ops_burst: int = limits.OPS_BURST
    heartbeat_ms: int = 15_000
    #: A socket that sends no ``hello`` within this time is closed (4004):
    #: half-open sockets must not hold server memory.
    hello_timeout_s: float = 10.0
    #: Presence entries expire this long after their node stopped refreshing
    #: them: long enough to ride out a redeploy without leave/join floods.
    #: Nodes refresh every third of it and sweep expired entries as they go.
    presence_ttl_ms: int = 45_000
    #: Keep a board's state in memory this long after its last local viewer
    #: left, so a reconnect storm does not reload it from Redis.
    hub_linger_s: float = 30.0
    #: Open board creation (``POST /api/boards``) to anyone who reaches the
    #: server; hub deployments sit behind their own network.
    open_board_creation: bool = True
    node_name: str = field(default_factory=lambda: f"{os.uname().nodename}-{os.getpid()}")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)

        def get(name: str, default: str) -> str:
            return e.get(ENV_PREFIX + name, default)

        base = cls()
        origins = tuple(o.strip() for o in get("ALLOWED_ORIGINS", "").split(",") if o.strip())
        return cls(
            redis_url=get("REDIS_URL", base.redis_url),
            data_dir=Path(get("DATA", str(base.data_dir))),
            public_url=get("PUBLIC_URL", base.public_url).rstrip("/"),
            secret=get("SECRET", base.secret),
            allowed_origins=origins,
            send_queue_max=int(get("SEND_QUEUE_MAX", str(base.send_queue_max))),
            snapshot_every=int(get("SNAPSHOT_EVERY", str(base.snapshot_every))),
            log_retain=int(get("LOG_RETAIN", str(base.log_retain))),
            dedupe_window=int(get("DEDUPE_WINDOW", str(base.dedupe_window))),
            dedupe_ms=int(get("DEDUPE_MS", str(base.dedupe_ms))),
            ops_per_second=float(get("OPS_PER_SECOND", str(base.ops_per_second))),
            ops_burst=int(get("OPS_BURST", str(base.ops_burst))),
            heartbeat_ms=int(get("HEARTBEAT_MS", str(base.heartbeat_ms))),
            hello_timeout_s=float(get("HELLO_TIMEOUT_S", str(base.hello_timeout_s))),
            presence_ttl_ms=int(get("PRESENCE_TTL_MS", str(base.presence_ttl_ms))),
            hub_linger_s=float(get("HUB_LINGER_S", str(base.hub_linger_s))),
            open_board_creation=get("OPEN_BOARD_CREATION", "1") not in ("0", "false", "no"),
            node_name=get("NODE_NAME", base.node_name),
        )
