"""``prikbord admin files migrate --to s3``: move the stored files from the
data directory to the object store (or back, ``--to local``).

Blobs are content-addressed and immutable, so a move is a copy of every key
the target lacks, checked by size, while the servers keep running: run it,
switch the servers to the new store (``PRIKBORD_FILES_STORE``) and restart
them, then run it once more to copy what was uploaded in between, and only
then ``--delete-source``. The board registries in Redis name files by
their content id, which the move does not change, so nothing else moves.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from server.config import Settings
from server.files.s3 import ObjectStoreError, S3Store
from server.files.store import BlobStore, LocalStore

#: Stored files carry no type of their own: the registry in Redis has it,
#: and serving sets the header from there.
_OCTETS = "application/octet-stream"


@dataclass(slots=True)
class MoveReport:
    copied: int = 0
    present: int = 0
    deleted: int = 0
    bytes: int = 0


async def move(
    src: BlobStore, dst: BlobStore, tmp: Path, *, delete_source: bool = False
) -> MoveReport:
    """Copy every blob of ``src`` that ``dst`` lacks, through a temp file in
    ``tmp`` (never a whole file in memory), and check its size there. With
    ``delete_source`` each blob is deleted from ``src`` once ``dst`` holds
    it. Idempotent: after an interruption, run it again."""
    report = MoveReport()
    await asyncio.to_thread(tmp.mkdir, parents=True, exist_ok=True)
    async for key in src.keys():
        size = await src.size(key)
        if size is None:
            continue  # deleted (GC) while we listed
        have = await dst.size(key)
        if have is None:
            copied = await _copy(src, dst, key, tmp / f".migrate-{key}")
            if copied is None:
                continue
            have = await dst.size(key)
            report.copied += 1
            report.bytes += copied
        else:
            report.present += 1
        if have != size:
            raise OSError(f"{key}: {have} bytes in the target, {size} in the source")
        if delete_source:
            await src.delete(key)
            report.deleted += 1
    return report


async def _copy(src: BlobStore, dst: BlobStore, key: str, path: Path) -> int | None:
    chunks = await src.stream(key)
    if chunks is None:
        return None
    n = 0
    try:
        with open(path, "wb") as out:  # noqa: ASYNC230 -- a local temp file, chunk by chunk
            async for chunk in chunks:
                await asyncio.to_thread(out.write, chunk)
                n += len(chunk)
        await dst.put_path(key, path, "image/webp" if key.endswith(".thumb") else _OCTETS)
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)
    return n


def _stores(settings: Settings, data: Path, to: str) -> tuple[BlobStore, BlobStore, S3Store]:
    local = LocalStore(data / "files")
    s3 = S3Store.from_settings(settings)
    return (local, s3, s3) if to == "s3" else (s3, local, s3)


async def _run(settings: Settings, data: Path, to: str, delete_source: bool) -> MoveReport:
    src, dst, s3 = _stores(settings, data, to)
    try:
        await s3.check()
        return await move(src, dst, data / "uploads", delete_source=delete_source)
    finally:
        await s3.aclose()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="prikbord admin files",
        description="Move stored files between the data directory and an S3-compatible store "
        "(settings from PRIKBORD_FILES_S3_*, as the servers read them).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    mig = sub.add_parser("migrate", help="copy every stored file to the other store")
    mig.add_argument("--to", choices=("s3", "local"), required=True)
    mig.add_argument("--data", type=Path, default=Path(os.environ.get("PRIKBORD_DATA", "data")),
                     help="the data directory (its files/ is the local store)")  # fmt: skip
    mig.add_argument("--delete-source", action="store_true",
                     help="delete each file from the old store once copied")  # fmt: skip
    args = parser.parse_args(argv)
    settings = dataclasses.replace(Settings.from_env(), data_dir=args.data)
    if not settings.files_s3_bucket:
        print("prikbord admin files: set PRIKBORD_FILES_S3_BUCKET (and the other "
              "PRIKBORD_FILES_S3_* settings) as for the servers", file=sys.stderr)  # fmt: skip
        return 2
    try:
        report = asyncio.run(_run(settings, args.data, args.to, args.delete_source))
    except (ObjectStoreError, OSError, ValueError) as exc:
        print(f"prikbord admin files: {exc}", file=sys.stderr)
        return 3
    where = "S3" if args.to == "s3" else str(args.data / "files")
    print(
        f"copied {report.copied} files ({report.bytes} bytes) to {where}; "
        f"{report.present} were there already; deleted {report.deleted} from the source"
    )
    return 0
