"""The backup file format (server/backup.py): records round-trip; a file
of a newer format, or a damaged one, is refused."""

from __future__ import annotations

import io

import msgpack
import pytest

from server.backup import FORMAT, BackupError, BoardRecord, read_file

RECORD = BoardRecord(
    board="b1", meta={b"epoch": b"e1", b"seq": b"2"}, snapshot={b"seq": b"1", b"state": b"\x80"},
    log=[(b"2-0", [b"e", b"\x01\x02"])], ops=[(b"a:o1", 2.0)], op_times=[(b"2", 1000.0)],
)  # fmt: skip


def _file(header: object, *records: object) -> io.BytesIO:
    packer = msgpack.Packer(use_bin_type=True)
    return io.BytesIO(b"".join(packer.pack(x) for x in (header, *records)))


def test_records_round_trip() -> None:
    f = _file({"format": FORMAT, "version": 1}, RECORD.to_file())
    assert list(read_file(f)) == [RECORD]


def test_newer_or_foreign_or_damaged_files_are_refused() -> None:
    with pytest.raises(BackupError, match="newer"):
        list(read_file(_file({"format": FORMAT, "version": 99})))
    with pytest.raises(BackupError, match="not a Prikbord backup"):
        list(read_file(_file({"format": "other"})))
    with pytest.raises(BackupError, match="damaged"):
        list(read_file(_file({"format": FORMAT, "version": 1}, {"board": "b1"})))
