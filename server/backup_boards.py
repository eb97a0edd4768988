"""Boards in ``prikbord admin backup/restore`` (server/backup.py): one
board's durable keys read in one step, and put back in one step with a new
epoch.

A board's record is its meta hash, snapshot, log, exactly-once window and
file registry, as stored (bytes). The reader takes the board's keys in one
script (``dump.lua``): a consistent cut of the board whatever nodes append
meanwhile. The writer stages the snapshot, log and op ids under keys beside
the board's (same hash tag), then puts them in place in one script
(``restore.lua``) with a new epoch (SPEC §3); after it, the indexes beside
the board — the board list, its short code, its owner's list of boards
(derived from the meta's ``owner``, so an owner's list always matches the
boards) — and its file registry with its hold on the stored bytes.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from server.accounts.keys import account_boards
from server.engine.client import SyncClient
from server.engine.keys import BOARDS_KEY, EPOCH_CHANGED, board_keys, short_key
from server.files import backup as files

#: Board ids as ``server/tokens.py`` makes them (URL-safe), with room:
#: nothing that could split a key (``{``, ``}``, ``:``), as no board id can.
BOARD_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: Log entries / op ids per staging round trip: big boards restore in a few
#: dozen commands, none of them large.
_CHUNK = 500


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
        """The record; ValueError/KeyError/TypeError when it is not one (an
        id that is not a board id would name keys outside the board's)."""
        if not BOARD_ID_RE.fullmatch(str(obj["board"])):
            raise ValueError(f"{str(obj['board'])[:60]!r} is not a board id")
        return cls(
            board=str(obj["board"]), meta=dict(obj["meta"]), snapshot=dict(obj["snapshot"]),
            log=[(bytes(i), [bytes(f) for f in fs]) for i, fs in obj["log"]],
            ops=[(bytes(m), float(s)) for m, s in obj["ops"]],
            op_times=[(bytes(m), float(s)) for m, s in obj["op_times"]],
            files={bytes(k): bytes(v) for k, v in obj.get("files", {}).items()},
        )  # fmt: skip


def script(client: SyncClient, name: str) -> Any:
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
