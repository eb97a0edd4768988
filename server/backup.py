"""``prikbord admin backup FILE`` (or ``prikbord backup FILE``) /
``prikbord admin restore FILE``: what a hub server holds, to one file and
back. (``prikbord restore`` is the client command that lets a removed
participant back onto a board.)

What a board is, durably: its meta hash (epoch, log head, title, owner,
archived flag, link generations and expiries, access code, short code, …),
its snapshot, its log and its exactly-once window (op ids and their times).
Presence, connection slots and rate buckets are ephemeral and left out.
Beside the board's own keys: its short code (``/j/<CODE>``), its place in
the board list and in its owner's list of boards.

Beside the boards (format 3): the accounts with their password hashes but
never their login sessions (``server/accounts/backup.py``), the hubs with
their agenda, visit requests, screen link generation and board index
(``server/hubs/backup.py``), the saved templates
(``server/library/backup.py``), and the stored files the boards reference
(``server/files/backup.py``). Each of those modules says what it writes
through which of its store's scripts, and why.

The backup reads each board in one script (``dump.lua``), each hub in one
script: a consistent cut of each, whatever nodes write meanwhile (they are
independent; the file is not one instant across them). The file is a
msgpack stream: a header, then one record per account, hub, template,
board and stored file, then an ``end`` record with the counts — so neither
side holds everything in memory at once, and a cut-off file is told from a
whole one. It is written to a temporary name and renamed when done.

The restore reads the whole file once and checks every record before it
writes anything: a damaged, cut-off or newer file restores nothing. Then,
for each board, it writes its snapshot, log and op ids beside it under
staging keys and puts them in place in one script (``restore.lua``) with
a **new epoch** (SPEC §3): the file may lack events clients saw after it
was made, so their resumes get a snapshot, and nodes holding the board
reload it. A board, account, hub or template that exists is left alone
unless ``--replace``. (Storage failing halfway through the writes leaves
the records written so far: each board whole or not at all.)
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import msgpack
import redis

from server.accounts import backup as accounts
from server.backup_boards import BoardRecord, read_board, restore_board, script
from server.config import Settings
from server.engine.client import SyncClient, UrlError, connect_sync
from server.engine.keys import BOARDS_KEY, board_keys
from server.files import backup as files
from server.hubs import backup as hubs
from server.library import backup as library

FORMAT = "prikbord-backup"
#: The file format's version; a restore refuses files of a newer one.
#: 2: board records carry their file registry and ``blob`` records follow
#: the boards (issue 13); version 1 files restore as before.
#: 3: ``account``, ``hub`` and ``template`` records come first, and an
#: ``end`` record closes the file (so a cut-off file is refused whole).
FORMAT_VERSION = 3

EXIT_USAGE, EXIT_STORAGE, EXIT_FILE = 2, 3, 4
#: A backup refused because the file store lacks files the boards reference.
EXIT_MISSING_FILES = 5
#: A backup file is readable by its owner only (like the data directory's
#: secret): password hashes and private boards are in it.
_FILE_MODE = 0o600


class BackupError(Exception):
    """The file is not a backup this version can restore."""


class MissingFiles(Exception):
    """The boards reference stored files the file store does not have: a
    backup without them would look whole and lack the photos on the cards
    (typically the store was not pointed at: no ``--data``). Nothing is
    written."""

    def __init__(self, missing: int, total: int) -> None:
        super().__init__(f"{missing} of {total} stored files the boards reference are missing")
        self.missing = missing
        self.total = total


@dataclass(slots=True)
class RestoreReport:
    restored: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: Stored files written back, and those refused (bytes not their id).
    files: int = 0
    bad_files: int = 0
    #: Accounts, hubs and saved templates written, and those left alone
    #: because they exist (without ``--replace``).
    accounts: int = 0
    hubs: int = 0
    activities: int = 0
    templates: int = 0
    kept: list[str] = field(default_factory=list)


#: A record of the file, once checked.
Record = (
    BoardRecord | accounts.AccountRecord | hubs.HubRecord | library.TemplateRecord | dict[str, Any]
)


def backup(client: SyncClient, path: Path, blobs: files.SyncBlobs | None = None) -> dict[str, int]:
    """Write the accounts, hubs, saved templates and every board to
    ``path``, then (with ``blobs``) every stored file the boards reference;
    returns how many of each. Raises :class:`MissingFiles` (and leaves no
    file) when ``blobs`` lacks a file a board references."""
    dump = script(client, "dump.lua")
    boards = sorted(b.decode() for b in cast(set[bytes], client.smembers(BOARDS_KEY)))
    tmp = path.with_name(path.name + ".partial")
    counts = {"accounts": 0, "hubs": 0, "templates": 0, "boards": 0, "files": 0}
    file_ids: set[str] = set()
    # Only the server's user may read it: it holds the accounts' password
    # hashes and everything on every board.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _FILE_MODE)
    os.fchmod(fd, _FILE_MODE)  # a .partial left by an earlier run keeps its mode
    with os.fdopen(fd, "wb") as out:
        packer = msgpack.Packer(use_bin_type=True)
        header = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_ms": int(time.time() * 1000),
        }
        out.write(packer.pack(header))
        scopes: list[str] = []
        for account in accounts.dump(client):
            out.write(packer.pack(account.to_file()))
            counts["accounts"] += 1
            scopes.append(f"user:{account.username}")
        for hub in hubs.dump(client):
            out.write(packer.pack(hub.to_file()))
            counts["hubs"] += 1
            scopes.append(f"hub:{hub.slug}")
        for template in library.dump(client, scopes):
            out.write(packer.pack(template.to_file()))
            counts["templates"] += 1
        for board in boards:
            record = read_board(client, dump, board)
            if record is not None:  # deleted since the list was read
                out.write(packer.pack(record.to_file()))
                counts["boards"] += 1
                file_ids.update(k.decode() for k in record.files)
        missing: list[str] = []
        if blobs is not None:
            for blob in files.blob_records(blobs, file_ids, missing):
                out.write(packer.pack(blob))
                counts["files"] += 1
        if missing:
            out.close()
            tmp.unlink()
            raise MissingFiles(len(missing), len(file_ids))
        out.write(packer.pack({"end": counts}))
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)
    return counts


def _record(obj: Any) -> Record:
    """One record of the stream, checked; KeyError/TypeError/ValueError
    (or a store's BadRecord, a ValueError) when it is not one."""
    if not isinstance(obj, dict):
        raise TypeError("a record is a map")
    if "blob" in obj:
        if not isinstance(obj["blob"], str) or not isinstance(obj["data"], bytes):
            raise TypeError("a stored file's record holds its id and bytes")
        return cast(dict[str, Any], obj)
    if "account" in obj:
        return accounts.check(obj)
    if "hub" in obj:
        return hubs.check(obj)
    if "template" in obj:
        return library.check(obj)
    return BoardRecord.from_file(obj)


def read_file(f: IO[bytes]) -> Iterator[Record]:
    """The checked records of a backup file, its header checked first and
    (from format 3) its ``end`` record last; raises BackupError on the
    first record that is not right (records before it were yielded)."""
    unpacker = msgpack.Unpacker(f, raw=False, strict_map_key=False, max_buffer_size=2**31 - 1)
    try:
        header = next(unpacker)
    except (StopIteration, ValueError, msgpack.UnpackException) as exc:
        raise BackupError("not a Prikbord backup (no header)") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("not a Prikbord backup")
    try:
        version = int(header.get("version", 0))
    except (TypeError, ValueError) as exc:
        raise BackupError("not a Prikbord backup (no version)") from exc
    if version > FORMAT_VERSION:
        raise BackupError(f"backup format {version} is newer than this release reads")
    ended = False
    seen = dict.fromkeys(_KINDS, 0)
    try:
        for obj in unpacker:
            if ended:
                raise ValueError("records after the end record")
            if isinstance(obj, dict) and "end" in obj and version >= 3:
                ended = True
                if {k: int(obj["end"].get(k, -1)) for k in _KINDS} != seen:
                    raise ValueError(f"it lists {obj['end']}, holds {seen}")
                continue
            record = _record(obj)
            seen[_kind(record)] += 1
            yield record
    except (ValueError, KeyError, TypeError, AttributeError, msgpack.UnpackException) as exc:
        raise BackupError(f"damaged backup: {exc}") from exc
    if version >= 3 and not ended:
        raise BackupError("damaged backup: it ends early (no end record)")


#: The kinds of record the ``end`` record counts.
_KINDS = ("accounts", "hubs", "templates", "boards", "files")


def _kind(record: Record) -> str:
    if isinstance(record, BoardRecord):
        return "boards"
    if isinstance(record, accounts.AccountRecord):
        return "accounts"
    if isinstance(record, hubs.HubRecord):
        return "hubs"
    if isinstance(record, library.TemplateRecord):
        return "templates"
    return "files"


def restore(
    client: SyncClient, f: IO[bytes], *, replace: bool, blobs: files.SyncBlobs | None = None
) -> RestoreReport:
    """Everything in the file; what exists only with ``replace``; stored
    files into ``blobs`` (None: left out). ``f`` is read twice: the first
    pass checks every record and writes nothing (BackupError), the second
    writes."""
    for _ in read_file(f):
        pass
    f.seek(0)
    commit = script(client, "restore.lua")
    account_loader = accounts.Loader(client)
    hub_loader = hubs.Loader(client)
    report = RestoreReport()
    for record in read_file(f):
        if isinstance(record, BoardRecord):
            if not replace and client.exists(board_keys(record.board).meta):
                report.skipped.append(record.board)
                continue
            restore_board(client, commit, record)
            report.restored.append(record.board)
        elif isinstance(record, accounts.AccountRecord):
            if account_loader.load(record, replace=replace):
                report.accounts += 1
            else:
                report.kept.append(f"account {record.username}")
        elif isinstance(record, hubs.HubRecord):
            if hub_loader.load(record, replace=replace):
                report.hubs += 1
                report.activities += len(record.activities)
            else:
                report.kept.append(f"hub {record.slug}")
        elif isinstance(record, library.TemplateRecord):
            if library.load(client, record, replace=replace):
                report.templates += 1
            else:
                report.kept.append(f"template {record.id}")
        elif blobs is not None:
            if files.restore_blob(blobs, record):
                report.files += 1
            else:
                report.bad_files += 1
    return report


def _parser(command: str) -> argparse.ArgumentParser:
    what = {
        "backup": "write every board, account, hub and saved template to FILE",
        "restore": "put the boards, accounts, hubs and saved templates of FILE back",
    }
    p = argparse.ArgumentParser(prog=f"prikbord admin {command}", description=what[command])
    p.add_argument("file", type=Path)
    p.add_argument(
        "--redis-url", default=os.environ.get("PRIKBORD_REDIS_URL", ""),
        help="the Redis/Valkey the servers use (embedded: unix://DATA/valkey.sock)",
    )  # fmt: skip
    if command == "restore":
        p.add_argument("--replace", action="store_true",
                       help="also restore boards, accounts, hubs and templates that exist "
                       "(the file's content wins)")  # fmt: skip
    p.add_argument(
        "--data", type=Path, default=Path(os.environ.get("PRIKBORD_DATA", "data")),
        help="the servers' data directory (its files/ holds the stored files; "
        "PRIKBORD_FILES_STORE=s3 and its settings use the object store instead)",
    )  # fmt: skip
    p.add_argument("--no-files", action="store_true",
                   help="boards only, without the photos and files on their cards")  # fmt: skip
    return p


def _store_name(settings: Settings) -> str:
    """Where the stored files were looked for, for a person."""
    if settings.files_store == "s3":
        return f"s3 bucket {settings.files_s3_bucket or '(none set)'}"
    return f"local {settings.data_dir / 'files'}"


def main(command: str, argv: list[str]) -> int:
    args = _parser(command).parse_args(argv)
    if not args.redis_url:
        print(f"prikbord admin {command}: give --redis-url (or PRIKBORD_REDIS_URL)",
              file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    blobs = None
    settings = dataclasses.replace(Settings.from_env(), data_dir=args.data)
    if not args.no_files:
        blobs = files.SyncBlobs.from_settings(settings)
    try:
        client = connect_sync(args.redis_url)
        if command == "backup":
            n = backup(client, args.file, blobs)
            stored = "without the stored files (--no-files)" if blobs is None else (
                f"and {n['files']} stored files")  # fmt: skip
            print(f"wrote {n['boards']} boards to {args.file}, with {n['accounts']} accounts "
                  f"(their password hashes: keep the file safe), {n['hubs']} hubs, "
                  f"{n['templates']} saved templates {stored}")  # fmt: skip
            return 0
        with args.file.open("rb") as f:
            report = restore(client, f, replace=args.replace, blobs=blobs)
    except (redis.RedisError, UrlError) as exc:
        print(f"prikbord admin {command}: Redis/Valkey at {args.redis_url}: {exc}",
              file=sys.stderr)  # fmt: skip
        return EXIT_STORAGE
    except MissingFiles as exc:
        print(f"prikbord admin {command}: {exc.missing} of {exc.total} stored files the boards "
              f"reference are not in the file store ({_store_name(settings)}), so nothing was "
              "written: give the servers' --data DIR (or PRIKBORD_FILES_STORE=s3 and its "
              "PRIKBORD_FILES_S3_* settings), or --no-files for a backup without the files",
              file=sys.stderr)  # fmt: skip
        return EXIT_MISSING_FILES
    except (OSError, BackupError) as exc:
        print(f"prikbord admin {command}: {args.file}: {exc}", file=sys.stderr)
        return EXIT_FILE
    finally:
        if blobs is not None:
            blobs.close()
    print(f"restored {len(report.restored)} boards, each with a new epoch")
    print(f"restored {report.accounts} accounts (everyone logs in again), {report.hubs} hubs "
          f"with {report.activities} agenda items, {report.templates} saved templates")  # fmt: skip
    if blobs is not None:
        print(f"restored {report.files} stored files")
    if report.bad_files:
        print(f"refused {report.bad_files} stored files whose bytes do not match their id")
    if report.skipped:
        print(f"left {len(report.skipped)} existing boards alone (--replace restores them too): "
              + " ".join(report.skipped))  # fmt: skip
    if report.kept:
        print(f"left {len(report.kept)} existing accounts, hubs or templates alone "
              "(--replace restores them too): " + ", ".join(report.kept))  # fmt: skip
    return 0
