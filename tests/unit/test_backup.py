"""The backup file format (server/backup.py): records round-trip; a file
of a newer format, or a damaged one, is refused."""

from __future__ import annotations

import io

import msgpack
import pytest

from server.backup import FORMAT, BackupError, read_file
from server.backup_boards import BoardRecord

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


ACCOUNT = {
    "account": "coco",
    "fields": {"name": "Coco", "role": "coordinator", "disabled": "0", "created": "1",
               "hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"},
}  # fmt: skip
END = {"accounts": 1, "hubs": 0, "templates": 0, "boards": 1, "files": 0}


def test_format_3_ends_with_counts_of_what_it_holds() -> None:
    header = {"format": FORMAT, "version": 3}
    got = list(read_file(_file(header, ACCOUNT, RECORD.to_file(), {"end": END})))
    assert got[1] == RECORD and getattr(got[0], "username", None) == "coco"
    with pytest.raises(BackupError, match="ends early"):
        list(read_file(_file(header, ACCOUNT, RECORD.to_file())))
    with pytest.raises(BackupError, match="it lists"):
        list(read_file(_file(header, RECORD.to_file(), {"end": END})))
    with pytest.raises(BackupError, match="after the end"):
        list(read_file(_file(header, ACCOUNT, RECORD.to_file(), {"end": END}, ACCOUNT)))


def test_records_that_break_the_stores_rules_are_damage() -> None:
    header = {"format": FORMAT, "version": 3}
    bad = [
        {**ACCOUNT, "fields": {**ACCOUNT["fields"], "role": "emperor"}},  # type: ignore[dict-item]
        {**ACCOUNT, "account": "Coco:x"},
        {"hub": "delft", "value": "{", "activities": {}, "boards": [], "claims": []},
        {"template": "t1234567", "name": "x", "scope": "hub:delft", "created": 1,
         "state": b"\xc1", "v": 2},
        {**RECORD.to_file(), "board": "{b:other}"},
    ]  # fmt: skip
    for record in bad:
        with pytest.raises(BackupError, match="damaged"):
            list(read_file(_file(header, record, {"end": END})))
