"""``prikbord admin …``: operator commands that act on Redis directly.

``rotate-epochs`` gives every board a new epoch. Run it after restoring Redis
from a backup: clients that saw events newer than the backup would otherwise
resume on top of a log that has since diverged. With a new epoch every client
gets a fresh snapshot instead (SPEC §3, Resume).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from typing import cast

import redis

from server.engine.client import connect_sync
from server.engine.keys import BOARDS_KEY, EPOCH_CHANGED, board_keys


def rotate_epochs(url: str) -> int:
    """Set a new epoch on every board; returns how many boards changed."""
    client = connect_sync(url)  # one server or a cluster (redis+cluster://)
    boards = cast(set[bytes], client.smembers(BOARDS_KEY))
    changed = 0
    for raw in sorted(boards):
        keys = board_keys(raw.decode())
        if client.exists(keys.meta):
            client.hset(keys.meta, "epoch", secrets.token_hex(8))
            client.spublish(keys.presence_changed, EPOCH_CHANGED)
            changed += 1
    client.close()
    return changed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="prikbord admin")
    sub = parser.add_subparsers(dest="command", required=True)
    rotate = sub.add_parser("rotate-epochs", help="new epoch for every board (after a restore)")
    rotate.add_argument(
        "--redis-url",
        default=os.environ.get("PRIKBORD_REDIS_URL", ""),
        help="the Redis/Valkey the servers use (embedded: unix://DATA/valkey.sock)",
    )
    args = parser.parse_args(argv)
    if not args.redis_url:
        print("prikbord admin: give --redis-url (or PRIKBORD_REDIS_URL)", file=sys.stderr)
        return 2
    try:
        changed = rotate_epochs(args.redis_url)
    except redis.RedisError as exc:
        print(
            f"prikbord admin: cannot reach Redis/Valkey at {args.redis_url}: {exc}", file=sys.stderr
        )
        return 3
    print(f"rotated the epoch of {changed} boards; connected clients resync on their next resume")
    return 0
