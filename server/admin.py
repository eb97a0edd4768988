"""``prikbord admin …``: operator commands that act on Redis directly.

One parser lists every operator command (``prikbord admin --help``);
``backup``, ``restore``, ``gc`` and ``files`` live in their own modules, which
parse their own arguments (``prikbord admin backup --help``).

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
from collections.abc import Callable
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


def _backup(argv: list[str]) -> int:
    from server.backup import main as backup_main

    return backup_main("backup", argv)


def _restore(argv: list[str]) -> int:
    from server.backup import main as backup_main

    return backup_main("restore", argv)


def _gc(argv: list[str]) -> int:
    from server.files.gc import main as gc_main

    return gc_main(argv)


def _files(argv: list[str]) -> int:
    if argv[:1] == ["purge-unattached"]:
        from server.files.purge import main as purge_main

        return purge_main(argv[1:])
    from server.files.migrate import main as migrate_main

    return migrate_main(argv)


#: The commands whose modules parse their own arguments: name → (the line
#: ``prikbord admin --help`` shows, the module's entry point).
_OWN_PARSERS: dict[str, tuple[str, Callable[[list[str]], int]]] = {
    "backup": ("write every board, account, hub, saved template and stored file to FILE "
               "(--data DIR or the S3 settings for the files, or --no-files)", _backup),
    "restore": ("put the boards, accounts, hubs, templates and files of a backup FILE back",
                _restore),
    "gc": ("collect stored files no card references (as the nodes' timers do)", _gc),
    "files": ("stored files: 'files migrate --to s3|local' moves them between stores, "
              "'files purge-unattached BOARD' drops a board's unattached uploads", _files),
}  # fmt: skip


def main(argv: list[str]) -> int:
    if argv[:1] and argv[0] in _OWN_PARSERS:
        return _OWN_PARSERS[argv[0]][1](argv[1:])
    parser = argparse.ArgumentParser(prog="prikbord admin", description="Operator commands.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    rotate = sub.add_parser("rotate-epochs", help="new epoch for every board (after a restore)")
    rotate.add_argument(
        "--redis-url",
        default=os.environ.get("PRIKBORD_REDIS_URL", ""),
        help="the Redis/Valkey the servers use (embedded: unix://DATA/valkey.sock)",
    )
    for name, (summary, _run) in _OWN_PARSERS.items():  # listed; dispatched above
        sub.add_parser(name, help=summary, add_help=False)
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
