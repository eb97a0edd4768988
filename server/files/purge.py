"""``prikbord admin files purge-unattached BOARD``: drop at once every file
of a board that no live card shows — uploads a participant link left
unattached (up to the per-device and per-network caps) would otherwise
stay until the grace period ends. The same as the facilitator link's
``DELETE /api/boards/<board>/files/unattached``, for an operator who has
no link at hand. A file attached in the moment it runs may lose its bytes
(the op check refuses the attach once it is gone); the collector's confirm
window is for the automatic pass, this is a deliberate one.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
from pathlib import Path

from redis.exceptions import RedisError

from server.config import Settings
from server.engine.client import connect
from server.engine.state import read_state
from server.engine.store import BoardNotFound, Store
from server.files.service import Files


async def purge(settings: Settings, board: str) -> tuple[int, int]:
    """(files dropped, bytes freed) on ``board``; raises BoardNotFound."""
    redis = connect(settings.redis_url, pool_size=4, pool_wait_s=5.0)
    files = Files(settings, redis)
    store = Store(redis, dedupe_window=settings.dedupe_window, log_retain=settings.log_retain)
    try:
        state = await read_state(store, board)
        return await files.purge_unattached(board, state)
    finally:
        await files.aclose()
        await redis.aclose()


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="prikbord admin files purge-unattached",
        description="Drop every file of BOARD that no card shows (unattached uploads).",
    )
    p.add_argument("board", help="the board's id")
    p.add_argument("--redis-url", default=os.environ.get("PRIKBORD_REDIS_URL", ""))
    p.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("PRIKBORD_DATA", "data")),
        help="the servers' data directory (its files/ holds the stored files)",
    )
    args = p.parse_args(argv)
    if not args.redis_url:
        print(
            "prikbord admin files purge-unattached: give --redis-url (or PRIKBORD_REDIS_URL)",
            file=sys.stderr,
        )
        return 2
    settings = dataclasses.replace(
        Settings.from_env(), redis_url=args.redis_url, data_dir=args.data
    )
    try:
        dropped, freed = asyncio.run(purge(settings, args.board))
    except BoardNotFound:
        print(f"prikbord admin files purge-unattached: no board {args.board}", file=sys.stderr)
        return 4
    except (RedisError, OSError) as exc:
        print(f"prikbord admin files purge-unattached: {exc}", file=sys.stderr)
        return 3
    print(f"board {args.board}: dropped {dropped} unattached files ({freed} bytes)")
    return 0
