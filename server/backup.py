"""``prikbord admin backup FILE`` (or ``prikbord backup FILE``) /
``prikbord admin restore FILE``: every board to one file and back.
(``prikbord restore`` is the client command that lets a removed participant
back onto a board.)

What a board is, durably: its meta hash (epoch, log head, title, owner,
link generations and expiries, access code, short code, …), its snapshot,
its log and its exactly-once window (op ids and their times). Presence,
connection slots and rate buckets are ephemeral and left out. Beside the
board's own keys: its short code (``/j/<CODE>``), its place in the board
list and in its owner's list of boards. Accounts themselves are not boards
and are not in the file.

The backup reads each board in one script (``dump.lua``): a consistent cut
of that board whatever nodes append meanwhile (boards are independent; the
file is not one instant across boards). The file is a msgpack stream: a
header, then one record per board, so neither side holds every board in
memory at once; it is written to a temporary name and renamed when done.

The restore writes each board's snapshot, log and op ids beside it under
staging keys, then puts them in place in one script (``restore.lua``) with
a **new epoch** (SPEC §3): the file may lack events clients saw after it was
made, so their resumes get a snapshot, and nodes holding the board reload
it. A board that exists is left alone unless ``--replace``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO, Any, cast

import msgpack
import redis

from server.accounts.keys import account_boards
from server.config import Settings
from server.engine.client import SyncClient, UrlError, connect_sync
from server.engine.keys import BOARDS_KEY, EPOCH_CHANGED, board_keys, short_key
from server.files import backup as files

FORMAT = "prikbord-backup"
#: The file format's version; a restore refuses files of a newer one.
#: 2: board records carry their file registry and ``blob`` records follow
#: the boards (issue 13); version 1 files restore as before.
FORMAT_VERSION = 2
#: Log entries / op ids per staging round trip: big boards restore in a few
#: dozen commands, none of them large.
_CHUNK = 500

EXIT_USAGE, EXIT_STORAGE, EXIT_FILE = 2, 3, 4


class BackupError(Exception):
    """The file is not a backup this version can restore."""


@dataclass(slots=True)
class BoardRecord:
    """One board as the file keeps it (bytes as stored in Redis)."""

    board: str
    meta: dict[bytes, bytes]
    snapshot: dict[bytes, bytes]
    #: (stream id, flat field/value list) per log entry, in order
    log: list[tuple[bytes, list[bytes]]]
    ops: list[tuple[bytes, float]]
    op_times: list[tuple[bytes, float]]
    #: The board's file registry (server/files/registry.py), as stored.
    files: dict[bytes, bytes] = field(default_factory=dict)

    def to_file(self) -> dict[str, Any]:
        return {
            "board": self.board, "meta": self.meta, "snapshot": self.snapshot,
            "log": [[entry_id, fields] for entry_id, fields in self.log],
            "ops": [[m, s] for m, s in self.ops],
            "op_times": [[m, s] for m, s in self.op_times],
            "files": self.files,
        }  # fmt: skip

    @classmethod
    def from_file(cls, obj: dict[str, Any]) -> BoardRecord:
        return cls(
            board=str(obj["board"]), meta=dict(obj["meta"]), snapshot=dict(obj["snapshot"]),
            log=[(bytes(i), [bytes(f) for f in fs]) for i, fs in obj["log"]],
            ops=[(bytes(m), float(s)) for m, s in obj["ops"]],
            op_times=[(bytes(m), float(s)) for m, s in obj["op_times"]],
            files={bytes(k): bytes(v) for k, v in obj.get("files", {}).items()},
        )  # fmt: skip


@dataclass(slots=True)
class RestoreReport:
    restored: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: Stored files written back, and those refused (bytes not their id).
    files: int = 0
    bad_files: int = 0


def _script(client: SyncClient, name: str) -> Any:
    text = resources.files("server.engine").joinpath(name).read_text(encoding="utf-8")
    return client.register_script(text)


def _pairs(flat: list[bytes]) -> list[tuple[bytes, bytes]]:
    return list(zip(flat[::2], flat[1::2], strict=True))


def read_board(client: SyncClient, dump: Any, board: str) -> BoardRecord | None:
    """The board's durable keys, in one step; None when it is gone."""
    k = board_keys(board)
    meta, snap, log, ops, times = dump(keys=[k.meta, k.snap, k.log, k.ops, k.ops_times])
    if not meta:
        return None
    return BoardRecord(
        board=board,
        meta=dict(_pairs(meta)),
        snapshot=dict(_pairs(snap)),
        log=[(bytes(entry_id), list(fields)) for entry_id, fields in log],
        ops=[(m, float(s)) for m, s in _pairs(ops)],
        op_times=[(m, float(s)) for m, s in _pairs(times)],
        files=files.registry_of(client, board),
    )


def backup(client: SyncClient, path: Path, blobs: files.SyncBlobs | None = None) -> int:
    """Write every board to ``path``, then (with ``blobs``) every stored
    file the boards reference; returns how many boards."""
    dump = _script(client, "dump.lua")
    boards = sorted(b.decode() for b in cast(set[bytes], client.smembers(BOARDS_KEY)))
    tmp = path.with_name(path.name + ".partial")
    written = 0
    file_ids: set[str] = set()
    with tmp.open("wb") as out:
        packer = msgpack.Packer(use_bin_type=True)
        header = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_ms": int(time.time() * 1000),
        }
        out.write(packer.pack(header))
        for board in boards:
            record = read_board(client, dump, board)
            if record is not None:  # deleted since the list was read
                out.write(packer.pack(record.to_file()))
                written += 1
                file_ids.update(k.decode() for k in record.files)
        if blobs is not None:
            for blob in files.blob_records(blobs, file_ids):
                out.write(packer.pack(blob))
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)
    return written


def read_file(
    f: IO[bytes], on_blob: Callable[[dict[str, Any]], None] | None = None
) -> Iterator[BoardRecord]:
    """The records of a backup file, checking its header first; stored
    files' records go to ``on_blob`` (left out without one)."""
    unpacker = msgpack.Unpacker(f, raw=False, strict_map_key=False, max_buffer_size=2**31 - 1)
    try:
        header = next(unpacker)
    except (StopIteration, ValueError, msgpack.UnpackException) as exc:
        raise BackupError("not a Prikbord backup (no header)") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("not a Prikbord backup")
    if int(header.get("version", 0)) > FORMAT_VERSION:
        raise BackupError(f"backup format {header['version']} is newer than this release reads")
    try:
        for obj in unpacker:
            if isinstance(obj, dict) and "blob" in obj:
                if on_blob is not None:
                    on_blob(obj)
                continue
            yield BoardRecord.from_file(obj)
    except (ValueError, KeyError, TypeError, msgpack.UnpackException) as exc:
        raise BackupError(f"damaged backup: {exc}") from exc


def restore_board(client: SyncClient, commit: Any, record: BoardRecord) -> str:
    """Put one board in place with a new epoch; returns the epoch."""
    k = board_keys(record.board)
    stage = [f"{{b:{record.board}}}:restore:{part}" for part in ("snap", "log", "ops", "opst")]
    client.delete(*stage)
    if record.snapshot:
        client.hset(stage[0], mapping=record.snapshot)  # type: ignore[arg-type]
    for i in range(0, len(record.log), _CHUNK):
        pipe = client.pipeline(transaction=False)
        for entry_id, fields in record.log[i : i + _CHUNK]:
            pipe.xadd(stage[1], dict(_pairs(fields)), id=entry_id)
        pipe.execute()
    for target, entries in ((stage[2], record.ops), (stage[3], record.op_times)):
        for i in range(0, len(entries), _CHUNK):
            client.zadd(target, dict(entries[i : i + _CHUNK]))
    epoch = secrets.token_hex(8)
    meta = [v for pair in record.meta.items() for v in pair]
    commit(
        keys=[k.meta, k.snap, k.log, k.ops, k.ops_times, *stage],
        args=[epoch, k.presence_changed, EPOCH_CHANGED, *meta],
    )
    # Beside the board's keys (on a cluster, other shards): the board list,
    # its short code and its owner's list.
    client.sadd(BOARDS_KEY, record.board)
    short = record.meta.get(b"short")
    if short:
        client.set(short_key(short.decode()), record.board)
    owner = record.meta.get(b"owner")
    if owner:
        created = int(record.meta.get(b"created", b"0") or 0)
        client.zadd(account_boards(owner.decode()), {record.board: created})
    files.restore_registry(client, record.board, record.files)
    return epoch


def restore(
    client: SyncClient, f: IO[bytes], *, replace: bool, blobs: files.SyncBlobs | None = None
) -> RestoreReport:
    """Every board of the file; existing boards only with ``replace``;
    stored files into ``blobs`` (None: left out)."""
    commit = _script(client, "restore.lua")
    report = RestoreReport()

    def on_blob(obj: dict[str, Any]) -> None:
        if blobs is None:
            return
        if files.restore_blob(blobs, obj):
            report.files += 1
        else:
            report.bad_files += 1

    for record in read_file(f, on_blob):
        if not replace and client.exists(board_keys(record.board).meta):
            report.skipped.append(record.board)
            continue
        restore_board(client, commit, record)
        report.restored.append(record.board)
    return report


def _parser(command: str) -> argparse.ArgumentParser:
    what = {"backup": "write every board to FILE", "restore": "put the boards of FILE back"}
    p = argparse.ArgumentParser(prog=f"prikbord admin {command}", description=what[command])
    p.add_argument("file", type=Path)
    p.add_argument(
        "--redis-url", default=os.environ.get("PRIKBORD_REDIS_URL", ""),
        help="the Redis/Valkey the servers use (embedded: unix://DATA/valkey.sock)",
    )  # fmt: skip
    if command == "restore":
        p.add_argument("--replace", action="store_true",
                       help="also restore boards that exist (the file's content wins)")  # fmt: skip
    p.add_argument(
        "--data", type=Path, default=Path(os.environ.get("PRIKBORD_DATA", "data")),
        help="the servers' data directory (its files/ holds the stored files; "
        "PRIKBORD_FILES_STORE=s3 and its settings use the object store instead)",
    )  # fmt: skip
    p.add_argument("--no-files", action="store_true",
                   help="boards only, without the photos and files on their cards")  # fmt: skip
    return p


def main(command: str, argv: list[str]) -> int:
    args = _parser(command).parse_args(argv)
    if not args.redis_url:
        print(f"prikbord admin {command}: give --redis-url (or PRIKBORD_REDIS_URL)",
              file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    blobs = None
    if not args.no_files:
        settings = dataclasses.replace(Settings.from_env(), data_dir=args.data)
        blobs = files.SyncBlobs.from_settings(settings)
    try:
        client = connect_sync(args.redis_url)
        if command == "backup":
            n = backup(client, args.file, blobs)
            print(f"wrote {n} boards to {args.file}")
            return 0
        with args.file.open("rb") as f:
            report = restore(client, f, replace=args.replace, blobs=blobs)
    except (redis.RedisError, UrlError) as exc:
        print(f"prikbord admin {command}: Redis/Valkey at {args.redis_url}: {exc}",
              file=sys.stderr)  # fmt: skip
        return EXIT_STORAGE
    except (OSError, BackupError) as exc:
        print(f"prikbord admin {command}: {args.file}: {exc}", file=sys.stderr)
        return EXIT_FILE
    finally:
        if blobs is not None:
            blobs.close()
    print(f"restored {len(report.restored)} boards, each with a new epoch")
    if blobs is not None:
        print(f"restored {report.files} stored files")
    if report.bad_files:
        print(f"refused {report.bad_files} stored files whose bytes do not match their id")
    if report.skipped:
        print(f"left {len(report.skipped)} existing boards alone (--replace restores them too): "
              + " ".join(report.skipped))  # fmt: skip
    return 0
