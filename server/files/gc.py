"""``prikbord admin gc``: collect the files no card references any more, on
every board (running nodes do it for the boards they hold, every
``PRIKBORD_FILES_GC_INTERVAL_S``; this covers the boards no node holds), and
delete stored bytes that no board references at all.

Safe while servers run: each step is the same conditional Redis script the
nodes use (server/files/service.py, ``Files.collect``), and a file is only
dropped once it stayed unreferenced ``files_gc_confirm_s`` across passes —
so this command marks on its first run and drops on a later one, exactly
like a node's timer.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
from pathlib import Path
from typing import cast

from redis.exceptions import RedisError

from server.config import Settings
from server.engine.client import connect
from server.engine.keys import BOARDS_KEY
from server.engine.state import read_state
from server.engine.store import BoardNotFound, Store
from server.files.service import Files, GcReport


async def collect_all(settings: Settings, *, orphans: bool = True) -> tuple[int, GcReport, int]:
    """One pass over every board; returns (boards, totals, orphan blobs deleted)."""
    redis = connect(settings.redis_url, pool_size=4, pool_wait_s=5.0)
    files = Files(settings, redis)
    store = Store(redis, dedupe_window=settings.dedupe_window, log_retain=settings.log_retain)
    total = GcReport()
    boards = sorted(b.decode() for b in cast(set[bytes], await redis.smembers(BOARDS_KEY)))
    try:
        for board in boards:
            try:
                state = await read_state(store, board)
            except BoardNotFound:
                state = None  # deleted: all its files go
            got = await files.collect(board, state)
            total = GcReport(
                total.marked + got.marked,
                total.dropped + got.dropped,
                total.blobs_deleted + got.blobs_deleted,
            )
        swept = await files.sweep_orphans() if orphans else 0
        await files.sweep_uploads()
    finally:
        await files.aclose()
        await redis.aclose()
    return len(boards), total, swept


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="prikbord admin gc", description=__doc__)
    p.add_argument("--redis-url", default=os.environ.get("PRIKBORD_REDIS_URL", ""))
    p.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("PRIKBORD_DATA", "data")),
        help="the servers' data directory (its files/ holds the stored files)",
    )
    args = p.parse_args(argv)
    if not args.redis_url:
        print("prikbord admin gc: give --redis-url (or PRIKBORD_REDIS_URL)", file=sys.stderr)
        return 2
    settings = dataclasses.replace(
        Settings.from_env(), redis_url=args.redis_url, data_dir=args.data
    )
    try:
        boards, report, swept = asyncio.run(collect_all(settings))
    except (RedisError, OSError) as exc:
        print(f"prikbord admin gc: {exc}", file=sys.stderr)
        return 3
    print(
        f"{boards} boards: {report.marked} files marked unreferenced, {report.dropped} dropped, "
        f"{report.blobs_deleted + swept} stored files deleted"
    )
    return 0
