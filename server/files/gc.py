"""Collecting files of the boards no node holds, and of deleted boards:
``prikbord admin gc`` and the nodes' cold pass.

Each node collects the boards it holds every ``PRIKBORD_FILES_GC_INTERVAL_S``
from their live replicas (``Node._files_gc``). The rest — boards no node
holds, and boards deleted while their files stayed registered — is the
**cold pass** here: every board's state read from Redis, then each stored
file's holders checked (a holder whose board is gone gives its files up),
then stored bytes no board references at all deleted. Every interval one
node runs it: it claims ``COLD_CLAIM_KEY`` with ``SET NX`` first (the claim
expires before the next interval), so several nodes do not all read every
board. ``prikbord admin gc`` runs the same pass without a claim.

Safe while servers run: each step is the same conditional Redis script the
nodes use (server/files/service.py, ``Files.collect``), and a file is only
dropped once it stayed unreferenced ``files_gc_confirm_s`` across passes —
so a pass marks, and a later one drops, exactly like a node's timer.
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
from server.engine.keys import BOARDS_KEY, board_keys
from server.engine.state import read_state
from server.engine.store import BoardNotFound, Store
from server.files.service import Files, GcReport

#: Claimed (SET NX) by the node that runs the cold pass of an interval.
COLD_CLAIM_KEY = "prikbord:files:gc:cold"
#: The claim lasts this share of the interval: the other nodes' timers,
#: which fire within the same interval, find it taken; by the claiming
#: node's next tick it has expired, so one node runs the pass per interval
#: (not always the same one: whichever fires first).
COLD_CLAIM_SHARE = 0.9


def _add(a: GcReport, b: GcReport) -> GcReport:
    return GcReport(a.marked + b.marked, a.dropped + b.dropped, a.blobs_deleted + b.blobs_deleted)


async def collect_boards(files: Files, store: Store, boards: list[str]) -> GcReport:
    """One pass over ``boards``, each read from Redis (a board gone since
    the list was read gives up all its files)."""
    total = GcReport()
    for board in boards:
        try:
            state = await read_state(store, board)
        except BoardNotFound:
            state = None
        total = _add(total, await files.collect(board, state))
    return total


async def collect_deleted(files: Files, store: Store) -> GcReport:
    """Deleted boards keep their file registry and their hold on the bytes
    (the delete removes the board's own keys and list entries); each stored
    file's holders are checked, and a holder whose board has no meta any
    more is collected as gone."""
    total = GcReport()
    seen: set[str] = set()
    async for key in files.store.keys():
        if key.endswith(".thumb"):
            continue
        for board in await files.registry.refs(key):
            if not board or board in seen:
                continue
            seen.add(board)
            if not await store.redis.exists(board_keys(board).meta):
                total = _add(total, await files.collect(board, None))
    return total


async def collect_cold(files: Files, store: Store, *, held: set[str] | None = None) -> GcReport:
    """The cold pass: every board but ``held`` (those a node collects from
    its live replica), then deleted boards, then stored bytes nobody holds."""
    boards = sorted(b.decode() for b in cast(set[bytes], await store.redis.smembers(BOARDS_KEY)))
    total = await collect_boards(files, store, [b for b in boards if b not in (held or set())])
    total = _add(total, await collect_deleted(files, store))
    swept = await files.sweep_orphans()
    return _add(total, GcReport(blobs_deleted=swept))


async def claim_cold(store: Store, interval_s: float) -> bool:
    """Claim this interval's cold pass: True for one node per interval."""
    ttl_ms = max(1, int(interval_s * 1000 * COLD_CLAIM_SHARE))
    return bool(await store.redis.set(COLD_CLAIM_KEY, "1", nx=True, px=ttl_ms))


async def collect_all(settings: Settings) -> tuple[int, GcReport]:
    """``prikbord admin gc``: the cold pass over every board (no claim);
    returns (boards, totals)."""
    redis = connect(settings.redis_url, pool_size=4, pool_wait_s=5.0)
    files = Files(settings, redis)
    store = Store(redis, dedupe_window=settings.dedupe_window, log_retain=settings.log_retain)
    try:
        boards = int(await redis.scard(BOARDS_KEY))
        total = await collect_cold(files, store)
        await files.sweep_uploads()
    finally:
        await files.aclose()
        await redis.aclose()
    return boards, total


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
        boards, report = asyncio.run(collect_all(settings))
    except (RedisError, OSError) as exc:
        print(f"prikbord admin gc: {exc}", file=sys.stderr)
        return 3
    print(
        f"{boards} boards: {report.marked} files marked unreferenced, {report.dropped} dropped, "
        f"{report.blobs_deleted} stored files deleted"
    )
    return 0
